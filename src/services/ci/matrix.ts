/**
 * `pkgtrack ci matrix`: the (recipe, target) cells that need building, as a GitHub Actions
 * `strategy.matrix`. Stable: the newest upstream release is newer than what the published
 * repository holds for that target. Trunk: upstream HEAD moved since the published trunk state.
 * Everything is read from the published output (or its URL), so a fresh runner knows.
 */
import { compareUpstreamVersions } from '../../formats/versions.js';
import { inputError } from '../../core/errors.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { loadRecipes, type Recipe, type Repository } from '../../recipe/load.js';
import type { Target } from '../../recipe/targets.js';
import { createUpstreamSources, type UpstreamSources } from '../../upstream/index.js';
import { toRecipeUpstream } from '../check/check.js';
import { cacheDir } from '../fetch/source-cache.js';
import { debUpstream, type PublishedSuite, readAptSuites, readYumRepos } from '../site/read.js';
import { readTrunkState } from '../nightly/trunk-state.js';

export type Channel = 'stable' | 'trunk';

export interface MatrixCell {
  recipe: string;
  target: string;
  channel: Channel;
  /** Upstream version (stable) or commit (trunk) the cell builds. */
  version?: string;
  commit?: string;
}

export interface MatrixResult {
  channel: Channel;
  /** The GitHub Actions matrix: `strategy.matrix: ${{ fromJSON(...) }}`. */
  matrix: { include: MatrixCell[] };
  /** Cells left out and why (up to date, upstream unreachable ...). */
  skipped: Array<{ recipe: string; target?: string; reason: string }>;
}

export interface MatrixOptions {
  repo: Repository;
  channel: Channel;
  recipes?: readonly string[];
  /** The published output directory (default: pkgtrack.yaml `output`). */
  output: string;
  /** Public URL of the published repository, to read trunk state from instead of `output`. */
  stateUrl?: string;
  sources?: Partial<UpstreamSources>;
  progress?: Progress;
}

/** The newest published upstream version of `recipe` for `target`, if any. */
export function publishedUpstream(
  suites: readonly PublishedSuite[],
  recipe: string,
  target: Target,
  suiteName: string,
): string | undefined {
  let best: string | undefined;
  for (const s of suites) {
    const match =
      target.format === 'deb'
        ? s.kind === 'apt' && s.suite === suiteName
        : s.kind === 'yum' && (s.suite === suiteName || s.suite.startsWith(`${suiteName}/`));
    if (!match) continue;
    for (const b of s.binaries) {
      if (b.source !== recipe) continue;
      const v = b.upstreamVersion || debUpstream(b.version);
      if (!best || compareUpstreamVersions(v, best) > 0) best = v;
    }
  }
  return best;
}

export const suiteFor = (repo: Repository, target: Target, channel: Channel) =>
  `${target.publishPath}${channel === 'trunk' ? repo.config.channels.trunk.suiteSuffix : repo.config.channels.stable.suiteSuffix}`;

export async function ciMatrix(opts: MatrixOptions): Promise<MatrixResult> {
  const progress = opts.progress ?? silentProgress;
  const sources = { ...createUpstreamSources({ progress, debian: { indexCacheDir: await cacheDir(opts.repo.root) } }), ...opts.sources };
  const recipes = (await loadRecipes(opts.repo, opts.recipes ?? [])).filter((r) =>
    opts.channel === 'trunk' ? r.config.channels.trunk?.enabled : r.config.channels.stable.enabled,
  );
  const result: MatrixResult = { channel: opts.channel, matrix: { include: [] }, skipped: [] };
  if (opts.channel === 'stable') await stableCells(opts, recipes, sources, result, progress);
  else await trunkCells(opts, recipes, sources, result, progress);
  const deferred = capMatrix(result);
  if (deferred) progress.warn(`${deferred} recipe(s) deferred to the next run: GitHub runs at most ${MAX_MATRIX_JOBS} jobs per matrix`);
  return result;
}

/** GitHub Actions: "A matrix can generate a maximum of 256 jobs per workflow run." */
export const MAX_MATRIX_JOBS = 256;

