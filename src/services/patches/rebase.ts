/**
 * `pkgtrack patches rebase <recipe> --to V`: carry the queue onto a new upstream version.
 * Each patch is applied in turn to the new tree (fuzz up to 2 to find where it goes); patches
 * that reverse-apply are dropped because upstream has them (recorded in the series and in
 * patches/dropped/ with Applied-Upstream), the others are refreshed from the actual file
 * contents, headers kept byte for byte with Last-Update set.
 *
 * On a conflict (a hunk that does not apply, or a file upstream moved) the rebase stops as
 * `quilt push -f` / `gbp pq` would leave it: a tree with the earlier patches applied and the
 * failing one applied as far as it goes, its failed hunks as .rej files beside the files. The
 * recipe is left untouched (unless --partial: then the patches before the conflict are
 * written). `--continue` takes the failing patch from that tree once fixed (diff against the
 * tree before it), and carries on with the rest; `--abort` throws the stop away.
 */
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError, inputError, notFound, PkgtrackError } from '../../core/errors.js';
import { exists, ifExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { treeDiff } from '../../patches/tree-diff.js';
import { openRecipe } from '../shared/recipes-repository.js';
import { type LoadedSeries, loadSeries } from './queue.js';
import { carry, dropEntry, type RebaseResult, refreshEntry, type Run, writeRecipe } from './rebase-carry.js';
import {
  clearRebaseState,
  type RebaseState,
  readPendingWrites,
  readRebaseState,
  rebaseWorkDir,
  saveRebaseState,
  sha256,
} from './rebase-state.js';
import { prepareSource, type SourceChoice } from './source.js';

export type { RebaseConflict, RebaseResult } from './rebase-carry.js';
export type { RebasedPatch } from './rebase-state.js';

export interface RebaseOptions extends SourceChoice {
  /** Upstream version to rebase onto (a new rebase). */
  to?: string;
  partial?: boolean;
  /** Carry on with a stopped rebase, taking the failing patch from its fixed tree. */
  continue?: boolean;
  /** Discard a stopped rebase (what --partial wrote stays). */
  abort?: boolean;
  /** Carry on with a stopped rebase, dropping the patch it stopped on. */
  skip?: boolean;
  recipesDir?: string;
  progress?: Progress;
}

/** After `carry`: write the recipe (all of it, or with --partial what came before the stop) or record the stop. */
async function finish(run: Run, stoppedAt: number): Promise<RebaseResult> {
  const result = run.result;
  if (stoppedAt < 0) {
    await writeRecipe(run);
    await clearRebaseState(run.work, { keepTree: true });
    return result;
  }
  const entries = run.series.entries;
  for (const e of entries.slice(stoppedAt + 1)) result.patches.push({ name: e.name, action: 'not-reached' });
  if (run.partial) await writeRecipe(run);
  const c = result.conflict!;
  await saveRebaseState(
    run.work,
    {
      recipe: run.recipe,
      to: run.to,
      version: run.version,
      seriesHash: sha256(await readFile(run.series.seriesFile)),
      index: stoppedAt,
      patch: c.patch,
      partial: run.partial,
      moved: c.moved,
      patches: result.patches.slice(0, stoppedAt),
      seriesEdits: [...run.seriesEdits],
    },
    run.writes,
  );
  if (run.partial) return result;
  const what = result.patches[stoppedAt]?.reason ?? `hunk #${c.hunk} of ${c.file} does not apply`;
  throw conflictError(
    'PATCH_REBASE_CONFLICT',
    `${c.patch}: ${what} (${run.recipe} ${run.version}); the recipe was not changed`,
    `Fix it in ${c.tree}: the patches before it are applied there, and it is applied as far as it goes${c.rejects.length ? ` (the hunks that failed are in ${c.rejects.join(', ')})` : ''}. Then run \`${c.next}\` (or \`--skip\` to drop the patch, \`--abort\` to give up).`,
    {
      file: join(run.series.patchesDir, c.patch),
      patch: c.patch,
      target: c.file,
      hunk: c.hunk,
      rejectDir: c.rejectDir,
      tree: c.tree,
      next: c.next,
      result,
    },
  );
}

export async function rebasePatches(name: string, opts: RebaseOptions): Promise<RebaseResult> {
  const { recipesRepo, recipe } = await openRecipe(name, opts.recipesDir);
  const work = rebaseWorkDir(recipesRepo, recipe);
  const stopped = await readRebaseState(work);
  if ((opts.continue || opts.skip || opts.abort) && !stopped) {
    throw notFound(
      'PATCH_REBASE_NOT_STOPPED',
      `no rebase of ${recipe.name} is stopped`,
      `Start one with \`pkgtrack patches rebase ${recipe.name} --to <version>\`.`,
    );
  }
  if (opts.abort) {
    await clearRebaseState(work, { keepTree: false });
    return { recipe: recipe.name, to: stopped!.to, written: false, patches: [], workDir: work, aborted: true };
  }
  const series = await loadSeries(join(recipe.dir, 'patches'));
  if (opts.continue || opts.skip)
    return continueRebase(stopped!, series, work, {
      skip: opts.skip === true,
      partial: opts.partial === true,
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
  if (!opts.to) {
    throw new PkgtrackError({
      code: 'USAGE',
      kind: 'usage',
      message: 'say which upstream version to rebase onto',
      fix: 'Pass --to <version>, or --continue / --abort for a stopped rebase.',
    });
  }
  if (stopped) {
    throw conflictError(
      'PATCH_REBASE_IN_PROGRESS',
      `a rebase of ${recipe.name} onto ${stopped.to} stopped at ${stopped.patch} and is not finished`,
      `Fix ${join(work, 'tree')} and run \`pkgtrack patches rebase ${recipe.name} --continue\`, or discard it with \`--abort\`.`,
      { patch: stopped.patch, tree: join(work, 'tree') },
    );
  }
  await rm(work, { recursive: true, force: true });
  const tree = join(work, 'tree');
  const src = await prepareSource(recipesRepo, recipe, tree, { ...opts, version: opts.to });
  const run: Run = {
    recipe: recipe.name,
    series,
    work,
    tree,
    to: opts.to,
    version: src.version,
    partial: opts.partial === true,
    result: { recipe: recipe.name, to: src.version, written: false, patches: [], workDir: work },
    writes: [],
    seriesEdits: new Map(),
  };
  return finish(run, await carry(run, 0, opts.progress));
}

/** Take the stopped patch from the fixed tree, then carry on with the rest of the queue. */
async function continueRebase(
  state: RebaseState,
  series: LoadedSeries,
  work: string,
  opts: { skip: boolean; partial: boolean; progress?: Progress },
): Promise<RebaseResult> {
  const tree = join(work, 'tree');
  for (const dir of [tree, join(work, 'base')]) {
    // Without both trees the patch cannot be taken from them (an empty tree would delete everything).
    if (!(await exists(dir))) {
      throw notFound(
        'PATCH_REBASE_NOT_STOPPED',
        `the stopped rebase of ${state.recipe} has lost ${dir}`,
        `Run \`pkgtrack patches rebase ${state.recipe} --abort\`, then the rebase again (--to ${state.to}).`,
        { tree: dir },
      );
    }
  }
  if (sha256((await ifExists(readFile(series.seriesFile))) ?? '') !== state.seriesHash) {
    throw conflictError(
      'PATCH_REBASE_SERIES_CHANGED',
      `${series.seriesFile} changed since the rebase stopped at ${state.patch}`,
      `Run \`pkgtrack patches rebase ${state.recipe} --abort\`, then the rebase again (--to ${state.to}).`,
      { file: series.seriesFile },
    );
  }
  const { changes, rejects } = opts.skip ? { changes: [], rejects: [] } : await treeDiff(join(work, 'base'), tree);
  if (rejects.length) {
    throw inputError(
      'PATCH_REBASE_REJECTS_LEFT',
      `${rejects.length} rejected hunk file(s) left in ${tree}: ${rejects.join(', ')}`,
      'Make the changes they hold in the files beside them (or decide they are not needed), delete the .rej files, and run --continue again.',
      { tree, rejects },
    );
  }
  const run: Run = {
    recipe: state.recipe,
    series,
    work,
    tree,
    to: state.to,
    version: state.version,
    partial: state.partial || opts.partial,
    result: { recipe: state.recipe, to: state.version, written: false, patches: [...state.patches], workDir: work },
    writes: await readPendingWrites(work),
    seriesEdits: new Map(state.seriesEdits),
  };
  const entry = series.entries[state.index]!;
  const bytes = await readFile(join(series.patchesDir, entry.name));
  if (opts.skip) {
    // The tree goes back to what it was before the patch, and the patch out of the queue.
    await rm(tree, { recursive: true, force: true });
    await rename(join(work, 'base'), tree);
    dropEntry(run, entry, bytes, `skipped when it conflicted with ${state.version}`, false);
  } else if (changes.length === 0) {
    dropEntry(run, entry, bytes, `nothing left of it once its conflict with ${state.version} was resolved`, false);
  } else refreshEntry(run, entry, bytes, changes, `resolved by hand in ${tree}`);
  // The stop is consumed: from here the tree moves on, and a failure further down must not be
  // continued from this state. The resolution is kept apart, so that it is not lost with it.
  const resolution = run.writes.at(-1)!;
  const kept = join(work, 'resolved', resolution.path);
  await writeFileAtomic(kept, resolution.data);
  await rm(join(work, 'state.json'), { force: true });
  await rm(join(work, 'base'), { recursive: true, force: true });
  let stoppedAt: number;
  try {
    stoppedAt = await carry(run, state.index + 1, opts.progress);
  } catch (e) {
    if (!(e instanceof PkgtrackError)) throw e;
    throw new PkgtrackError({
      code: e.code,
      kind: e.kind,
      message: e.message,
      fix: `${e.fix ? `${e.fix} ` : ''}The rebase is over; your resolution of ${entry.name} is kept in ${kept}: put it in patches/ and rebase again (--to ${state.to}).`,
      details: { ...e.details, resolution: kept },
      cause: e,
    });
  }
  return finish(run, stoppedAt);
}
