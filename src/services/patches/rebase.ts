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
import { cp, lstat, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError, inputError, notFound, PkgtrackError } from '../../core/errors.js';
import { exists, ifExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { applyPatch, type PatchReport } from '../../patches/engine.js';
import { parsePatchHeader, setHeaderField, splitPatch } from '../../patches/header.js';
import { type FileChange, refreshedPatch } from '../../patches/refresh.js';
import type { SeriesEntry } from '../../patches/series.js';
import { treeDiff } from '../../patches/tree-diff.js';
import { openRecipe } from '../shared/recipes-repository.js';
import { type LoadedSeries, loadSeries } from './queue.js';
import {
  clearRebaseState,
  type PendingWrite,
  type RebasedPatch,
  type RebaseState,
  readPendingWrites,
  readRebaseState,
  rebaseWorkDir,
  saveRebaseState,
  sha256,
} from './rebase-state.js';
import { prepareSource, type SourceChoice } from './source.js';

export type { RebasedPatch } from './rebase-state.js';

export interface RebaseConflict {
  patch: string;
  /** The first file that failed, and its first failed hunk (0 when the file moved and applied). */
  file: string;
  hunk: number;
  /** Where the .rej files are: beside the files, in `tree`. */
  rejectDir: string;
  /** The .rej files (relative to `tree`). */
  rejects: string[];
  /** The new upstream with the earlier patches applied and this one as far as it goes: fix it here. */
  tree: string;
  /** The same tree before this patch: `--continue` writes the patch as the diff from it to `tree`. */
  base: string;
  /** Files of the patch upstream renamed or moved (old path → new path); the hunks went there. */
  moved: Record<string, string>;
  /** The command that carries on once the tree is fixed. */
  next: string;
}

export interface RebaseResult {
  recipe: string;
  to: string;
  /** True when the recipe's patches/ were written. */
  written: boolean;
  patches: RebasedPatch[];
  conflict?: RebaseConflict;
  workDir: string;
  /** `--abort`: the stopped rebase was discarded. */
  aborted?: true;
}

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

/** One rebase run: the queue, the tree it is carried onto, and what will be written. */
interface Run {
  recipe: string;
  series: LoadedSeries;
  work: string;
  tree: string;
  to: string;
  version: string;
  partial: boolean;
  result: RebaseResult;
  writes: PendingWrite[];
  /** Series edits by line, so comments and order in the series survive the rebase. */
  seriesEdits: Map<number, string>;
}

const today = () => new Date().toISOString().slice(0, 10);

async function readLatin1(path: string): Promise<{ text: string; mode: number } | undefined> {
  const st = await ifExists(lstat(path));
  if (!st?.isFile()) return undefined;
  return { text: (await readFile(path)).toString('latin1'), mode: st.mode & 0o777 };
}

/** DEP-3 headers get Last-Update; git mails and free text are kept exactly as written. */
function headerFor(bytes: Buffer): string {
  const { header } = splitPatch(bytes.toString('latin1'));
  return parsePatchHeader(header).style === 'dep3' ? setHeaderField(header, 'Last-Update', today()) : header;
}

function dropEntry(run: Run, entry: SeriesEntry, bytes: Buffer, reason: string, appliedUpstream: boolean): void {
  run.result.patches.push({ name: entry.name, action: 'dropped', reason });
  run.seriesEdits.set(entry.line, `# dropped ${entry.name}: ${reason}, ${today()} (see dropped/${entry.name})`);
  const { header, body } = splitPatch(bytes.toString('latin1'));
  const kept = appliedUpstream
    ? setHeaderField(header, 'Applied-Upstream', `${run.version}, dropped by pkgtrack rebase ${today()}`)
    : header;
  run.writes.push({ path: join('dropped', entry.name), data: Buffer.from(kept + body, 'latin1') });
}

/** Refreshed patches are written -p1 (a/ b/ names), whatever level they had. */
function refreshEntry(run: Run, entry: SeriesEntry, bytes: Buffer, changes: FileChange[], reason: string): void {
  run.writes.push({ path: entry.name, data: Buffer.from(refreshedPatch(headerFor(bytes), changes), 'latin1') });
  if (entry.strip !== 1) run.seriesEdits.set(entry.line, entry.name);
  run.result.patches.push({ name: entry.name, action: 'refreshed', reason });
}

/** A dry run that follows files upstream moved (the engine names them) instead of failing. */
async function dryRun(run: Run, entry: SeriesEntry, bytes: Buffer, moved: Record<string, string>): Promise<PatchReport> {
  const file = join(run.series.patchesDir, entry.name);
  for (;;) {
    try {
      return await applyPatch(run.tree, bytes, {
        strip: entry.strip,
        fuzz: 2,
        dryRun: true,
        patchFile: file,
        preferReverse: true,
        skipMerged: true,
        moved,
      });
    } catch (e) {
      const movedTo = e instanceof PkgtrackError && e.code === 'PATCH_FILE_MOVED' ? e.details.movedTo : undefined;
      const target = e instanceof PkgtrackError ? e.details.target : undefined;
      if (typeof movedTo !== 'string' || typeof target !== 'string' || Object.hasOwn(moved, target)) throw e;
      moved[target] = movedTo;
    }
  }
}

/** Apply the queue from `start` on; returns the index of the patch it stopped on, or -1. */
async function carry(run: Run, start: number, progress?: Progress): Promise<number> {
  const entries = run.series.entries;
  for (let i = start; i < entries.length; i++) {
    const entry = entries[i]!;
    const file = join(run.series.patchesDir, entry.name);
    const bytes = await readFile(file);
    progress?.debug(`rebasing ${entry.name}`);
    const moved: Record<string, string> = {};
    let dry: PatchReport;
    try {
      dry = await dryRun(run, entry, bytes, moved);
    } catch (e) {
      // Upstream removed a file the patch changes: stop there, its hunks in a .rej.
      if (!(e instanceof PkgtrackError && e.code === 'PATCH_MISSING_FILE')) throw e;
      await stopAt(run, entry, bytes, moved, `${String(e.details.target)} does not exist in ${run.version}`);
      return i;
    }
    if (dry.status === 'already-applied') {
      dropEntry(run, entry, bytes, `applied upstream in ${run.version} (the patch reverse-applies cleanly)`, true);
      continue;
    }
    const movedText = Object.entries(moved)
      .map(([from, to]) => `${from} was renamed/moved upstream to ${to}`)
      .join('; ');
    if (dry.status === 'failed' || movedText) {
      const failed = dry.files.find((x) => x.hunks.some((h) => h.status === 'failed'));
      const hunk = failed?.hunks.find((h) => h.status === 'failed');
      const why = [failed && hunk ? `hunk #${hunk.index} of ${failed.path} does not apply` : '', movedText].filter(Boolean).join('; ');
      await stopAt(run, entry, bytes, moved, why);
      return i;
    }
    // Snapshot the files it touches, apply, and refresh from the contents when it moved.
    const before = new Map<string, { text: string; mode: number } | undefined>();
    for (const f of dry.files) {
      for (const p of [f.from, f.path]) if (p !== undefined && !before.has(p)) before.set(p, await readLatin1(join(run.tree, p)));
    }
    await applyPatch(run.tree, bytes, { strip: entry.strip, fuzz: 2, patchFile: file, skipMerged: true });
    if (dry.worst === 'clean') {
      run.result.patches.push({ name: entry.name, action: 'kept' });
      continue;
    }
    const changes: FileChange[] = [];
    for (const f of dry.files) {
      const old = before.get(f.from ?? f.path);
      const now = await readLatin1(join(run.tree, f.path));
      changes.push({
        ...(old ? { oldPath: f.from ?? f.path, oldMode: 0o100000 | old.mode } : {}),
        ...(now ? { newPath: f.path, newMode: 0o100000 | now.mode } : {}),
        before: old?.text ?? '',
        after: now?.text ?? '',
      });
    }
    const how = dry.files.flatMap((f) =>
      f.hunks
        .filter((h) => h.status !== 'clean')
        .map(
          (h) =>
            `${f.path} #${h.index} ${h.status === 'merged' ? 'merged upstream, dropped' : h.status === 'fuzz' ? `fuzz ${h.fuzz}` : `offset ${h.offset}`}`,
        ),
    );
    refreshEntry(run, entry, bytes, changes, how.join(', '));
  }
  return -1;
}

/** Keep the tree before the patch as `base`, then push the patch into `tree` as far as it goes. */
async function stopAt(run: Run, entry: SeriesEntry, bytes: Buffer, moved: Record<string, string>, why: string): Promise<void> {
  const base = join(run.work, 'base');
  await rm(base, { recursive: true, force: true });
  await cp(run.tree, base, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  const forced = await applyPatch(run.tree, bytes, {
    strip: entry.strip,
    fuzz: 2,
    patchFile: join(run.series.patchesDir, entry.name),
    skipMerged: true,
    force: true,
    detectApplied: false,
    moved,
  });
  const failed = forced.files.find((x) => x.hunks.some((h) => h.status === 'failed'));
  run.result.conflict = {
    patch: entry.name,
    file: failed?.path ?? Object.values(moved)[0] ?? '?',
    hunk: failed?.hunks.find((h) => h.status === 'failed')?.index ?? 0,
    rejectDir: run.tree,
    rejects: forced.rejects.map((r) => `${r.path}.rej`),
    tree: run.tree,
    base,
    moved,
    next: `pkgtrack patches rebase ${run.recipe} --continue`,
  };
  run.result.patches.push({ name: entry.name, action: 'conflict', reason: why });
}

async function writeRecipe(run: Run): Promise<void> {
  for (const w of run.writes) await writeFileAtomic(join(run.series.patchesDir, w.path), w.data);
  if (run.seriesEdits.size) {
    const lines = (await readFile(run.series.seriesFile, 'utf8')).split('\n');
    for (const [line, text] of run.seriesEdits) lines[line - 1] = text;
    await writeFileAtomic(run.series.seriesFile, lines.join('\n'));
  }
  run.result.written ||= run.writes.length > 0 || run.seriesEdits.size > 0;
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
  await rm(join(work, 'base'), { recursive: true, force: true });
  return finish(run, await carry(run, state.index + 1, opts.progress));
}
