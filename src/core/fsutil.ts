/** File-system helpers shared by every writer: atomic replace, fsync (directories and the per-user cache: dirs.ts). */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, linkSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { mapLimit } from './concurrency.js';
import { run } from './exec.js';
import { syncThroughShell } from './sync-shell.js';
import { makeDirs } from './dirs.js';

/**
 * Folders whose contents need not survive a crash of the machine: the scratch copy a publish to
 * object storage runs in, uploaded and removed by the same process (the bucket is where
 * durability counts). Under one, fsync and filesystem syncs are skipped: on a CI runner's disk
 * they were most of the scratch publish (1.3 s of a 1,200-package cold publish, 0.55 s on tmpfs).
 */
const scratchRoots = new Set<string>();

/** Mark `dir` (absolute) as scratch until `release` is called. */
export function markScratch(dir: string): () => void {
  const root = resolve(dir);
  scratchRoots.add(root);
  return () => scratchRoots.delete(root);
}

/** False for a path inside a folder marked with markScratch. */
export function isDurable(path: string): boolean {
  if (scratchRoots.size === 0) return true;
  const p = resolve(path);
  for (const root of scratchRoots) if (p === root || p.startsWith(`${root}${sep}`)) return false;
  return true;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** fsync a file, or a directory so that renames inside it survive a crash (nothing for a scratch path). */
export async function fsyncPath(path: string): Promise<void> {
  if (!isDurable(path)) return;
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * syncfs(2) of the file system holding `path`, through `sync -f` (coreutils 8.24 and later; run
 * by the shell of sync-shell.ts where it can be): one flush where thousands of fsyncs cost a slow
 * disk seconds to minutes. True when done, or when `path` is scratch (nothing to make durable);
 * false when `sync -f` is missing or failed, and the caller then fsyncs its files one by one.
 */
export async function syncFileSystem(path: string): Promise<boolean> {
  if (!isDurable(path)) return true;
  const shell = await syncThroughShell(path);
  if (shell !== undefined) return shell;
  const r = await run('sync', ['-f', path], { check: false }).catch(() => undefined);
  return r?.code === 0;
}

/**
 * Up to this many new files or directories get an fsync each; past it (a first publish of
 * thousands of packages, a first page) one file-system sync (`sync -f`) instead: one call where
 * thousands of fsyncs cost this VM's disk seconds to minutes. The pool and the page use the same.
 */
export const FSYNC_EACH_UP_TO = 64;

/**
 * Make `paths` (files or directories) durable: up to `fsyncEachUpTo` of them with an fsync each;
 * more with one syncFileSystem of `root`'s file system, or an fsync each where that fails.
 */
export async function syncPaths(root: string, paths: readonly string[], fsyncEachUpTo = FSYNC_EACH_UP_TO, concurrency = 8): Promise<void> {
  if (paths.length > fsyncEachUpTo && (await syncFileSystem(root))) return;
  await mapLimit(paths, concurrency, fsyncPath);
}

/**
 * Write `data` to `path` atomically: a temporary file in the same directory, fsync, rename,
 * fsync of the directory. Readers see the old or the new content, never a part.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await makeDirs(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    if (isDurable(path)) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncPath(dir);
}

/** True for the errors that mean "there is nothing at that path". */
export function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * The result of a file-system call on a path that may be absent: undefined when nothing is there,
 * and every other failure (EACCES, EIO, EISDIR ...) thrown, never taken for "absent".
 */
export async function ifExists<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  return ifExists(readFile(path, 'utf8'));
}

/** A small local file's bytes, read synchronously; undefined when nothing is there (see ifExists). */
export function readFileIfExistsSync(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    if (isAbsent(e)) return undefined;
    throw e;
  }
}

/** What was read of a file, with its ctime (whole microseconds) and inode from fstat of the open file: a cache key that describes these bytes. */
export interface FileRead {
  bytes: Buffer;
  ctimeUs: number;
  ino: number;
  mtimeMs: number;
}

/** A stat's change time in whole microseconds (the index cache's key: see repo/format.ts FileKey). */
export const ctimeUs = (st: { ctimeMs: number }) => Math.trunc(st.ctimeMs * 1000);

export function readFileWithStat(path: string): FileRead {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    return { bytes: readFileSync(fd), ctimeUs: ctimeUs(st), ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * A hard link of `path` at `dest`, kept only while the linked file is still the one `read` saw
 * (same inode, size and modification time): true when linked; false, with nothing left at
 * `dest`, for a file rewritten or replaced since, another file system, or one without hard links.
 */
export function linkIfUnchanged(path: string, dest: string, read: { ino: number; size: number; mtimeMs: number }): boolean {
  try {
    linkSync(path, dest);
  } catch {
    return false;
  }
  const st = statSync(dest);
  if (st.ino === read.ino && st.size === read.size && st.mtimeMs === read.mtimeMs) return true;
  unlinkSync(dest);
  return false;
}

/** readFileWithStat through the thread pool. */
export async function readFileWithStatAsync(path: string): Promise<FileRead> {
  const h = await open(path, 'r');
  try {
    const st = await h.stat();
    return { bytes: await h.readFile(), ctimeUs: ctimeUs(st), ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    await h.close();
  }
}
