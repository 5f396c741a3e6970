/**
 * The web page's record (services/site/site.ts: per package the hash of what its files were
 * rendered from, per other file its hash) and its model (the rows of every suite) kept in the
 * bucket beside pkgtrack's state, so that a publisher to object storage needs none of the page's
 * per-package files, and renders only the packages it changes. Without it every
 * publish from a recipes repository downloaded the badge, page and JSON of every package (30,000
 * GETs at 10,000 packages) only to find most of them unchanged.
 *
 * The record goes up after the page files it describes (a kill in between leaves the older
 * record, and the next publish renders those packages again); a bucket without one (published
 * before it existed) is read whole once, as before.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ObjectStore } from '../../storage/object-store.js';
import { packageFilePaths } from '../../site/render-site.js';
import { siteModelTable } from '../../state/site-model-table.js';
import { type SiteRecord, siteRecordTable } from '../../state/tables.js';
import { StateStore } from '../../state/store.js';

const byFirst = (a: readonly [string, ...unknown[]], b: readonly [string, ...unknown[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

interface RecordFile {
  version: 1;
  files: Array<[path: string, hash: string, previous: boolean]>;
  packages: Array<[name: string, hash: string, changedAt: string]>;
  /**
   * The page's model (state/site-model-table.ts): with it the next publish renders only the
   * packages it changes, as a local output dir does, instead of reading every suite back.
   * Absent in records written before it was kept (the next publish then makes the whole pass).
   */
  model?: {
    context: string | null;
    day?: string;
    pending: string[];
    suites: Array<[suite: string, stamp: string, header: string]>;
    rows: Array<[suite: string, name: string, source: string, row: string]>;
  };
}

const isModel = (m: RecordFile['model']): m is NonNullable<RecordFile['model']> =>
  !!m && Array.isArray(m.suites) && Array.isArray(m.rows) && Array.isArray(m.pending);

/** The record object, under the prefix's bookkeeping folder (s3.ts S3_META). */
export const siteRecordKey = (prefix: string, meta: string) => `${prefix}${meta}site-record.json.gz`;

/** The per-package files (badge, page, JSON) a record says are published: what a publisher need not download. */
export function recordedPackageFiles(record: SiteRecord | undefined): Set<string> {
  const out = new Set<string>();
  for (const name of record?.packages.keys() ?? []) for (const p of packageFilePaths(name)) out.add(p);
  return out;
}

/** The bucket's record (and its bytes), written into the scratch output's state store; undefined when there is none (or it is unreadable). */
export async function restoreSiteRecord(
  store: ObjectStore,
  key: string,
  output: string,
): Promise<{ record: SiteRecord; body: Buffer } | undefined> {
  const got = await store.get(key);
  if (!got) return undefined;
  let parsed: RecordFile;
  try {
    parsed = JSON.parse(gunzipSync(got.body).toString('utf8')) as RecordFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.files) || !Array.isArray(parsed.packages)) return undefined;
  } catch {
    return undefined; // damaged: the page's files are read as they were before the record existed
  }
  const state = StateStore.open(output);
  try {
    siteRecordTable(state).apply({ packagesUpserted: parsed.packages, packagesRemoved: [], filesUpserted: parsed.files, filesRemoved: [] });
    const m = parsed.model;
    if (isModel(m))
      siteModelTable(state).load({
        context: m.context ?? undefined,
        day: m.day,
        pending: m.pending,
        suites: m.suites,
        rows: m.rows.map(([suite, name, source, row]) => ({ suite, name, source, row })),
      });
  } finally {
    state.close();
  }
  // What was just written, from the parsed file (not read back from the store).
  const record: SiteRecord = {
    files: new Map(parsed.files.map(([p, hash, previous]) => [p, { hash, previous }])),
    packages: new Map(parsed.packages.map(([n, hash, changedAt]) => [n, { hash, changedAt }])),
  };
  return { record, body: got.body };
}

/** The scratch output's record after the change, and its bytes as the bucket keeps them (undefined: no page). */
export function currentSiteRecord(output: string): { record: SiteRecord; body: Buffer } | undefined {
  const state = StateStore.open(output);
  try {
    const record = siteRecordTable(state).read();
    if (record.packages.size === 0 && record.files.size === 0) return undefined;
    const model = siteModelTable(state).dump();
    const file: RecordFile = {
      version: 1,
      files: [...record.files].map(([p, f]): RecordFile['files'][number] => [p, f.hash, f.previous]).sort(byFirst),
      packages: [...record.packages].map(([n, p]): RecordFile['packages'][number] => [n, p.hash, p.changedAt]).sort(byFirst),
      ...(model.suites.length || model.context !== undefined
        ? {
            model: {
              context: model.context ?? null,
              ...(model.day !== undefined ? { day: model.day } : {}),
              pending: model.pending,
              suites: model.suites,
              rows: model.rows.map((r): [string, string, string, string] => [r.suite, r.name, r.source, r.row]),
            },
          }
        : {}),
    };
    return { record, body: gzipSync(JSON.stringify(file)) };
  } finally {
    state.close();
  }
}
