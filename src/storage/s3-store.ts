/**
 * ObjectStore over the AWS SDK for JavaScript v3 (loaded only when an s3:// target is used).
 * Credentials, region and endpoint come from the SDK's standard chain: AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, web identity (GitHub
 * OIDC), AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. Never from argv. Retries with
 * backoff on 5xx and throttling are the SDK's standard retry strategy.
 */
import { createReadStream } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { PkgtrackError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import {
  bareEtag,
  type HeadResult,
  type IfMatchForm,
  type ObjectStore,
  PreconditionFailed,
  type PutOptions,
  type StoredObject,
} from './object-store.js';
import type { S3Target } from './s3-url.js';

/** Connections to the store at once: the most requests a publisher keeps in flight. */
export const MAX_CONNECTIONS = 64;

/** Files above this go up in parts (lib-storage: parallel parts, each retried). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;

type Sdk = typeof import('@aws-sdk/client-s3');

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** Turn an SDK failure into a PkgtrackError that says what to do (no credentials in it). */
function storeError(e: unknown, what: string, url: string): Error {
  if (e instanceof PkgtrackError || e instanceof PreconditionFailed) return e;
  const name = (e as Error).name ?? 'Error';
  const code = status(e);
  if (name === 'CredentialsProviderError' || code === 403 || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new PkgtrackError({
      code: 'S3_ACCESS_DENIED',
      kind: 'environment',
      message: `${url}: ${what} refused (${name}${code ? `, HTTP ${code}` : ''})`,
      fix: 'Give the publisher credentials through the AWS chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or OIDC (aws-actions/configure-aws-credentials); they need s3:GetObject, PutObject, DeleteObject and ListBucket on the prefix.',
    });
  }
  if (name === 'NoSuchBucket') {
    return new PkgtrackError({
      code: 'S3_NO_BUCKET',
      kind: 'not-found',
      message: `${url}: the bucket does not exist`,
      fix: 'Create the bucket (and check AWS_ENDPOINT_URL_S3 points at the right store).',
    });
  }
  return new PkgtrackError({
    code: 'S3_FAILED',
    kind: 'network',
    message: `${url}: ${what} failed: ${name}${code ? ` (HTTP ${code})` : ''}: ${(e as Error).message}`,
    fix: 'Check AWS_ENDPOINT_URL_S3 / AWS_REGION and that the store is reachable, then run the same command again: a rerun finishes the job.',
  });
}

export async function openS3Store(target: S3Target): Promise<ObjectStore> {
  const sdk: Sdk = await import('@aws-sdk/client-s3');
  for (const v of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) registerSecret(process.env[v]);
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const client: S3Client = new sdk.S3Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    // Custom endpoints (MinIO, Ceph, R2, local servers) address buckets by path.
    ...(endpoint ? { forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE !== 'false' } : {}),
    requestHandler: { httpAgent: { maxSockets: MAX_CONNECTIONS }, httpsAgent: { maxSockets: MAX_CONNECTIONS } },
    maxAttempts: 8,
    retryMode: 'adaptive',
    // Checksums only where the API requires them: R2, GCS and older Ceph reject the
    // aws-chunked trailers the newest SDKs send by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return new S3Store(sdk, client, target);
}

class S3Store implements ObjectStore {
  readonly url: string;
  constructor(
    private readonly sdk: Sdk,
    private readonly client: S3Client,
    private readonly target: S3Target,
  ) {
    this.url = target.url;
  }

  private get bucket() {
    return this.target.bucket;
  }

  async get(key: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      const r = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: Buffer.from(await r.Body!.transformToByteArray()), etag: r.ETag ?? '' };
    } catch (e) {
      if (status(e) === 404 || (e as Error).name === 'NoSuchKey') return undefined;
      throw storeError(e, `GET ${key}`, this.url);
    }
  }

  async head(key: string): Promise<HeadResult | undefined> {
    try {
      const r = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: r.ContentLength ?? 0, etag: r.ETag ?? '', metadata: r.Metadata ?? {} };
    } catch (e) {
      if (status(e) === 404 || (e as Error).name === 'NotFound') return undefined;
      throw storeError(e, `HEAD ${key}`, this.url);
    }
  }

  /**
   * Stores differ on the form of an If-Match ETag: AWS, MinIO and R2 take the quoted form
   * their responses carry; Ceph RGW 16 compares the bare hex. Quoted unless told otherwise; a
   * 412 while the object still has that very ETag means the store wanted the bare form
   * (remembered, and recorded by the publisher in its state for the next run).
   */
  ifMatchForm: IfMatchForm | undefined;

  async put(key: string, body: Buffer | { file: string; size: number }, opts: PutOptions): Promise<{ etag: string }> {
    if (!opts.ifMatch) return this.send(key, body, opts, undefined);
    const bare = bareEtag(opts.ifMatch);
    const quoted = `"${bare}"`;
    const form = this.ifMatchForm ?? 'quoted';
    try {
      const r = await this.send(key, body, opts, form === 'bare' ? bare : quoted);
      this.ifMatchForm = form;
      return r;
    } catch (e) {
      // Refused while the object still has that very ETag: the store wants the other form.
      if (!(e instanceof PreconditionFailed)) throw e;
      if (bareEtag((await this.head(key))?.etag) !== bare) throw e;
      const other: IfMatchForm = form === 'bare' ? 'quoted' : 'bare';
      const r = await this.send(key, body, opts, other === 'bare' ? bare : quoted);
      this.ifMatchForm = other;
      return r;
    }
  }

  private async send(
    key: string,
    body: Buffer | { file: string; size: number },
    opts: PutOptions,
    ifMatch: string | undefined,
  ): Promise<{ etag: string }> {
    const params = {
      Bucket: this.bucket,
      Key: key,
      ContentType: opts.contentType,
      CacheControl: opts.cacheControl,
      ...(opts.metadata ? { Metadata: opts.metadata } : {}),
      ...(opts.createOnly ? { IfNoneMatch: '*' } : {}),
      ...(ifMatch ? { IfMatch: ifMatch } : {}),
    };
    try {
      if (!Buffer.isBuffer(body) && body.size > MULTIPART_THRESHOLD) {
        const { Upload } = await import('@aws-sdk/lib-storage');
        const up = new Upload({ client: this.client, params: { ...params, Body: createReadStream(body.file) }, queueSize: 4 });
        const r = await up.done();
        return { etag: r.ETag ?? '' };
      }
      const r = await this.client.send(
        new this.sdk.PutObjectCommand({
          ...params,
          Body: Buffer.isBuffer(body) ? body : createReadStream(body.file),
          ContentLength: Buffer.isBuffer(body) ? body.length : body.size,
        }),
      );
      return { etag: r.ETag ?? '' };
    } catch (e) {
      if (status(e) === 412 || (e as Error).name === 'PreconditionFailed') throw new PreconditionFailed(key);
      throw storeError(e, `PUT ${key}`, this.url);
    }
  }

  async copy(from: string, to: string, opts: PutOptions): Promise<boolean> {
    try {
      await this.client.send(
        new this.sdk.CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          // "bucket/key", URL-encoded per segment as the API wants it.
          CopySource: [this.bucket, ...from.split('/')].map(encodeURIComponent).join('/'),
          MetadataDirective: 'REPLACE',
          ContentType: opts.contentType,
          CacheControl: opts.cacheControl,
          ...(opts.metadata ? { Metadata: opts.metadata } : {}),
        }),
      );
      return true;
    } catch (e) {
      if (status(e) === 404 || (e as Error).name === 'NoSuchKey') return false;
      throw storeError(e, `COPY ${from} -> ${to}`, this.url);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      if (status(e) === 404) return;
      throw storeError(e, `DELETE ${key}`, this.url);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await this.client.send(
          new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const o of r.Contents ?? []) {
          out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified ?? new Date(0) });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw storeError(e, `LIST ${prefix}`, this.url);
    }
    return out;
  }
}
