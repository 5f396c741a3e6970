/**
 * The crash-safe write path every repository format publishes through.
 *
 * Readers (apt, dnf, a CDN) must always see a complete repository: the old one or the new one.
 * So a publish happens in phases, each fsynced before the next begins:
 *
 *  0. every new file is written to a temporary beside its target: pool files
 *     (`placePoolFile`), content-addressed metadata (`writeContentAddressed`:
 *     by-hash/SHA256/<hex>, repodata/<sha>-primary.xml.gz), mutable indexes (`stage`) and
 *     the signed top-level files (`stageLast`). At commit their bytes are made durable (one
 *     filesystem sync, or fsyncs), then the IMMUTABLE ones get their final names (nothing
 *     references them yet, so they are invisible) and the generation record (which
 *     content-addressed files the new metadata uses) is saved. The pool's part of this may
 *     run earlier (`placePool`, while the caller still compresses and signs).
 *  1. `stage`d files renamed over their targets (bookkeeping under .pkgtrack/: manifests,
 *     file lists, identities).
 *  2. `stageLast`d files and links renamed, in call order. This is the switch: apt's
 *     `dists/<suite>` and yum's `repodata` are links to generation directories written in
 *     phase 0, so one rename switches the signed files and the indexes together.
 *  3. deletions (pool files nothing references any more) and pruning of old generations.
 *
 * Every step calls a fault point (faults.ts) so tests can SIGKILL the publisher between any
 * two steps. In dry-run mode nothing is written; the transaction only records its plan.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, linkSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { copyFile, link, readFile, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { conflictError } from '../core/errors.js';
import { FSYNC_EACH_UP_TO, fsyncPath, ifExists, isDurable, linkIfUnchanged, syncFileSystem, syncPaths } from '../core/fsutil.js';
import { faultPoint } from './faults.js';
import { REPO_META_DIR, TMP_SUFFIX } from './lock.js';
import { isTaggedTemp, poolTemp } from './temp-names.js';
import { type GenerationPolicy, pruneGenerations, recordGeneration } from './generations.js';
import { makeDirs, makeDirsSync } from '../core/dirs.js';

export { TMP_SUFFIX };

/** True when a change adding `newFiles` pool files syncs the file system rather than each file. */
export function syncsFileSystem(newFiles: number): boolean {
  return newFiles > FSYNC_EACH_UP_TO;
}

export interface PlannedChange {
  op: 'add-pool' | 'write' | 'replace' | 'remove' | 'prune';
  path: string;
  /** add-pool: the SHA-256 the indexes give the file, and the input it came from. */
  sha256?: string;
  from?: string;
}

/**
 * Pool files that exist where the repository is published but not in the local directory
 * (an object-storage target keeps only metadata locally): repo-relative path → SHA-256.
 * The pool rules apply to them as to local files: same bytes = present, other bytes = refused.
 */
export interface RemotePool {
  sha256Of(rel: string): string | undefined;
}

/**
 * What the repository's own indexes say a pool file holds (its other suites' Packages: the
 * SHA-256 they were published with). A publish that meets many pool files again (the same
 * .debs into a new suite) asks it instead of reading and hashing each file, as reprepro and
 * aptly trust their checksum databases; `repo verify` is what checks the bytes on disk.
 */
export interface PoolRecord {
  sha256Of(rel: string): Promise<string | undefined>;
}

/** Pool files met again that are hashed before the record is asked (loading it reads every other suite). */
const HASH_FIRST_MET = 16;

export interface CommitSummary {
  dryRun: boolean;
  changes: PlannedChange[];
}

interface Staged {
  rel: string;
  tmp: string;
}

