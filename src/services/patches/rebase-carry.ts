/**
 * The rebase's loop over the queue (see rebase.ts): each patch dry-run against the new tree
 * (following files upstream moved), dropped when upstream has it, applied and refreshed from
 * the contents when it moved, or — on a conflict — the tree kept as `base` and the patch pushed
 * into `tree` as far as it goes (quilt push -f). Nothing is written to the recipe here.
 */
import { cp, lstat, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import { ifExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { applyPatch, type PatchReport } from '../../patches/engine.js';
import { parsePatchHeader, setHeaderField, splitPatch } from '../../patches/header.js';
import { type FileChange, refreshedPatch } from '../../patches/refresh.js';
import type { SeriesEntry } from '../../patches/series.js';
import type { LoadedSeries } from './queue.js';
import type { PendingWrite, RebasedPatch } from './rebase-state.js';

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

/** One rebase run: the queue, the tree it is carried onto, and what will be written. */
export interface Run {
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

export function dropEntry(run: Run, entry: SeriesEntry, bytes: Buffer, reason: string, appliedUpstream: boolean): void {
  run.result.patches.push({ name: entry.name, action: 'dropped', reason });
  run.seriesEdits.set(entry.line, `# dropped ${entry.name}: ${reason}, ${today()} (see dropped/${entry.name})`);
  const { header, body } = splitPatch(bytes.toString('latin1'));
  const kept = appliedUpstream
    ? setHeaderField(header, 'Applied-Upstream', `${run.version}, dropped by pkgtrack rebase ${today()}`)
    : header;
  run.writes.push({ path: join('dropped', entry.name), data: Buffer.from(kept + body, 'latin1') });
}

/** Refreshed patches are written -p1 (a/ b/ names), whatever level they had. */
export function refreshEntry(run: Run, entry: SeriesEntry, bytes: Buffer, changes: FileChange[], reason: string): void {
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
export async function carry(run: Run, start: number, progress?: Progress): Promise<number> {
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

export async function writeRecipe(run: Run): Promise<void> {
  for (const w of run.writes) await writeFileAtomic(join(run.series.patchesDir, w.path), w.data);
  if (run.seriesEdits.size) {
    const lines = (await readFile(run.series.seriesFile, 'utf8')).split('\n');
    for (const [line, text] of run.seriesEdits) lines[line - 1] = text;
    await writeFileAtomic(run.series.seriesFile, lines.join('\n'));
  }
  run.result.written ||= run.writes.length > 0 || run.seriesEdits.size > 0;
}
