/**
 * A rebase stopped on a conflict, kept until `--continue` or `--abort` (as git keeps
 * .git/rebase-merge): under .pkgtrack/work/<recipe>/rebase/ live `tree/` (the new upstream with
 * the earlier patches applied and the failing one half-applied, .rej files beside the files),
 * `base/` (the same tree before the failing patch, what its refreshed diff is taken against),
 * `pending/` (the refreshed patches not written to the recipe yet) and `state.json`.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Recipe, RecipesRepository } from '../../recipe/load.js';
import { makeDirs } from '../../core/dirs.js';

export interface RebasedPatch {
  name: string;
  action: 'kept' | 'refreshed' | 'dropped' | 'conflict' | 'not-reached';
  /** Why: offsets/fuzz that were refreshed, why it was dropped, or why it stopped. */
  reason?: string;
}

/** A file the rebase will write into the recipe's patches/ (path relative to it). */
export interface PendingWrite {
  path: string;
  data: Buffer;
}

export interface RebaseState {
  recipe: string;
  /** The version asked for (--to) and the one the tree holds. */
  to: string;
  version: string;
  /** sha256 of the series file when the rebase stopped: a series edited since then is refused. */
  seriesHash: string;
  /** Index, in the series, of the patch the rebase stopped on. */
  index: number;
  patch: string;
  partial: boolean;
  /** Upstream moves found for the stopped patch (old path → new path). */
  moved: Record<string, string>;
  /** What happened to the patches before it. */
  patches: RebasedPatch[];
  seriesEdits: [number, string][];
}

export const rebaseWorkDir = (recipesRepo: RecipesRepository, recipe: Recipe) =>
  join(recipesRepo.root, '.pkgtrack', 'work', recipe.name, 'rebase');

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

export async function readRebaseState(work: string): Promise<RebaseState | undefined> {
  const text = await ifExists(readFile(join(work, 'state.json'), 'utf8'));
  return text === undefined ? undefined : (JSON.parse(text) as RebaseState);
}

export async function readPendingWrites(work: string): Promise<PendingWrite[]> {
  const index = await ifExists(readFile(join(work, 'pending', 'index.json'), 'utf8'));
  const paths = index === undefined ? [] : (JSON.parse(index) as string[]);
  return Promise.all(paths.map(async (path, i) => ({ path, data: await readFile(join(work, 'pending', String(i))) })));
}

/** Record the stop; state.json goes last, so a half-saved stop is not one. */
export async function saveRebaseState(work: string, state: RebaseState, writes: readonly PendingWrite[]): Promise<void> {
  await rm(join(work, 'state.json'), { force: true });
  await rm(join(work, 'pending'), { recursive: true, force: true });
  await makeDirs(join(work, 'pending'));
  for (const [i, w] of writes.entries()) await writeFile(join(work, 'pending', String(i)), w.data);
  await writeFile(join(work, 'pending', 'index.json'), JSON.stringify(writes.map((w) => w.path)));
  await writeFileAtomic(join(work, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

/** The stop is over (continued to the end, or aborted): only the finished tree may stay. */
export async function clearRebaseState(work: string, opts: { keepTree: boolean }): Promise<void> {
  await rm(join(work, 'state.json'), { force: true });
  await rm(join(work, 'pending'), { recursive: true, force: true });
  await rm(join(work, 'base'), { recursive: true, force: true });
  if (!opts.keepTree) await rm(work, { recursive: true, force: true });
}
