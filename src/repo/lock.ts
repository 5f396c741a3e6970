/**
 * One publisher at a time per repository. The lock is a file `<repo>/.pkgtrack/publish.lock`
 * created with O_EXCL holding the owner's pid, host and start time. A second publisher waits
 * (polling) up to `timeoutMs`, then fails with REPO_LOCKED naming the holder; it has changed
 * nothing, so nothing is lost and re-running it later is safe.
 *
 * A lock left by a publisher that was killed (same host, pid no longer alive) is stale and is
 * taken over: it is renamed away first, so two waiters cannot both "break" it and both win.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError } from '../core/errors.js';

/** Repository-side bookkeeping (lock, generation records); never served content. */
export const REPO_META_DIR = '.pkgtrack';
/** Suffix of every temporary the publish path creates; stale ones are swept under the lock. */
export const TMP_SUFFIX = '.pkgtrack-tmp';

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

const lockPath = (root: string) => join(root, REPO_META_DIR, 'publish.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export async function acquireRepoLock(root: string, opts: RepoLockOptions = {}): Promise<RepoLock> {
  const path = lockPath(root);
  await mkdir(join(root, REPO_META_DIR), { recursive: true });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pollMs = opts.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), what: opts.what ?? 'publish' };
  for (;;) {
    try {
      const fh = await open(path, 'wx', 0o644);
      try {
        // No fsync: after a crash the owner's pid is dead either way and the lock is taken over.
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      let released = false;
      return {
        path,
        release: async () => {
          if (released) return;
          released = true;
          await rm(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = await readOwner(path);
    // An owner we cannot parse is a lock being written this instant: wait one round.
    if (owner && owner.host === me.host && !alive(owner.pid)) {
      const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
      try {
        await rename(path, aside);
        const moved = await readOwner(aside);
        // Someone replaced the stale lock between our read and rename: put theirs back
        // (link, so an even newer lock is never overwritten).
        if (moved && moved.pid !== owner.pid) await link(aside, path).catch(() => undefined);
        await rm(aside, { force: true });
      } catch {
        /* another waiter moved it first */
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner ? `pid ${owner.pid} on ${owner.host} (${owner.what}, since ${owner.since})` : 'another process';
      throw conflictError(
        'REPO_LOCKED',
        `the repository ${root} is being published by ${who}`,
        `Wait for it to finish and run the command again (nothing was changed), or raise --lock-timeout. If no publisher is running on ${owner?.host ?? 'that host'}, remove ${path}.`,
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