/**
 * Keep the matrix within GitHub's limit by leaving whole recipes for the next run (they are
 * still behind then, so the next plan takes them; what built now has left the plan). Never a
 * recipe in part: a trunk recipe's state is recorded once for all its targets. Pure apart from
 * `result`; returns how many recipes were deferred.
 */
export function capMatrix(result: MatrixResult, max = MAX_MATRIX_JOBS): number {
  if (result.matrix.include.length <= max) return 0;
  const byRecipe = new Map<string, MatrixCell[]>();
  for (const c of result.matrix.include) byRecipe.set(c.recipe, [...(byRecipe.get(c.recipe) ?? []), c]);
  const kept: MatrixCell[] = [];
  let deferred = 0;
  for (const [recipe, cells] of byRecipe) {
    if (cells.length > max)
      throw inputError(
        'CI_MATRIX_TOO_BIG',
        `${recipe} alone has ${cells.length} targets to build; GitHub runs at most ${max} jobs per matrix`,
        'Give the recipe fewer targets, or plan its targets in several workflows (pkgtrack ci matrix RECIPE).',
        { field: 'targets' },
      );
    if (kept.length + cells.length <= max) kept.push(...cells);
    else {
      deferred++;
      result.skipped.push({
        recipe,
        reason: `deferred to the next run: ${cells.length} job(s) over GitHub's limit of ${max} per matrix`,
      });
    }
  }
  result.matrix.include = kept;
  return deferred;
}

async function stableCells(opts: MatrixOptions, recipes: Recipe[], sources: UpstreamSources, result: MatrixResult, progress: Progress) {
  const suites = [...(await readAptSuites(opts.output)), ...(await readYumRepos(opts.output))];
  // One releases() call per kind: GitHub batches every recipe into one query.
  const byKind = new Map<string, Recipe[]>();
  for (const r of recipes) byKind.set(r.config.upstream.kind, [...(byKind.get(r.config.upstream.kind) ?? []), r]);
  for (const [kind, list] of byKind) {
    progress.step(`asking ${kind} upstreams about ${list.length} recipe(s)`);
    const answers = await sources[kind as keyof UpstreamSources].releases(list.map(toRecipeUpstream));
    for (const r of list) {
      const a = answers.get(r.name);
      const latest =
        a instanceof Error || !a
          ? undefined
          : a.find((x) => !x.prerelease || (r.config.upstream.kind === 'github' && r.config.upstream.prereleases));
      if (!latest) {
        result.skipped.push({
          recipe: r.name,
          reason: a instanceof Error ? `upstream: ${a.message.split('\n')[0]}` : 'upstream has no release',
        });
        continue;
      }
      for (const t of r.targets) {
        const have = publishedUpstream(suites, r.name, t, suiteFor(opts.repo, t, 'stable'));
        if (have && compareUpstreamVersions(latest.version, have) <= 0) {
          result.skipped.push({ recipe: r.name, target: t.id, reason: `published ${have} is up to date` });
        } else {
          result.matrix.include.push({ recipe: r.name, target: t.id, channel: 'stable', version: latest.version });
        }
      }
    }
  }
}

async function trunkCells(opts: MatrixOptions, recipes: Recipe[], sources: UpstreamSources, result: MatrixResult, progress: Progress) {
  for (const r of recipes) {
    const src = sources[r.config.upstream.kind];
    if (!src.head) {
      result.skipped.push({ recipe: r.name, reason: `${r.config.upstream.kind} upstreams have no trunk` });
      continue;
    }
    progress.step(`${r.name}: resolving upstream HEAD`);
    try {
      const head = await src.head(toRecipeUpstream(r), r.config.channels.trunk?.branch);
      const state = await readTrunkState(r.name, { output: opts.output, url: opts.stateUrl });
      if (state?.commit === head.commit) {
        result.skipped.push({ recipe: r.name, reason: `trunk ${state.version} is already built from ${head.commit.slice(0, 7)}` });
        continue;
      }
      for (const t of r.targets) result.matrix.include.push({ recipe: r.name, target: t.id, channel: 'trunk', commit: head.commit });
    } catch (e) {
      result.skipped.push({ recipe: r.name, reason: `upstream: ${(e as Error).message.split('\n')[0]}` });
    }
  }
}
