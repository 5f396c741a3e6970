/**
 * What a publisher to object storage reads before it changes anything: pkgtrack's state object
 * (every object it published, with its SHA-256), the page's record, and the metadata a change
 * needs, into a scratch directory. services/publish/s3.ts runs the change and uploads it.
 */
import { createHash } from 'node:crypto';
import { link, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../../core/concurrency.js';
import { inputError } from '../../core/errors.js';
import { PAGE_PACKAGE_DIRS, packageOfFile } from '../../site/render-site.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { StoreGuarantees } from '../../storage/probe.js';
import { MAX_CONNECTIONS } from '../../storage/s3-store.js';
import { isByHash, isPool } from './s3-files.js';
import { recordedPackageFiles, restoreSiteRecord, siteRecordKey } from './s3-site.js';
import { makeDirs } from '../../core/dirs.js';

/** pkgtrack's bookkeeping beside the repository: state object and lease claims. */
export const S3_META = '.pkgtrack-s3/';
/** The state object of a prefix: what every publish reads first and writes last (If-Match). */
export const stateKey = (prefix: string) => `${prefix}${S3_META}state.json`;
/**
 * Requests in flight. A real store answers each in 10-100 ms, most of it the way there and back,
 * so a publish of thousands of small page and index files waits on round trips unless many are
 * under way; pool files go fewer at a time (each may hold up to 8 MB in memory).
 */
export const REQUESTS_IN_FLIGHT = MAX_CONNECTIONS;
export const POOL_REQUESTS_IN_FLIGHT = 16;

export interface S3State {
  version: 1;
  /** Every object pkgtrack published, relative to the prefix. */
  objects: Record<string, { sha256: string; size: number }>;
  /** Objects no longer used, and since when (deleted after the grace period). */
  pendingDeletes: Record<string, string>;
  /** Which conditional writes the store honours, probed by the first publish (storage/probe.ts). */
  store?: StoreGuarantees;
}

export async function readS3State(store: ObjectStore, prefix: string): Promise<{ state: S3State; etag?: string }> {
  const got = await store.get(stateKey(prefix));
  if (!got) return { state: { version: 1, objects: {}, pendingDeletes: {} } };
  try {
    return { state: JSON.parse(got.body.toString('utf8')) as S3State, etag: got.etag };
  } catch {
    throw inputError(
      'S3_STATE_CORRUPT',
      `${store.url}${S3_META}state.json is not valid JSON`,
      'Restore it from a previous publish, or remove it and republish every package.',
    );
  }
}

export interface RemoteRead {
  state: S3State;
  etag: string | undefined;
  /** The page's record as the bucket had it (restored into the scratch output's state store). */
  siteBefore: Awaited<ReturnType<typeof restoreSiteRecord>>;
  /** Without a record: the page's per-package files the bucket holds (listed, not downloaded). */
  listedPageFiles: string[];
  downloadedFiles: number;
}

/**
 * The state object and metadata only, into `work`: everything published except pool files,
 * by-hash copies and the page's per-package files its record vouches for. What cannot be such
 * a file is fetched at once, while the record is still on its way; the page files it does not
 * vouch for after. The by-hash copies of the indexes read are made locally (with them the
 * publish sees the suite whole, so a no-change publish writes nothing, and they are not
 * uploaded again).
 */
export async function readRemote(store: ObjectStore, prefix: string, work: string): Promise<RemoteRead> {
  const key = (rel: string) => `${prefix}${rel}`;
  const siteRecord = restoreSiteRecord(store, siteRecordKey(prefix, S3_META), work);
  siteRecord.catch(() => {}); // awaited below
  const { state, etag } = await readS3State(store, prefix);
  const meta = Object.keys(state.objects).filter((rel) => !isPool(rel) && !isByHash(rel));
  const downloaded = new Map<string, string>(); // sha256 -> rel
  let downloadedFiles = 0;
  const download = async (rel: string) => {
    const got = await store.get(key(rel));
    if (!got) return; // deleted by hand: the publish rewrites what it needs
    await makeDirs(dirname(join(work, rel)));
    await writeFile(join(work, rel), got.body);
    downloaded.set(createHash('sha256').update(got.body).digest('hex'), rel);
    downloadedFiles++;
  };
  const first = mapLimit(
    meta.filter((rel) => packageOfFile(rel) === undefined),
    REQUESTS_IN_FLIGHT,
    download,
  );
  first.catch(() => {}); // awaited below
  const siteBefore = await siteRecord;
  const notNeeded = recordedPackageFiles(siteBefore?.record);
  // The state keeps no entries for the page's per-package files (the record is their account):
  // without a record, what the bucket holds is listed, so that files of packages gone since are
  // still deleted after the whole page is written again.
  const listedPageFiles = siteBefore
    ? []
    : (await Promise.all(PAGE_PACKAGE_DIRS.map((d) => store.list(key(d)))))
        .flat()
        .map((o) => o.key.slice(prefix.length))
        .filter((rel) => packageOfFile(rel) !== undefined);
  await Promise.all([
    first,
    mapLimit(
      meta.filter((rel) => packageOfFile(rel) !== undefined && !notNeeded.has(rel)),
      REQUESTS_IN_FLIGHT,
      download,
    ),
  ]);
  for (const [rel, o] of Object.entries(state.objects)) {
    const from = isByHash(rel) ? downloaded.get(o.sha256) : undefined;
    if (!from) continue;
    await makeDirs(dirname(join(work, rel)));
    await link(join(work, from), join(work, rel));
  }
  return { state, etag, siteBefore, listedPageFiles, downloadedFiles };
}
