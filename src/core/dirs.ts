/**
 * Directories: `mkdir -p`, one level at a time, and the per-user cache folder. Light (Node's
 * built-ins only): bin/run.js loads it before anything else, for Node's compile cache.
 *
 * `mkdir -p`, one level at a time. Node's `mkdir(path, { recursive: true })` retries forever
 * below a folder that answers ENOENT to every mkdir in it (any path under /proc): `publish -o
 * /proc/x/y` hung instead of failing. These create the missing levels from the top down and
 * give up with the error of the level that cannot be made. Every directory pkgtrack creates goes
 * through them (test/architecture/make-dirs.test.ts).
 *
 * Like the recursive mkdir, both answer the first directory they created (undefined when `dir`
 * was already there), fail with EEXIST when `dir` is a file and ENOTDIR when a level above is.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

export function makeDirsSync(dir: string, mode?: number): string | undefined {
  try {
    mkdirSync(dir, mode);
    return dir;
  } catch (e) {
    if (errno(e) === 'EEXIST' && isDirSync(dir)) return undefined;
    const parent = dirname(dir);
    if (errno(e) !== 'ENOENT' || parent === dir) throw e;
    const first = makeDirsSync(parent, mode);
    try {
      mkdirSync(dir, mode);
    } catch (again) {
      // Made meanwhile by another writer; any other answer (ENOENT again under /proc) is final.
      if (errno(again) === 'EEXIST' && isDirSync(dir)) return first;
      throw again;
    }
    return first ?? dir;
  }
}

export async function makeDirs(dir: string, mode?: number): Promise<string | undefined> {
  try {
    await mkdir(dir, mode);
    return dir;
  } catch (e) {
    if (errno(e) === 'EEXIST' && (await isDir(dir))) return undefined;
    const parent = dirname(dir);
    if (errno(e) !== 'ENOENT' || parent === dir) throw e;
    const first = await makeDirs(parent, mode);
    try {
      await mkdir(dir, mode);
    } catch (again) {
      if (errno(again) === 'EEXIST' && (await isDir(dir))) return first;
      throw again;
    }
    return first ?? dir;
  }
}

function isDirSync(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Per-user cache (engine probes, bootstrap tarballs; sources outside a repository):
 * $PKGTRACK_CACHE_DIR, else $XDG_CACHE_HOME/pkgtrack, else ~/.cache/pkgtrack. An empty variable
 * counts as unset (a CI file's `PKGTRACK_CACHE_DIR: ${{ vars.X }}` with no X made the cache the
 * working directory), and so does a relative $XDG_CACHE_HOME, as the XDG spec says. bin/run.js
 * uses it for Node's compile cache.
 */
export function userCacheDir(): string {
  const own = process.env.PKGTRACK_CACHE_DIR;
  if (own) return resolve(own);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'pkgtrack');
}
