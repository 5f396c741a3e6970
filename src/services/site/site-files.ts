/**
 * Writing the page's files (site.ts step 2) while the page is still being rendered. A first
 * publish of 10,000 packages writes 30,000 small files: rendering them and creating them took
 * about as long each (~0.35 s on tmpfs, the creation longer on a disk), one after the other on
 * the main thread. Past `THREAD_AFTER` files the writes go to two writer threads, which create
 * the files while the main thread goes on (on a disk, one thread creating them fell ~0.3 s
 * behind the rendering at 10,000 packages; two, ~0.1 s). A package's three files are rendered
 * by the thread that writes them, from the package's input text (SitePackageItem).
 *
 * Each file is written with synchronous calls (in the thread, or inline for a few files): for
 * files of a few KB, fs/promises' round trip per call through the thread pool costs more than
 * the write.
 *  - A file that may be written in place (a package new to the site) goes straight to its live
 *    path, created exclusively; if it exists after all it is staged like the others.
 *  - Everything else is written under `staging`, to be renamed over its live path.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { syncFileSystem, syncPaths } from '../../core/fsutil.js';
import { WorkerPool, workerModulesAvailable } from '../../core/worker-pool.js';
import { packageFilesOfInput, type SiteFile } from '../../site/render-site.js';
import { makeDirsSync } from '../../core/dirs.js';

/** Files written inline before the rest go to the writer threads (starting them costs ~30 ms). */
export const THREAD_AFTER = 1500;

/** One file: where, what, and whether it may go in place. */
export type SiteFileItem = [path: string, data: string | Uint8Array, inPlace: boolean];

/**
 * A package's three files (packageFilePaths order) as their input text (`SiteParts.packageInput`)
 * and, per file, whether it may go in place. The thread renders them: rendering them on the
 * main thread and copying the three across cost it ~0.25 s of a first page of 10,000 packages,
 * on which the page then waited; the input is about a quarter of their size.
 */
export type SitePackageItem = [input: string, inPlace: boolean[]];

/** What a writer thread is sent in one message (tuples: cheaper to copy across than objects). */
export interface SiteWriteBatch {
  out: string;
  staging: string;
  items: Array<SiteFileItem | SitePackageItem>;
}

/** Files per message to a writer thread. */
const BATCH = 256;

/** Files written between background syncs of a big page (see SiteFileWriter.send). */
const EARLY_SYNC_EVERY = 8192;

/** Write one item's files (see writeSiteFile); per file, whether it was staged. */
export function writeSiteItem(out: string, staging: string, item: SiteFileItem | SitePackageItem, madeDirs: Set<string>): boolean[] {
  if (item.length === 3) return [writeSiteFile(out, staging, item, madeDirs)];
  const [input, inPlace] = item;
  return packageFilesOfInput(input).map((f, i) => writeSiteFile(out, staging, [f.path, f.data, inPlace[i] ?? false], madeDirs));
}

/**
 * Write one page file (see the module comment); true when it was staged. `madeDirs` remembers
 * the directories already made by this writer.
 */
export function writeSiteFile(out: string, staging: string, [path, data, inPlace]: SiteFileItem, madeDirs: Set<string>): boolean {
  const write = (to: string, flag: 'w' | 'wx') => {
    const dir = dirname(to);
    if (!madeDirs.has(dir)) {
      makeDirsSync(dir);
      madeDirs.add(dir);
    }
    const fd = openSync(to, flag, 0o644);
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
  };
  if (inPlace) {
    try {
      write(join(out, path), 'wx');
      return false;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  write(join(staging, path), 'w');
  return true;
}

/** Writes page files as they are rendered; `finish` waits for them and makes them durable. */
export class SiteFileWriter {
  /** Every file's site path, in the order added (the page write's list of what it wrote). */
  readonly paths: string[] = [];
  /** Per item written inline: its files staged or not; per batch sent to a thread: its answer. */
  private readonly staged: Array<boolean[] | Promise<{ staged: boolean[] }>> = [];
  private readonly madeDirs = new Set<string>();
  private threads: WorkerPool<SiteWriteBatch, { staged: boolean[] }> | undefined;
  private batch: SiteWriteBatch['items'] = [];
  private batchFiles = 0;
  /** Background syncs started while the page is still rendered; finish waits for them. */
  private readonly earlySyncs: Array<Promise<boolean>> = [];
  private sentSinceSync = 0;

  constructor(
    private readonly out: string,
    private readonly staging: string,
  ) {}

  /** Write `f` (in place when `inPlace` allows it). Await `yield()` now and then to let the threads take queued files. */
  add(f: SiteFile, inPlace: boolean): void {
    this.push([f.path], [f.path, f.data, inPlace]);
  }

  /**
   * Render and write a package's files (`paths`, packageFilePaths order) from its input (see
   * SitePackageItem), each in place when `inPlace` says so.
   */
  addPackage(input: string, paths: readonly string[], inPlace: boolean[]): void {
    this.push(paths, [input, inPlace]);
  }

  private push(paths: readonly string[], item: SiteFileItem | SitePackageItem): void {
    if (!this.threads && this.paths.length >= THREAD_AFTER && workerModulesAvailable())
      this.threads = new WorkerPool(new URL('./site-write-worker.js', import.meta.url), { size: 2 });
    this.paths.push(...paths);
    if (!this.threads) {
      this.staged.push(writeSiteItem(this.out, this.staging, item, this.madeDirs));
      return;
    }
    this.batch.push(item);
    this.batchFiles += paths.length;
    if (this.batchFiles >= BATCH) this.send();
  }

  private send(): void {
    if (!this.threads || this.batch.length === 0) return;
    const answer = this.threads.run({ out: this.out, staging: this.staging, items: this.batch });
    answer.catch(() => {}); // awaited by finish()
    this.staged.push(answer);
    // A big page's files are flushed in the background as they are written, while the rest are
    // rendered: the disk is otherwise idle until the final sync, which then has less to write.
    this.sentSinceSync += this.batchFiles;
    if (this.sentSinceSync >= EARLY_SYNC_EVERY) {
      this.sentSinceSync = 0;
      const sync = answer.then(() => syncFileSystem(this.out)).catch(() => false);
      this.earlySyncs.push(sync);
    }
    this.batch = [];
    this.batchFiles = 0;
  }

  /** A point where files queued for the threads are sent (the pool sends once the caller's turn ends). */
  async yield(): Promise<void> {
    if (this.threads) await null;
  }

  /** Every file written and durable; the site paths of the staged ones, in the order added. */
  async finish(): Promise<string[]> {
    try {
      this.send();
      const staged = (await Promise.all(this.staged.map(async (s) => (Array.isArray(s) ? s : (await s).staged)))).flat();
      await Promise.all(this.earlySyncs);
      await syncPaths(
        this.out,
        this.paths.map((p, i) => join(staged[i] ? this.staging : this.out, p)),
      );
      return this.paths.filter((_, i) => staged[i]);
    } finally {
      await this.threads?.close();
    }
  }

  /** Stop the threads without waiting for their files (the caller failed). */
  async abandon(): Promise<void> {
    await this.threads?.close();
  }
}
