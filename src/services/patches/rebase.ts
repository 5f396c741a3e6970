/**
 * `pkgtrack patches rebase <recipe> --to V`: carry the queue onto a new upstream version.
 * Each patch is applied in turn to the new tree (fuzz up to 2 to find where it goes); patches
 * that reverse-apply are dropped because upstream has them (recorded in the series and in
 * patches/dropped/ with Applied-Upstream), the others are refreshed from the actual file
 * contents, headers kept byte for byte with Last-Update set. On a conflict the rebase stops,
 * names the file and hunk, writes .rej files into a work dir and leaves the recipe untouched
 * (unless --partial: then the patches before the conflict are written).
 */
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError } from '../../core/errors.js';
import { ifExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { applyPatch } from '../../patches/engine.js';
import { parsePatchHeader, setHeaderField, splitPatch } from '../../patches/header.js';
import { type FileChange, refreshedPatch } from '../../patches/refresh.js';
import { loadSeries } from './queue.js';
import { openRecipe } from '../shared/recipes-repository.js';
import { prepareSource, type SourceChoice, workDir } from './source.js';

export interface RebasedPatch {
  name: string;
  action: 'kept' | 'refreshed' | 'dropped' | 'conflict' | 'not-reached';
  /** Why: offsets/fuzz that were refreshed, or why it was dropped. */
  reason?: string;
}

export interface RebaseResult {
  recipe: string;
  to: string;
  /** True when the recipe's patches/ were written. */
  written: boolean;
  patches: RebasedPatch[];
  /** `tree`: the new upstream tree with every patch before the conflicting one applied, kept to resolve it in. */
  conflict?: { patch: string; file: string; hunk: number; rejectDir: string; tree: string };
  workDir: string;
}

const today = () => new Date().toISOString().slice(0, 10);

async function readLatin1(path: string): Promise<{ text: string; mode: number } | undefined> {
  const st = await ifExists(lstat(path));
  if (!st?.isFile()) return undefined;
  return { text: (await readFile(path)).toString('latin1'), mode: st.mode & 0o777 };
}

export async function rebasePatches(
  name: string,
  opts: SourceChoice & { to: string; partial?: boolean; recipesDir?: string; progress?: Progress },
): Promise<RebaseResult> {
  const { recipesRepo, recipe } = await openRecipe(name, opts.recipesDir);
  const work = await workDir(recipesRepo, recipe, `rebase-${opts.to}`);
  const src = await prepareSource(recipesRepo, recipe, join(work, 'src'), { ...opts, version: opts.to });
  const patchesDir = join(recipe.dir, 'patches');
  const series = await loadSeries(patchesDir);
  const result: RebaseResult = { recipe: recipe.name, to: src.version, written: false, patches: [], workDir: work };
  const writes: { path: string; data: Buffer }[] = [];
  // Series edits by line, so comments and order in the series survive the rebase.
  const seriesEdits = new Map<number, string>();
  let conflictAt = -1;

  for (let i = 0; i < series.entries.length; i++) {
    const entry = series.entries[i]!;
    const file = join(patchesDir, entry.name);
    const bytes = await readFile(file);
    // Dry run first to learn which files it touches, then snapshot them, then apply.
    const dry = await applyPatch(src.dir, bytes, {
      strip: entry.strip,
      fuzz: 2,
      dryRun: true,
      patchFile: file,
      preferReverse: true,
      skipMerged: true,
    });
    if (dry.status === 'already-applied') {
      const reason = `applied upstream in ${src.version} (the patch reverse-applies cleanly)`;
      result.patches.push({ name: entry.name, action: 'dropped', reason });
      seriesEdits.set(entry.line, `# dropped ${entry.name}: ${reason}, ${today()} (see dropped/${entry.name})`);
      const { header, body } = splitPatch(bytes.toString('latin1'));
      const newHeader = setHeaderField(header, 'Applied-Upstream', `${src.version}, dropped by pkgtrack rebase ${today()}`);
      writes.push({ path: join(patchesDir, 'dropped', entry.name), data: Buffer.from(newHeader + body, 'latin1') });
      continue;
    }
    if (dry.status === 'failed') {
      const rejectDir = join(work, 'rejects');
      for (const r of dry.rejects) await writeFileAtomic(join(rejectDir, `${r.path}.rej`), Buffer.from(r.text, 'latin1'));
      const f = dry.files.find((x) => x.hunks.some((h) => h.status === 'failed'))!;
      const hunk = f.hunks.find((h) => h.status === 'failed')!;
      result.conflict = { patch: entry.name, file: f.path, hunk: hunk.index, rejectDir, tree: join(work, 'src') };
      result.patches.push({ name: entry.name, action: 'conflict', reason: `hunk #${hunk.index} of ${f.path} does not apply` });
      conflictAt = i;
      break;
    }
    const before = new Map<string, { text: string; mode: number } | undefined>();
    for (const f of dry.files) {
      for (const p of [f.from, f.path]) if (p !== undefined && !before.has(p)) before.set(p, await readLatin1(join(src.dir, p)));
    }
    await applyPatch(src.dir, bytes, { strip: entry.strip, fuzz: 2, patchFile: file, skipMerged: true });
    if (dry.worst === 'clean') {
      result.patches.push({ name: entry.name, action: 'kept' });
      continue;
    }
    const changes: FileChange[] = [];
    for (const f of dry.files) {
      const old = before.get(f.from ?? f.path);
      const now = await readLatin1(join(src.dir, f.path));
      changes.push({
        ...(old ? { oldPath: f.from ?? f.path } : {}),
        ...(now ? { newPath: f.path } : {}),
        before: old?.text ?? '',
        after: now?.text ?? '',
        ...(old ? { oldMode: 0o100000 | old.mode } : {}),
        ...(now ? { newMode: 0o100000 | now.mode } : {}),
      });
    }
    const { header } = splitPatch(bytes.toString('latin1'));
    // DEP-3 headers get Last-Update; git mails and free text are kept exactly as written.
    const headerOut = parsePatchHeader(header).style === 'dep3' ? setHeaderField(header, 'Last-Update', today()) : header;
    // Refreshed patches are written -p1 (a/ b/ names), whatever level they had.
    writes.push({ path: file, data: Buffer.from(refreshedPatch(headerOut, changes), 'latin1') });
    if (entry.strip !== 1) seriesEdits.set(entry.line, entry.name);
    const moved = dry.files.flatMap((f) =>
      f.hunks
        .filter((h) => h.status !== 'clean')
        .map(
          (h) =>
            `${f.path} #${h.index} ${h.status === 'merged' ? 'merged upstream, dropped' : h.status === 'fuzz' ? `fuzz ${h.fuzz}` : `offset ${h.offset}`}`,
        ),
    );
    result.patches.push({ name: entry.name, action: 'refreshed', reason: moved.join(', ') });
  }

  if (conflictAt >= 0) {
    for (const e of series.entries.slice(conflictAt + 1)) result.patches.push({ name: e.name, action: 'not-reached' });
    if (!opts.partial) {
      // The tree stays: the patches before the conflict are applied in it, to resolve it there.
      const c = result.conflict!;
      throw conflictError(
        'PATCH_REBASE_CONFLICT',
        `${c.patch}: hunk #${c.hunk} of ${c.file} does not apply to ${recipe.name} ${src.version}; the recipe was not changed`,
        `Resolve it by hand in ${c.tree} (the patches before it are applied there; the rejected hunk is ${join(c.rejectDir, `${c.file}.rej`)}), edit the patch, and run the rebase again; or pass --partial to keep the patches before it, or \`pkgtrack patches drop ${recipe.name} ${c.patch}\`.`,
        { file: join(patchesDir, c.patch), patch: c.patch, target: c.file, hunk: c.hunk, rejectDir: c.rejectDir, tree: c.tree, result },
      );
    }
  }
  for (const w of writes) await writeFileAtomic(w.path, w.data);
  if (seriesEdits.size) {
    const lines = (await readFile(series.seriesFile, 'utf8')).split('\n');
    for (const [line, text] of seriesEdits) lines[line - 1] = text;
    await writeFileAtomic(series.seriesFile, lines.join('\n'));
  }
  result.written = writes.length > 0 || seriesEdits.size > 0;
  return result;
}
