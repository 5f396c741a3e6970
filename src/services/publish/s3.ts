/**
 * `publish --to s3://bucket/prefix`: publish into object storage without a local copy of the
 * repository. Under the prefix's lease, the publisher downloads only metadata (indexes,
 * Release files, generation records, the page) into a scratch directory, runs the ordinary
 * publish there with the remote pool as the pool of record (same name + other bytes is
 * refused), and uploads what changed in switch order: new pool files first (create-only),
 * content-addressed indexes next, other metadata, Release/Release.gpg/InRelease last, then the
 * state object. Files the new repository no longer uses are deleted only after a grace
 * period, by a later publish, so readers mid-update still find them.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { conflictError } from '../../core/errors.js';
import { markScratch } from '../../core/fsutil.js';
import { mapLimit } from '../../core/concurrency.js';
import type { Progress } from '../../core/progress.js';
import type { CommitSummary, RemotePool } from '../../repo/format.js';
import { faultPoint, isLocalOnly } from '../../repo/format.js';
import { cacheControl, contentType, isImmutablePath } from '../../storage/http-headers.js';
import { acquireLease, type Lease } from '../../storage/lease.js';
import { bareEtag, PreconditionFailed } from '../../storage/object-store.js';
import { probeConditionalWrites } from '../../storage/probe.js';
import { openS3Store } from '../../storage/s3-store.js';
import { bucketAddress, parseS3Url } from '../../storage/s3-url.js';
import { publish, type PublishRequest, type PublishResult } from './publish.js';
import { copyMin, isByHash, isPool, isSwitch, readLocal, SMALL_FILE, sha256Of, switchOrder, walk } from './s3-files.js';
import { packageFilePaths, packageOfFile } from '../../site/render-site.js';
import { currentSiteRecord, recordedPackageFiles, siteRecordKey } from './s3-site.js';
import { POOL_REQUESTS_IN_FLIGHT, REQUESTS_IN_FLIGHT, readRemote, S3_META, stateKey } from './s3-remote.js';

export { readS3State, S3_META, type S3State } from './s3-remote.js';

/** Scratch files read and hashed at a time before the upload (local disk, not requests). */
const LOCAL_READS_IN_FLIGHT = 16;

export interface S3SyncReport {
  url: string;
  uploaded: string[];
  uploadedBytes: number;
  /** Of `uploaded`, those the store copied from an object with the same bytes (no bytes sent). */
  copied: number;
  /** Pool files already in the bucket with the same bytes (a rerun after a kill). */
  alreadyThere: number;
  deleted: string[];
  scheduledDeletes: string[];
  downloadedFiles: number;
}

export interface S3PublishRequest extends PublishRequest {
  to: string;
  /** Seconds an unused file stays for readers mid-update (default one day). */
  graceSeconds?: number;
}

/** What a change against the bucket ran locally: its reports (the pool files it removed). */
export interface ScratchChange<T> {
  value: T;
  dryRun?: boolean;
  reports: ReadonlyArray<{ root: string; commit?: CommitSummary }>;
}

export interface S3ChangeOptions {
  to: string;
  progress: Progress;
  /** What the lease holder is doing, for whoever waits on it ("publish to s3://…"). */
  what: string;
  lockTimeoutMs?: number;
  /** Seconds an unused file stays for readers mid-update (default one day). */
  graceSeconds?: number;
}

/**
 * Run one repository change (publish, remove, refresh) against the bucket: download only
 * metadata into a scratch directory while the prefix's lease is taken (read again under it if
 * another publisher finished in between), delete what is past its grace period, let `change`
 * run the ordinary local operation there with the bucket's pool as the pool of record, then
 * upload what changed in switch order and record what the new repository no longer uses for
 * deletion after the grace period. The one uploader of every s3 command.
 */
