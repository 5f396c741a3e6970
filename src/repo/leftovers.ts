/**
 * Temporaries a killed (or disk-full) publish leaves behind: full-size `*.pkgtrack-tmp` copies
 * anywhere in the repository. A transaction only sweeps the directories it writes to, so a
 * publish to another suite would never see them. Instead every change marks the repository
 * while it runs; a change that finds the mark left by one that never finished sweeps the whole
 * tree first (cheap otherwise: one stat). Callers hold the repository lock.
 */
import type { Dirent } from 'node:fs';
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists } from '../core/fsutil.js';
import { REPO_META_DIR, TMP_SUFFIX } from './lock.js';

const MARK = join(REPO_META_DIR, 'change-in-progress');

export interface Leftovers {
  files: string[];
  bytes: number;
}

/** Every `*.pkgtrack-tmp` below `root` (symlinks are not followed). */
export async function findLeftovers(root: string): Promise<Leftovers> {
  const out: Leftovers = { files: [], bytes: 0 };
  const walk = async (dir: string): Promise<void> => {
    const entries: Dirent[] = (await ifExists(readdir(dir, { withFileTypes: true }))) ?? [];
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith(TMP_SUFFIX)) {
        out.files.push(p);
        out.bytes += (await ifExists(lstat(p)))?.size ?? 0;
      }
    }
  };
  await walk(root);
  return out;
}

export async function sweepLeftovers(root: string): Promise<Leftovers> {
  const found = await findLeftovers(root);
  for (const f of found.files) await rm(f, { force: true });
  return found;
}

/** Before a change: sweep when the last one never finished, then mark this one as running. */
export async function beginChange(root: string): Promise<Leftovers | undefined> {
  const unfinished = await ifExists(lstat(join(root, MARK)));
  const swept = unfinished ? await sweepLeftovers(root) : undefined;
  await mkdir(join(root, REPO_META_DIR), { recursive: true });
  await writeFile(join(root, MARK), `${process.pid} ${new Date().toISOString()}\n`);
  return swept;
}

/** After a change committed (or aborted cleanly): nothing of it is left to sweep. */
export async function endChange(root: string): Promise<void> {
  await rm(join(root, MARK), { force: true });
}

export const leftoverSummary = (l: Leftovers) => `${l.files.length} file(s), ${(l.bytes / 1e6).toFixed(1)} MB`;