/** Whether `path` exists (a stat on this thread: see prepareDir). */
const present = (path: string): boolean => statSync(path, { throwIfNoEntry: false }) !== undefined;

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A hard link of `src` at `tmp` when `src` does not change in between (linkIfUnchanged). */
async function linkInput(src: string, tmp: string): Promise<boolean> {
  const st = await stat(src).catch(() => undefined);
  return !!st && linkIfUnchanged(src, tmp, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
}

/**
 * Give the bytes of `from` the content-addressed name `dest`: a hard link, kept if `dest` is
 * there already (same name = same content); a synced copy where there are no hard links (some
 * network/FUSE filesystems).
 */
async function linkOrCopy(from: string, dest: string, tempFor: () => Promise<string>): Promise<void> {
  try {
    await link(from, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    const copy = await tempFor();
    await copyFile(from, copy);
    await fsyncPath(copy);
    await rename(copy, dest);
  }
}

export class PublishTransaction {
  private readonly staged: Staged[] = [];
  private readonly last: Staged[] = [];
  private readonly removals: string[] = [];
  private readonly dirtyDirs = new Set<string>();
  /** New pool files: written to `tmp`, linked to `rel` at commit after the data sync. */
  private readonly pendingPool: Array<{ tmp: string; rel: string; src: string; sha256: string }> = [];
  /** New content-addressed files: rel → temporary, renamed at commit after the data sync. */
  private readonly pendingContent = new Map<string, string>();
  /** Content-addressed names to hard-link to a staged temporary at commit (see `stage`). */
  private readonly pendingContentLinks: Array<{ tmp: string; rel: string }> = [];
  /** More names for new content-addressed files (writeContentAddressed's aliases): linked at commit. */
  private readonly pendingAliases: Array<{ rel: string; alias: string; replace: boolean }> = [];
  private readonly generations: Array<{ scope: string; files: string[]; sweepDirs?: string[] }> = [];
  /** Pool paths named by this transaction (namePool): a second file for one meets the first by link. */
  private readonly placed = new Set<string>();
  /** A data sync started before commit (startDataSync): how many pool files it covers. */
  private earlySync: Promise<{ ok: boolean; covered: number }> | undefined;
  /** Directories made and swept by this transaction (see prepareDir). */
  private readonly prepared = new Map<string, Promise<void>>();
  /** The indexes' word on pool files (useRecord), and how many existing pool files were met so far. */
  private poolRecord: PoolRecord | undefined;
  private metAgain = 0;
  /** Directories this transaction created (here or in a worker): an abort removes them again when empty. */
  private readonly createdDirs = new Set<string>();
  /**
   * In the name of every temporary this transaction writes (poolTemp): a sweep spares them,
   * so worker threads may write temporaries into a directory before this thread prepares it.
   */
  readonly tag = randomBytes(4).toString('hex');
  readonly changes: PlannedChange[] = [];

  constructor(
    readonly root: string,
    readonly dryRun: boolean,
    readonly generationPolicy: GenerationPolicy = { keep: 3, minAgeDays: 3 },
    readonly remotePool?: RemotePool,
  ) {}

  /** Whether the pool holds `rel`, here or where the repository is published. */
  poolHas(rel: string): boolean {
    return present(this.abs(rel)) || this.remotePool?.sha256Of(rel) !== undefined;
  }

  /** `rel` exists only remotely: 'present' for the same bytes, POOL_IMMUTABLE for others. */
  private remoteOnly(rel: string, src: string, want: string): 'present' | undefined {
    const remote = present(this.abs(rel)) ? undefined : this.remotePool?.sha256Of(rel);
    if (remote === undefined) return undefined;
    if (remote === want) return 'present';
    throw conflictError(
      'POOL_IMMUTABLE',
      `${rel} is already published with different contents than ${src}`,
      'A published file never changes. Give the new build a new version (e.g. a +bookworm2 or ~deb12u2 suffix) and publish that.',
      { file: src, poolPath: rel },
    );
  }

  private abs(rel: string): string {
    return join(this.root, rel);
  }

  /**
   * Create `dir` and remove temporaries a killed publisher left in it (we hold the repository
   * lock), once per directory. Concurrent callers share one promise: a sweep still reading the
   * directory must not delete a temporary another caller has just written there.
   */
  private prepareDir(dir: string): Promise<void> {
    let p = this.prepared.get(dir);
    if (!p) {
      p = (async () => {
        // Made just now (mkdir says where it started creating): nothing in it to sweep.
        // Sync: a mkdir is microseconds, a promise round trip through the thread pool is not (a
        // cold publish makes a directory per source package).
        const made = makeDirsSync(dir);
        if (made) {
          // New directories are names in their parents: synced with the files' directories.
          for (let d = dir; d.length >= made.length; d = dirname(d)) this.dirtyDirs.add(dirname(d));
          this.created(dir, made);
          return;
        }
        for (const n of readdirSync(dir)) if (n.endsWith(TMP_SUFFIX) && !isTaggedTemp(n, this.tag)) await rm(join(dir, n), { force: true });
      })();
      this.prepared.set(dir, p);
    }
    return p;
  }

  private async tempFor(abs: string): Promise<string> {
    const dir = dirname(abs);
    await this.prepareDir(dir);
    return poolTemp(abs, this.tag);
  }

  /** A directory a worker created (mkdir said so, creating from `from` down): nothing in it to sweep. */
  madeDir(dir: string, from: string = dir): void {
    if (!this.prepared.has(dir)) this.prepared.set(dir, Promise.resolve());
    this.created(dir, from);
  }

  /** `dir` and its parents up to `from` are new. */
  private created(dir: string, from: string): void {
    for (let d = dir; d.length >= from.length && d !== dirname(d); d = dirname(d)) this.createdDirs.add(d);
  }

  /**
   * Copy `src` into the pool at `rel`. The pool is immutable: if `rel` exists with the same
   * bytes this is a no-op ('present'); with different bytes it is refused (POOL_IMMUTABLE).
   * `sha256` is the source's hash when the caller already has it.
   */
  async placePoolFile(rel: string, src: string, sha256?: string): Promise<'added' | 'present'> {
    const dest = this.abs(rel);
    const want = sha256 ?? (await sha256File(src));
    const remote = this.remoteOnly(rel, src, want);
    if (remote) return remote;
    const existing = present(dest);
    if (existing) {
      if (await this.holds(rel, dest, want)) return 'present';
      throw conflictError(
        'POOL_IMMUTABLE',
        `${rel} already exists in the pool with different contents than ${src}`,
        'A published file never changes. Give the new build a new version (e.g. a +bookworm2 or ~deb12u2 suffix) and publish that.',
        { file: src, poolPath: rel },
      );
    }
    this.changes.push({ op: 'add-pool', path: rel, sha256: want, from: src });
    if (this.dryRun) return 'added';
    // Copied to a temporary now; made durable and linked into place at commit (phase 0), so
    // one filesystem sync covers every new file instead of one fsync each. A scratch pool (an
    // upload to object storage) takes a hard link of the input instead: the upload checks the
    // bytes it sends against `want`.
    const tmp = await this.tempFor(dest);
    if (isDurable(dest) || !(await linkInput(src, tmp))) await copyFile(src, tmp);
    this.pendingPool.push({ tmp, rel, src, sha256: want });
    return 'added';
  }

  /** Let `record` vouch for pool files met again (see PoolRecord). */
  useRecord(record: PoolRecord): void {
    this.poolRecord = record;
  }

  /**
   * Whether the pool file at `rel` holds the bytes with SHA-256 `want`: the record's word past
   * the first few met, else (or when the record has it otherwise) the file's own hash.
   */
  private async holds(rel: string, dest: string, want: string): Promise<boolean> {
    if (this.poolRecord && ++this.metAgain > HASH_FIRST_MET && (await this.poolRecord.sha256Of(rel)) === want) return true;
    return (await sha256File(dest)) === want;
  }

  /**
   * A fresh temporary beside pool path `rel` (its directory made and swept first), for a
   * reader that writes the pool copy itself from the bytes it read; hand it to `adoptPoolFile`.
   */
  async poolTempFor(rel: string): Promise<string> {
    return this.tempFor(this.abs(rel));
  }

  /**
   * `placePoolFile` for bytes of `origin` already written to `tmp`, beside the pool path
   * (`poolTempFor`, or a worker's `poolTemp(abs, tag)`). No second copy. `tmp` is consumed: linked
   * into place at commit, or removed.
   */
  async adoptPoolFile(rel: string, tmp: string, sha256: string, origin: string): Promise<'added' | 'present'> {
    const dest = this.abs(rel);
    // In a directory this change created nothing can be there yet (a second input with the same
    // pool path meets the first at commit, where the link refuses to overwrite): no stat.
    const fresh = !this.dryRun && this.createdDirs.has(dirname(dest));
    if (this.dryRun || (!fresh && present(dest)) || this.remotePool?.sha256Of(rel) !== undefined) {
      await rm(tmp, { force: true });
      return this.placePoolFile(rel, origin, sha256); // 'present', or POOL_IMMUTABLE; dry-run: plans
    }
    await this.prepareDir(dirname(dest));
    this.changes.push({ op: 'add-pool', path: rel, sha256, from: origin });
    this.pendingPool.push({ tmp, rel, src: origin, sha256 });
    return 'added';
  }

  /**
   * Write a file whose name is derived from its content (by-hash, or a file in a generation
   * directory named after its content); kept if already there with these bytes. `aliases`: more
   * names for the same bytes (its by-hash names), hard links made at commit.
   *
   * Already there is rare (a Release byte for byte an earlier one's names its generation again:
   * same second, same indexes), and then the bytes are compared: a file changed in place there
   * (and its by-hash names, which share it) is written again, not trusted for its name.
   */
  async writeContentAddressed(rel: string, data: Uint8Array, aliases: readonly string[] = []): Promise<void> {
    const dest = this.abs(rel);
    const there = present(dest);
    if (there && (await ifExists(readFile(dest)))?.equals(data)) {
      for (const a of aliases) await this.linkContentAddressed(a, rel);
      return;
    }
    this.changes.push({ op: 'write', path: rel });
    for (const a of aliases) if (there || !present(this.abs(a))) this.changes.push({ op: 'write', path: a });
    if (this.dryRun) return;
    if (this.pendingContent.has(rel)) return;
    const tmp = await this.tempFor(dest);
    await writeFile(tmp, data);
    this.pendingContent.set(rel, tmp);
    for (const a of aliases) this.pendingAliases.push({ rel, alias: a, replace: there });
  }

  /**
   * Replace a mutable file (an index) in phase 1. `contentNames`: content-addressed names
   * (by-hash/SHA256/<hex> ...) that must hold the same bytes: they become hard links to the
   * staged file in phase 0 (one write and one sync instead of three; the inode is never
   * written again, only renamed over, so the by-hash names keep their content).
   */
  async stage(rel: string, data: Uint8Array | string, contentNames: readonly string[] = []): Promise<void> {
    await this.stageInto(this.staged, rel, data);
    const tmp = this.staged[this.staged.length - 1]!.tmp;
    for (const c of contentNames) {
      if (present(this.abs(c))) continue;
      this.changes.push({ op: 'write', path: c });
      if (!this.dryRun) this.pendingContentLinks.push({ tmp, rel: c });
    }
  }

  /** Replace a top-level signed file in phase 2, after everything else; call in switch order. */
  async stageLast(rel: string, data: Uint8Array | string): Promise<void> {
    await this.stageInto(this.last, rel, data);
  }

  private async stageInto(list: Staged[], rel: string, data: Uint8Array | string): Promise<void> {
    this.changes.push({ op: 'replace', path: rel });
    if (this.dryRun) {
      list.push({ rel, tmp: '' });
      return;
    }
    const tmp = await this.tempFor(this.abs(rel));
    await writeFile(tmp, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    faultPoint(`stage:${rel}`);
    list.push({ rel, tmp });
  }

  /**
   * (added for yum) Point the symlink `rel` at `target` in phase 2, in call order with
   * `stageLast`: one rename switches a whole directory (yum's `repodata` -> a generation dir
   * holding repomd.xml AND repomd.xml.asc), so a signature never goes live apart from its file.
   */
  async stageSymlinkLast(rel: string, target: string): Promise<void> {
    this.changes.push({ op: 'replace', path: rel });
    if (this.dryRun) {
      this.last.push({ rel, tmp: '' });
      return;
    }
    const tmp = await this.tempFor(this.abs(rel));
    await symlink(target, tmp);
    faultPoint(`stage:${rel}`);
    this.last.push({ rel, tmp });
  }

  /**
   * (added for yum) Hard-link the existing content-addressed file `existingRel` as `rel` in
   * phase 0: a new generation dir re-offers the previous generations' files without copying
   * or fsyncing their bytes again. Kept if `rel` is already there.
   */
  async linkContentAddressed(rel: string, existingRel: string): Promise<void> {
    const dest = this.abs(rel);
    if (present(dest)) return;
    this.changes.push({ op: 'write', path: rel });
    if (this.dryRun) return;
    await this.prepareDir(dirname(dest));
    await linkOrCopy(this.abs(existingRel), dest, () => this.tempFor(dest));
    faultPoint(`content:${rel}`);
    this.dirtyDirs.add(dirname(dest));
  }

  /** Delete `rel` after the switch (a pool file no index references any more). */
  removeAfterCommit(rel: string): void {
    this.changes.push({ op: 'remove', path: rel });
    this.removals.push(rel);
  }

  /**
   * Declare the content-addressed files the new metadata of `scope` (e.g. `dists/bookworm`,
   * `repodata`) refers to. Saved before the switch; pruning keeps every file of the newest
   * generations so clients holding an older InRelease/repomd.xml can still fetch.
   * `sweepDirs`: directories holding nothing but such files (by-hash/SHA256); files there that
   * no kept generation names (left by a killed publish) are removed.
   */
  keepGeneration(scope: string, files: string[], sweepDirs?: string[]): void {
    this.generations.push({ scope, files, ...(sweepDirs ? { sweepDirs } : {}) });
  }

  /**
   * Phase 0 for the pool alone, ahead of commit: make the new pool files' bytes durable, give
   * them their names and make the names durable, while the caller still compresses and signs
   * (the renames and the directory sync leave the commit; on a disk the wait for the pool's
   * write-back then falls here). Nothing references them yet, as at commit; if the change then
   * fails they stay, unreferenced, as after a commit that failed later (abort). Commit places
   * the pool files added since.
   */
  async placePool(): Promise<void> {
    if (this.dryRun || this.pendingPool.length === 0) return;
    const pool = [...this.pendingPool];
    await syncPaths(this.root, await this.unsyncedPool(), FSYNC_EACH_UP_TO);
    const dirs = await this.namePool(pool);
    this.pendingPool.splice(0, pool.length); // named (an abort up to here still removes their temporaries)
    await this.syncDirs([...dirs]);
  }

  /**
   * Give new pool files their names (their bytes are durable); the directories that got names.
   * On this thread, one after the other: a cold publish links thousands, and a round trip
   * through the thread pool per call cost more than the calls (90 ms for 1,200).
   */
  private async namePool(pool: ReadonlyArray<{ tmp: string; rel: string; src: string; sha256: string }>): Promise<Set<string>> {
    const dirs = new Set<string>();
    for (const p of pool) {
      const dest = this.abs(p.rel);
      // In a directory this change created (under the lock) only this loop puts names: the first
      // file for a name is renamed in (one call, not link + unlink); a second one for the same
      // name meets the first through the link below.
      if (this.createdDirs.has(dirname(dest)) && !this.placed.has(dest)) {
        renameSync(p.tmp, dest);
        this.placed.add(dest);
      } else {
        try {
          linkSync(p.tmp, dest); // never overwrites: the pool is immutable
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || (await sha256File(dest)) !== p.sha256) {
            await this.abort();
            if ((e as NodeJS.ErrnoException).code === 'EEXIST') await this.placePoolFile(p.rel, p.src, p.sha256); // throws POOL_IMMUTABLE
            throw e;
          }
        }
        unlinkSync(p.tmp);
      }
      faultPoint(`pool:${p.rel}`);
      dirs.add(dirname(dest));
    }
    return dirs;
  }

  async commit(now = new Date()): Promise<CommitSummary> {
    if (this.dryRun) return { dryRun: true, changes: this.changes };
    // Phase 0 end: make every new file's bytes durable, THEN give the immutable ones their
    // names (a crash can never leave a pool or by-hash name over unsynced bytes, which a
    // later publish would take for the real thing), make the names durable, and record the
    // generations.
    await this.syncData();
    for (const d of await this.namePool(this.pendingPool)) this.dirtyDirs.add(d);
    this.pendingPool.length = 0;
    for (const [rel, tmp] of this.pendingContent) {
      await rename(tmp, this.abs(rel));
      faultPoint(`content:${rel}`);
      this.dirtyDirs.add(dirname(this.abs(rel)));
    }
    for (const { rel, alias, replace } of this.pendingAliases) {
      const dest = this.abs(alias);
      await this.prepareDir(dirname(dest));
      if (replace) {
        // Over a name that holds other bytes (see writeContentAddressed): linked beside it, renamed over it.
        const tmp = await this.tempFor(dest);
        await linkOrCopy(this.abs(rel), tmp, () => this.tempFor(dest));
        await rename(tmp, dest);
      } else await linkOrCopy(this.abs(rel), dest, () => this.tempFor(dest));
      faultPoint(`content:${alias}`);
      this.dirtyDirs.add(dirname(dest));
    }
    for (const { tmp, rel } of this.pendingContentLinks) {
      const dest = this.abs(rel);
      await makeDirs(dirname(dest));
      await linkOrCopy(tmp, dest, () => this.tempFor(dest));
      faultPoint(`content:${rel}`);
      this.dirtyDirs.add(dirname(dest));
    }
    await this.syncDirs([...this.dirtyDirs]);
    for (const g of this.generations) await recordGeneration(this.root, g.scope, g.files, now, g.sweepDirs);
    faultPoint('generations:recorded');
    // Phases 1 and 2: the renames.
    for (const list of [this.staged, this.last]) {
      const dirs = new Set<string>();
      for (const s of list) {
        await rename(s.tmp, this.abs(s.rel));
        faultPoint(`rename:${s.rel}`);
        dirs.add(dirname(this.abs(s.rel)));
      }
      for (const d of dirs) await fsyncPath(d);
    }
    // Phase 3: garbage (and what a killed publisher of an older version left in its staging dir).
    await rm(this.abs(join(REPO_META_DIR, 'staging')), { recursive: true, force: true });
    for (const rel of this.removals) {
      await rm(this.abs(rel), { force: true });
      faultPoint(`remove:${rel}`);
    }
    for (const g of this.generations) {
      for (const p of await pruneGenerations(this.root, g.scope, this.generationPolicy, now)) {
        this.changes.push({ op: 'prune', path: p });
      }
    }
    return { dryRun: false, changes: this.changes };
  }

  /** Give up: remove our temporaries. Immutable files already placed stay (unreferenced). */
  async abort(): Promise<void> {
    const tmps = [...this.staged, ...this.last]
      .map((s) => s.tmp)
      .concat(
        this.pendingPool.map((p) => p.tmp),
        [...this.pendingContent.values()],
      );
    for (const t of tmps) if (t) await rm(t, { force: true });
    // The pool directories made for this change, deepest first, when nothing else is in them.
    for (const d of [...this.createdDirs].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => {});
  }

  /**
   * Make the bytes of every temporary durable. Few files: fsync each. Many (a cold publish of
   * thousands of packages): one `sync -f` (syncfs(2) on the repository's filesystem), which
   * costs one flush instead of thousands of fsync round trips.
   */
  private async syncData(): Promise<void> {
    const files = [...this.staged, ...this.last].map((s) => s.tmp).concat(await this.unsyncedPool(), [...this.pendingContent.values()]);
    await syncPaths(
      this.root,
      files.filter((f): f is string => !!f),
      FSYNC_EACH_UP_TO,
    );
  }

  /** Temporaries of the pending pool files the early sync (startDataSync) did not cover; it is then done with. */
  private async unsyncedPool(): Promise<string[]> {
    const early = this.earlySync ? await this.earlySync : undefined;
    this.earlySync = undefined;
    return this.pendingPool.slice(early?.ok ? early.covered : 0).map((p) => p.tmp);
  }

  /**
   * Start making the pool files placed so far durable while the caller goes on (rendering and
   * compressing indexes): on a cold publish the data sync is the longest wait of the commit.
   * Many files: one filesystem sync in the background; commit waits for it.
   */
  startDataSync(): void {
    if (this.dryRun || this.earlySync || this.pendingPool.length <= FSYNC_EACH_UP_TO) return;
    const covered = this.pendingPool.length;
    this.earlySync = syncFileSystem(this.root).then((ok) => ({ ok, covered }));
  }

  /** Make the new names in `dirs` durable: fsync each, or one filesystem sync for many (a cold publish touches a directory per source package). */
  private async syncDirs(dirs: string[]): Promise<void> {
    await syncPaths(this.root, dirs, FSYNC_EACH_UP_TO, 4);
  }
}