export async function changeInS3<T>(
  opts: S3ChangeOptions,
  change: (work: string, remotePool: (root: string) => RemotePool) => Promise<ScratchChange<T>>,
): Promise<{ value: T; s3: S3SyncReport }> {
  const target = parseS3Url(opts.to);
  const store = await openS3Store(target);
  const prefix = target.prefix;
  const key = (rel: string) => `${prefix}${rel}`;
  const graceMs = (opts.graceSeconds ?? 86_400) * 1000;
  // The metadata is read while the lease is taken (its PUT and LIST are most of a small
  // publish's wait); once held, the state's ETag says whether that read still holds: the state
  // changes only at the end of another publisher's run.
  const leased = acquireLease(store, `${prefix}${S3_META}lease/`, {
    timeoutMs: opts.lockTimeoutMs ?? 120_000,
    what: opts.what,
    onWait: (h) => opts.progress.step(`waiting for another publisher (${h})`),
    watch: stateKey(prefix),
  });
  leased.catch(() => {}); // awaited below
  // The scratch copy is uploaded and removed by this process: no fsync in it (markScratch).
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-s3-'));
    unmark.push(markScratch(dir));
    return dir;
  };
  const unmark: Array<() => void> = [];
  let work = await scratch();
  const early = readRemote(store, prefix, work);
  early.catch(() => {}); // awaited below
  let lease: Lease | undefined;
  try {
    lease = await leased;
    let remote = await early;
    // The listing that granted the lease saw the state as it is now: no one else writes it.
    const stateNow = lease.watched === undefined ? (await store.head(stateKey(prefix)))?.etag : lease.watched?.etag;
    if (bareEtag(stateNow) !== bareEtag(remote.etag)) {
      // Another publisher finished in between: read again, under the lease.
      await rm(work, { recursive: true, force: true });
      work = await scratch();
      remote = await readRemote(store, prefix, work);
    }
    const { state, etag, siteBefore } = remote;
    const siteKey = siteRecordKey(prefix, S3_META);
    // Probed by the first publish, and again by one whose state lacks the If-Match form: without
    // it every state write went out twice on stores that compare the bare ETag (Ceph RGW).
    const probed = !state.store?.ifMatchForm;
    const guarantees = state.store?.ifMatchForm ? state.store : await probeConditionalWrites(store, `${prefix}${S3_META}`);
    state.store = guarantees;
    store.ifMatchForm = guarantees.ifMatchForm;
    const createOnlyHonoured = guarantees.createOnly;
    const sync: S3SyncReport = {
      url: target.url,
      uploaded: [],
      uploadedBytes: 0,
      copied: 0,
      alreadyThere: 0,
      deleted: [],
      scheduledDeletes: [],
      downloadedFiles: remote.downloadedFiles,
    };
    // 1. The metadata was read (readRemote).
    // 2. What earlier publishes left for deletion and is past its grace period goes now.
    const now = Date.now();
    // A page file whose package the record lists again is published, whatever was planned for it.
    const republished = (rel: string) => siteBefore?.record.packages.has(packageOfFile(rel) ?? '\u0000') ?? false;
    const due = Object.entries(state.pendingDeletes).filter(
      ([rel, since]) => !state.objects[rel] && !republished(rel) && now - Date.parse(since) >= graceMs,
    );
    await mapLimit(due, REQUESTS_IN_FLIGHT, async ([rel]) => {
      await store.delete(key(rel));
      delete state.pendingDeletes[rel];
      sync.deleted.push(rel);
    });
    opts.progress.step(`read ${sync.downloadedFiles} metadata file(s) from ${target.url}`);
    // 3. The ordinary operation, in the scratch directory, the bucket's pool as the pool of record.
    const result = await change(work, (root) => ({ sha256Of: (rel) => state.objects[relative(work, join(root, rel))]?.sha256 }));
    if (result.dryRun) return { value: result.value, s3: sync };
    // 4. Upload what changed, in switch order.
    const local = (await walk(work)).filter((rel) => !isLocalOnly(rel));
    const changed: Array<{ rel: string; sha256: string; size: number; body?: Buffer }> = [];
    // Each new pool file with the hash the new indexes give it, and its input: a scratch pool
    // file may be a hard link of the input (core/fsutil.ts linkIfUnchanged), read again here.
    const newPool = new Map<string, { sha256: string; from: string | undefined }>();
    for (const r of result.reports)
      for (const c of r.commit?.changes ?? [])
        if (c.op === 'add-pool' && c.sha256) newPool.set(relative(work, join(r.root, c.path)), { sha256: c.sha256, from: c.from });
    await mapLimit(local, LOCAL_READS_IN_FLIGHT, async (rel) => {
      const abs = join(work, rel);
      const { size, small } = readLocal(abs);
      const sha = small?.sha256 ?? (await sha256Of(abs));
      const want = newPool.get(rel);
      if (want && want.sha256 !== sha)
        throw conflictError(
          'INPUT_CHANGED',
          `${want.from ?? rel}: changed while it was being published (its indexes say SHA-256 ${want.sha256.slice(0, 16)}…, the file now has ${sha.slice(0, 16)}…); nothing was uploaded`,
          'Let whatever writes the file finish, then run the same command again.',
          { file: want.from ?? rel },
        );
      // A changed metadata or page file keeps its bytes for the upload (a few KB each).
      if (state.objects[rel]?.sha256 !== sha)
        changed.push({ rel, sha256: sha, size, ...(small && !isPool(rel) ? { body: small.body } : {}) });
      else delete state.pendingDeletes[rel];
    });
    // Pool files first; then everything else the switch files name (by-hash copies, indexes, the
    // page) at once; the switch files last. Each step is one round of parallel requests.
    const headersOf = (c: { rel: string; sha256: string }) => ({
      contentType: contentType(c.rel),
      cacheControl: cacheControl(c.rel),
      metadata: { sha256: c.sha256 },
    });
    const phase = (n: number) => changed.filter((c) => (isPool(c.rel) ? 0 : isSwitch(c.rel) ? 2 : 1) === n);
    const upload = async (c: { rel: string; sha256: string; size: number; body?: Buffer }) => {
      const body =
        c.body ??
        (c.size > 8 * 1024 * 1024
          ? { file: join(work, c.rel), size: c.size }
          : c.size <= SMALL_FILE
            ? readFileSync(join(work, c.rel))
            : await readFile(join(work, c.rel)));
      const putOpts = headersOf(c);
      if (isImmutablePath(c.rel)) {
        // A store that honours If-None-Match refuses an existing key by itself (one request);
        // on one that ignores it, HEAD first so that a published file is never overwritten.
        const there = createOnlyHonoured ? undefined : await store.head(key(c.rel));
        if (there) return checkSame(c, there.metadata.sha256, store.url, sync);
        try {
          await store.put(key(c.rel), body, { ...putOpts, createOnly: true });
        } catch (e) {
          if (!(e instanceof PreconditionFailed)) throw e;
          return checkSame(c, (await store.head(key(c.rel)))?.metadata.sha256, store.url, sync);
        }
      } else {
        await store.put(key(c.rel), body, putOpts);
      }
      sync.uploaded.push(c.rel);
      sync.uploadedBytes += c.size;
      faultPoint(`s3:${c.rel}`);
    };
    await mapLimit(phase(0), POOL_REQUESTS_IN_FLIGHT, upload);
    faultPoint('s3:phase-0');
    // Indexes and the page. Bytes that are already in the bucket under an immutable key, or that
    // go up first under one name in this phase, are copied by the store to their other names.
    const minCopy = copyMin();
    const holders = new Map<string, string>(); // sha256 -> a key that holds those bytes and will not change
    for (const [rel, o] of Object.entries(state.objects))
      if (o.size >= minCopy && isImmutablePath(rel) && !isPool(rel)) holders.set(o.sha256, rel);
    const firsts: typeof changed = [];
    const copies: Array<{ c: (typeof changed)[number]; from: string }> = [];
    // Content-addressed names first: the natural holder of an index's bytes.
    for (const c of phase(1).sort((a, b) => Number(isByHash(b.rel)) - Number(isByHash(a.rel)))) {
      const from = c.size >= minCopy && (isByHash(c.rel) || !isImmutablePath(c.rel)) ? holders.get(c.sha256) : undefined;
      if (from) copies.push({ c, from });
      else {
        firsts.push(c);
        if (c.size >= minCopy) holders.set(c.sha256, c.rel); // not changed again by this publish
      }
    }
    // A copy waits only for its own holder's upload (one queue, holders ahead of their copies).
    const done = new Map<string, Promise<void>>();
    const copy = async ({ c, from }: { c: (typeof changed)[number]; from: string }) => {
      await done.get(from);
      if (!(await store.copy(key(from), key(c.rel), headersOf(c)))) return upload(c); // the holder was deleted by hand
      sync.uploaded.push(c.rel);
      sync.copied++;
      faultPoint(`s3:${c.rel}`);
    };
    const work1 = [
      ...firsts.map((c) => () => {
        const p = upload(c);
        done.set(c.rel, p);
        return p;
      }),
      ...copies.map((x) => () => copy(x)),
    ];
    // The fence (nobody else may have switched since we read the state) is checked while the
    // metadata goes up: both must be done before the first switch file.
    await Promise.all([mapLimit(work1, REQUESTS_IN_FLIGHT, (run) => run()), lease.check()]);
    faultPoint('s3:phase-1');
    // The page's record goes up after the files it describes, beside the switch files (one round
    // trip less than after them): it is pkgtrack's own, and a kill before the state is written
    // leaves a record that vouches only for page files already in the bucket. Unchanged: not
    // uploaded again.
    const siteAfter = currentSiteRecord(work);
    const recordUp =
      siteAfter && !siteBefore?.body.equals(siteAfter.body)
        ? store.put(siteKey, siteAfter.body, { contentType: 'application/gzip', cacheControl: 'no-store' })
        : Promise.resolve();
    recordUp.catch(() => {}); // awaited below
    // Release with its detached signature (and repomd.xml.asc), then InRelease and repomd.xml.
    const switchFiles = phase(2);
    await mapLimit(
      switchFiles.filter((c) => switchOrder(c.rel) < 2),
      REQUESTS_IN_FLIGHT,
      upload,
    );
    await mapLimit(
      switchFiles.filter((c) => switchOrder(c.rel) === 2),
      REQUESTS_IN_FLIGHT,
      upload,
    );
    for (const c of changed) {
      state.objects[c.rel] = { sha256: c.sha256, size: c.size };
      delete state.pendingDeletes[c.rel];
    }
    // 5. What the new repository no longer uses: metadata gone from the scratch copy, pool files
    //    the change removed (retention, `repo remove`). Deleted after the grace period by a later run.
    // Page files never downloaded are still published while the new record lists them.
    const present = new Set([...local, ...recordedPackageFiles(siteAfter?.record)]);
    const removedPool = result.reports.flatMap((r) =>
      (r.commit?.changes ?? []).filter((c) => c.op === 'remove').map((c) => relative(work, join(r.root, c.path))),
    );
    // The page files of packages the record no longer lists (or, without a record before, that
    // the bucket holds and the page no longer has).
    const gonePageFiles = siteAfter
      ? [
          ...[...(siteBefore?.record.packages.keys() ?? [])].filter((n) => !siteAfter.record.packages.has(n)).flatMap(packageFilePaths),
          ...remote.listedPageFiles,
        ].filter((rel) => !present.has(rel))
      : [];
    const stamp = new Date().toISOString();
    for (const rel of [...Object.keys(state.objects).filter((r) => !isPool(r) && !present.has(r)), ...removedPool]) {
      if (!state.objects[rel]) continue;
      delete state.objects[rel];
      state.pendingDeletes[rel] = stamp;
      sync.scheduledDeletes.push(rel);
    }
    for (const rel of new Set(gonePageFiles)) {
      if (state.pendingDeletes[rel]) continue;
      state.pendingDeletes[rel] = stamp;
      sync.scheduledDeletes.push(rel);
    }
    // The page's per-package files are accounted for by the record: no entries for them (three a
    // package were three quarters of a state every publish reads and writes whole), including
    // those left by publishes before the record took them over.
    if (siteAfter) for (const rel of Object.keys(state.objects)) if (packageOfFile(rel) !== undefined) delete state.objects[rel];
    await recordUp;
    faultPoint('s3:switched');
    if (changed.length || sync.deleted.length || sync.scheduledDeletes.length || probed) {
      try {
        await store.put(stateKey(prefix), Buffer.from(`${JSON.stringify(state)}\n`), {
          contentType: 'application/json',
          cacheControl: 'no-store',
          ...(etag ? { ifMatch: etag } : { createOnly: true }),
        });
      } catch (e) {
        if (!(e instanceof PreconditionFailed)) throw e;
        throw conflictError(
          'S3_STATE_CHANGED',
          `${target.url}: another publisher changed the published state during this publish`,
          'Run the same command again: it starts from what is published now and uploads only what is missing.',
        );
      }
    }
    opts.progress.step(
      `${target.url}: uploaded ${sync.uploaded.length} file(s)${sync.copied ? ` (${sync.copied} copied inside the store)` : ''}, ${(sync.uploadedBytes / 1e6).toFixed(1)} MB sent; ${sync.scheduledDeletes.length} scheduled for deletion, ${sync.deleted.length} deleted`,
    );
    return { value: result.value, s3: sync };
  } finally {
    await early.catch(() => {}); // a refused lease: the read must not write into a removed folder
    await Promise.all([lease?.release().catch(() => {}), rm(work, { recursive: true, force: true })]);
    for (const u of unmark) u();
  }
}

export async function publishToS3(req: S3PublishRequest): Promise<PublishResult & { s3: S3SyncReport }> {
  const r = await changeInS3(
    {
      to: req.to,
      progress: req.progress,
      what: `publish to ${req.to}`,
      ...(req.lockTimeoutMs !== undefined ? { lockTimeoutMs: req.lockTimeoutMs } : {}),
      ...(req.graceSeconds !== undefined ? { graceSeconds: req.graceSeconds } : {}),
    },
    async (work, remotePool) => {
      const result = await publish({ ...req, output: work, remotePool, servedAt: bucketAddress(parseS3Url(req.to)) });
      return { value: result, dryRun: result.dryRun, reports: result.reports };
    },
  );
  return { ...r.value, output: parseS3Url(req.to).url, s3: r.s3 };
}

function checkSame(c: { rel: string; sha256: string }, remote: string | undefined, url: string, sync: S3SyncReport): void {
  if (remote === c.sha256) {
    sync.alreadyThere++;
    return;
  }
  throw conflictError(
    'POOL_IMMUTABLE',
    `${url}${c.rel} already exists with different contents`,
    'A published file never changes. Give the new build a new version and publish that; if the object was uploaded by hand, remove it first.',
    { poolPath: c.rel },
  );
}
