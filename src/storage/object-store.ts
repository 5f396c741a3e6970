/**
 * The object-storage port a repository is published through (S3 and compatible stores:
 * R2, GCS's XML API, MinIO, Ceph RGW). Keys are full object keys; the publish service adds
 * the prefix. Every write names its Content-Type and Cache-Control.
 */
export interface StoredObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface PutOptions {
  contentType: string;
  cacheControl: string;
  /** Create only: fail with a precondition error if the key exists (where the store honours it). */
  createOnly?: boolean;
  /** Replace only this version (compare-and-swap on the ETag, where the store honours it). */
  ifMatch?: string;
  /** User metadata (x-amz-meta-*), e.g. the SHA-256 of the body. */
  metadata?: Record<string, string>;
}

export interface HeadResult {
  size: number;
  etag: string;
  metadata: Record<string, string>;
}

export interface ObjectStore {
  /** Human name for messages: s3://bucket/prefix. */
  readonly url: string;
  get(key: string): Promise<{ body: Buffer; etag: string } | undefined>;
  head(key: string): Promise<HeadResult | undefined>;
  /** Upload `body` (bytes, or a local file path for large files: multipart above a size). */
  put(key: string, body: Buffer | { file: string; size: number }, opts: PutOptions): Promise<{ etag: string }>;
  /**
   * Copy `from` to `to` inside the store (no bytes through this machine), with `to`'s own
   * headers. False when `from` is not there (deleted by hand): the caller uploads instead.
   */
  copy(from: string, to: string, opts: PutOptions): Promise<boolean>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
  /**
   * The form of ETag this store compares `If-Match` against: most take the quoted form their
   * answers carry, Ceph RGW 16 the bare hex. Learned by trying (a refused quoted form is tried
   * bare once); set from what an earlier publish recorded, so no write is sent twice.
   */
  ifMatchForm?: IfMatchForm | undefined;
}

export type IfMatchForm = 'quoted' | 'bare';

/** An ETag without its quotes: listings, GETs and stores differ on quoting it. */
export const bareEtag = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '');

/** A conditional write the store refused (HTTP 412): someone else wrote first. */
export class PreconditionFailed extends Error {
  constructor(readonly key: string) {
    super(`precondition failed for ${key}`);
  }
}
