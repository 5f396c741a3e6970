/**
 * One publisher at a time per repository. The lock is a kernel record lock (fcntl F_SETLK,
 * taken through SQLite's `BEGIN EXCLUSIVE` on the empty database `<repo>/.pkgtrack/publish.lock.db`:
 * Node has no flock/fcntl of its own). The kernel drops it the instant its holder's process
 * exits, however it exits (kill -9, crash, out of memory; before the process is even reaped), so
 * there is no stale lock to take over and no window in which two holders overlap.
 *
 * Beside it, `publish.lock` holds the owner's pid, host, start time and task: for the waiter's
 * message only, never consulted to decide who holds the lock. A second publisher polls up to
 * `timeoutMs`, then fails with REPO_LOCKED naming the holder; it has changed nothing, so nothing
 * is lost and re-running it later is safe.
 *
 * Nothing else in the process may open and close the lock database: POSIX record locks belong
 * to the process, and closing any descriptor of the file would release them.
 */
import { hostname } from 'node:os';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { conflictError } from '../core/errors.js';
import { makeDirs } from '../core/dirs.js';

/** Repository-side bookkeeping (lock, generation records); never served content. */
export const REPO_META_DIR = '.pkgtrack';
/** Suffix of every temporary the publish path creates; stale ones are swept under the lock. */
export const TMP_SUFFIX = '.pkgtrack-tmp';

/**
 * True for output paths (relative, `/`-separated) that are this machine's bookkeeping and never
 * served or uploaded: the output's own `.pkgtrack/` (state database, lock), each repository's
 * lock and staging, and temporaries. (Generation records under `<repo>/.pkgtrack/generations`
 * are served: the next publisher adopts the tree from them.)
 */
export function isLocalOnly(rel: string): boolean {
  return rel.startsWith(`${REPO_META_DIR}/`) || /(^|\/)\.pkgtrack\/(publish\.lock|staging\/)/.test(rel) || rel.endsWith(TMP_SUFFIX);
}

export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  what: string;
}

export interface RepoLockOptions {
  /** How long to wait for another publisher (default 120 s). 0 = fail at once. */
  timeoutMs?: number;
  /** Poll interval (default 100 ms). */
  pollMs?: number;
  /** What the holder is doing, shown to a waiter ("publish bookworm"). */
  what?: string;
}

export interface RepoLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The file the kernel lock is taken on. */
export const lockDbPath = (root: string) => join(root, REPO_META_DIR, 'publish.lock.db');
/** Who holds the lock, for messages. */
export const lockOwnerPath = (root: string) => join(root, REPO_META_DIR, 'publish.lock');

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const isBusy = (e: unknown) => {
  const primary = ((e as { errcode?: number }).errcode ?? 0) & 0xff;
  return primary === SQLITE_BUSY || primary === SQLITE_LOCKED;
};

/** Take the kernel lock without waiting: the open database holding it, or undefined when it is held. */
function tryLock(path: string): DatabaseSync | undefined {
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (e) {
    db.close();
    if (isBusy(e)) return undefined;
    throw e;
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireRepoLock(root: string, opts: RepoLockOptions = {}): Promise<RepoLock> {
  const path = lockDbPath(root);
  const ownerPath = lockOwnerPath(root);
  await makeDirs(join(root, REPO_META_DIR));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what: opts.what ?? 'publish' };
  for (;;) {
    const db = tryLock(path);
    if (db) {
      // Whole or not at all (a waiter may read it this instant); stale copies from a killed holder are overwritten.
      const tmp = `${ownerPath}.${process.pid}${TMP_SUFFIX}`;
      await writeFile(tmp, JSON.stringify(me));
      await rename(tmp, ownerPath);
      let released = false;
      return {
        path: ownerPath,
        release: async () => {
          if (released) return;
          released = true;
          // The record first: once the lock is dropped, the next holder's record may be there.
          await rm(ownerPath, { force: true });
          db.exec('ROLLBACK');
          db.close();
        },
      };
    }
    if (Date.now() >= deadline) {
      const owner = await readOwner(ownerPath);
      const current = owner && !(owner.host === me.host && !alive(owner.pid));
      const who = current ? `pid ${owner.pid} on ${owner.host} (${owner.what}, since ${owner.since})` : 'another process';
      throw conflictError(
        'REPO_LOCKED',
        `the repository ${root} is being published by ${who}`,
        'Wait for it to finish and run the command again (nothing was changed), or raise --lock-timeout. The lock is released by the system when its holder exits, however it exits.',
        { file: path },
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Run `fn` holding the repository lock; the lock is released however `fn` ends. */
export async function withRepoLock<T>(root: string, opts: RepoLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireRepoLock(root, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
