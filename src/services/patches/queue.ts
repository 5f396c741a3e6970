/**
 * Patch queue use-cases: apply a recipe's series to a source tree (for builds: fuzz 0, stop at
 * the first failure, exactly as dpkg-source -x), and analyse a queue against an upstream
 * version (every patch tried, with per-hunk offsets and fuzz).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError, notFound, PkgtrackError } from '../../core/errors.js';
import { ifExists, writeFileAtomic } from '../../core/fsutil.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import type { Recipe } from '../../recipe/load.js';
import { applyPatch, type FileReport, type PatchReport } from '../../patches/engine.js';
import { type PatchHeader, parsePatchHeader } from '../../patches/header.js';
import { parseSeries, type SeriesEntry } from '../../patches/series.js';

export interface PatchSummary {
  description?: string;
  author?: string;
  origin?: string;
  forwarded?: string;
  upstreamStatus?: string;
  lastUpdate?: string;
  bugs: string[];
  style: PatchHeader['style'];
}

export interface QueuePatchResult {
  name: string;
  strip: number;
  status: PatchReport['status'] | 'skipped';
  worst: PatchReport['worst'] | 'skipped';
  files: FileReport[];
  header: PatchSummary;
}

export interface QueueResult {
  ok: boolean;
  patches: QueuePatchResult[];
  /** First failure: patch, file and hunk, for the message and exit code. */
  failure?: { patch: string; file: string; hunk: number; patchLine: number };
}

export interface QueueOptions {
  /** 0 for builds (dpkg-source, quilt push); more for analysis. */
  fuzz?: number;
  /** Stop at the first failed patch and throw (builds). Default true. */
  strict?: boolean;
  progress?: Progress;
  /** Where failed hunks are written as <file>.rej (analysis and rebase). */
  rejectDir?: string;
  /** Series file name inside the patches directory (default `series`; dpkg-source prefers `debian.series`). */
  seriesName?: string;
}

export function summarizeHeader(h: PatchHeader): PatchSummary {
  return {
    ...(h.description ? { description: h.description } : {}),
    ...(h.author ? { author: h.author } : {}),
    ...(h.origin ? { origin: h.origin } : {}),
    ...(h.forwarded ? { forwarded: h.forwarded } : {}),
    ...(h.upstreamStatus
      ? { upstreamStatus: `${h.upstreamStatus.status}${h.upstreamStatus.detail ? ` [${h.upstreamStatus.detail}]` : ''}` }
      : {}),
    ...(h.lastUpdate ? { lastUpdate: h.lastUpdate } : {}),
    bugs: h.bugs.map((b) => b.url),
    style: h.style,
  };
}

export interface LoadedSeries {
  patchesDir: string;
  seriesFile: string;
  entries: SeriesEntry[];
}

export async function loadSeries(patchesDir: string, seriesName = 'series'): Promise<LoadedSeries> {
  const seriesFile = join(patchesDir, seriesName);
  const text = await ifExists(readFile(seriesFile, 'utf8'));
  return { patchesDir, seriesFile, entries: text === undefined ? [] : parseSeries(text, seriesFile) };
}

/** Apply the recipe's patches/series to `srcDir` (for the build helper). */
export async function applyPatchQueue(recipe: Pick<Recipe, 'dir' | 'name'>, srcDir: string, opts: QueueOptions = {}): Promise<QueueResult> {
  return applySeries(join(recipe.dir, 'patches'), srcDir, opts);
}

/** Apply any quilt series (recipe patches/ or debian/patches) to `srcDir`, in order. */
export async function applySeries(patchesDir: string, srcDir: string, opts: QueueOptions = {}): Promise<QueueResult> {
  const progress = opts.progress ?? silentProgress;
  const strict = opts.strict ?? true;
  const series = await loadSeries(patchesDir, opts.seriesName);
  const result: QueueResult = { ok: true, patches: [] };
  for (const entry of series.entries) {
    const file = join(patchesDir, entry.name);
    const bytes = await readFile(file).catch(() => {
      throw notFound(
        'PATCH_NOT_FOUND',
        `${entry.name} is listed in the series but does not exist`,
        `Add ${file} or remove line ${entry.line} of the series.`,
        {
          file: series.seriesFile,
          line: entry.line,
        },
      );
    });
    const header = summarizeHeader(parsePatchHeader(bytes.toString('utf8')));
    progress.debug(`applying ${entry.name} (-p${entry.strip})`);
    let report: PatchReport;
    try {
      report = await applyPatch(srcDir, bytes, {
        strip: entry.strip,
        fuzz: opts.fuzz ?? 0,
        patchFile: file,
        dryRun: false,
        preferReverse: !strict,
      });
    } catch (e) {
      if (e instanceof PkgtrackError && !e.details.patch) e.details.patch = entry.name;
      // Analysis goes on past a file upstream removed: that patch fails, the next is tried.
      if (!strict && e instanceof PkgtrackError && (e.code === 'PATCH_MISSING_FILE' || e.code === 'PATCH_FILE_MOVED')) {
        const target = String(e.details.target ?? '?');
        const movedTo = typeof e.details.movedTo === 'string' ? e.details.movedTo : undefined;
        progress.warn(`${entry.name}: ${e.message}`);
        result.ok = false;
        result.failure ??= { patch: entry.name, file: target, hunk: 1, patchLine: e.details.line ?? 0 };
        result.patches.push({
          name: entry.name,
          strip: entry.strip,
          status: 'failed',
          worst: 'failed',
          files: [{ path: target, op: 'modify', hunks: [], missing: true, ...(movedTo ? { movedTo } : {}) }],
          header,
        });
        continue;
      }
      throw e;
    }
    result.patches.push({ name: entry.name, strip: entry.strip, status: report.status, worst: report.worst, files: report.files, header });
    if (report.status === 'applied') continue;
    result.ok = false;
    const failedFile = report.files.find((f) => f.hunks.some((h) => h.status === 'failed'));
    const failedHunk = failedFile?.hunks.find((h) => h.status === 'failed');
    result.failure ??= {
      patch: entry.name,
      file: failedFile?.path ?? '?',
      hunk: failedHunk?.index ?? 0,
      patchLine: failedHunk?.patchLine ?? 0,
    };
    if (opts.rejectDir) {
      for (const r of report.rejects)
        await writeFileAtomic(join(opts.rejectDir, entry.name.replaceAll('/', '_'), `${r.path}.rej`), Buffer.from(r.text, 'latin1'));
    }
    if (strict) {
      if (report.status === 'already-applied') {
        throw inputError(
          'PATCH_ALREADY_APPLIED',
          `${entry.name} is already applied in this source (it reverse-applies cleanly)`,
          `Upstream has this change: drop ${entry.name} from the series (pkgtrack patches rebase does it and records why).`,
          {
            file,
            patch: entry.name,
          },
        );
      }
      const f = result.failure!;
      throw inputError(
        'PATCH_FAILED',
        `${entry.name} does not apply: hunk #${f.hunk} of ${f.file} FAILED (fuzz ${opts.fuzz ?? 0})`,
        `Refresh the patch against this upstream version: \`pkgtrack patches rebase <recipe> --to <version>\`, or see \`pkgtrack patches status\`.`,
        {
          file,
          line: f.patchLine,
          patch: entry.name,
          target: f.file,
          hunk: f.hunk,
        },
      );
    }
  }
  return result;
}
