/**
 * `pkgtrack ci matrix`: the (recipe, target) cells that need building, as a GitHub Actions
 * `strategy.matrix`. Stable: the newest upstream release is newer than what the published
 * repository holds for that target. Trunk: upstream HEAD moved since the published trunk state.
 * Everything is read from the published output (or its URL), so a fresh runner knows.
 */
import { type CiAttempts, failuresOf, readCiAttempts } from './attempts.js';
import { builderFor } from '../../builders/registry.js';
import { compareUpstreamVersions } from '../../formats/versions.js';
import { inputError } from '../../core/errors.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { loadRecipes, type Recipe, type RecipesRepository } from '../../recipe/load.js';
import { ciRunner } from '../../recipe/arches.js';
import { buildKey, type Target } from '../../recipe/targets.js';
import { createUpstreamSources, type UpstreamSources } from '../../upstream/index.js';
import { toRecipeUpstream } from '../check/check.js';
import { cacheDir } from '../fetch/source-cache.js';
import { debUpstream, type PublishedSuite, readAptSuites, readYumRepos } from '../site/read.js';
import { readTrunkState, trunkCommitOf } from '../nightly/trunk-state.js';
import { recipeHash } from '../build/inputs.js';
import { appendFile, readdir, readFile, rm, stat } from 'node:fs/promises';
import { fetchPublishedState } from './published-state.js';
import { join } from 'node:path';

export type Channel = 'stable' | 'trunk';

export interface MatrixCell {
  recipe: string;
  target: string;
  /** Debian architecture the cell builds. */
  arch: string;
  /** GitHub runner label that builds `arch` natively (ubuntu-24.04, ubuntu-24.04-arm), else ubuntu-24.04. */
  runner: string;
  /** True when the runner builds `arch` under qemu-user (the workflow installs it). */
  emulated: boolean;
  channel: Channel;
  /** Upstream version (stable) or commit (trunk) the cell builds. */
  version?: string;
  commit?: string;
  /** Trunk: the last published trunk version the snapshot must sort above (none for a retried commit). */
  previous?: string;
}

export interface MatrixResult {
  channel: Channel;
  /** The GitHub Actions matrix: `strategy.matrix: ${{ fromJSON(...) }}`. */
  matrix: { include: MatrixCell[] };
  /** Cells left out and why (up to date, upstream unreachable ...). */
  skipped: Array<{ recipe: string; target?: string; reason: string }>;
  /**
   * Cells that could not be planned and need someone: an unreachable upstream, packaging changed
   * without a revision bump. `ci matrix --exit-code` exits 11 when there are any.
   */
  problems: Array<{ recipe: string; target?: string; message: string; file?: string; field?: string }>;
}

export interface MatrixOptions {
  recipesRepo: RecipesRepository;
  channel: Channel;
  recipes?: readonly string[];
  /** The published output directory (default: pkgtrack.yaml `output`). */
  output: string;
  /** `output` was named by the user (--output): then it must exist. */
  outputGiven?: boolean;
  /**
   * Public URL of the published repository (a bucket's, a CDN's, the Pages site): the plan reads
   * what is published (indexes, build manifests, trunk states, ci/attempts.json) from there
   * instead of `output`.
   */
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

/** One cell per architecture of the target, on the runner that builds it natively when GitHub has one. */
function archCells(t: Target, cell: Omit<MatrixCell, 'arch' | 'runner' | 'emulated'>, arches: readonly string[] = t.arches): MatrixCell[] {
  return arches.map((arch) => ({ ...cell, arch, ...ciRunner(arch) }));
}

export const suiteFor = (recipesRepo: RecipesRepository, target: Target, channel: Channel) =>
  `${target.publishPath}${channel === 'trunk' ? recipesRepo.config.channels.trunk.suiteSuffix : recipesRepo.config.channels.stable.suiteSuffix}`;

export async function ciMatrix(opts: MatrixOptions): Promise<MatrixResult> {
  const progress = opts.progress ?? silentProgress;
  // A restore that went wrong must not read as "nothing is published: build everything".
  if (opts.outputGiven && !opts.stateUrl && !(await stat(opts.output).catch(() => undefined))?.isDirectory())
    throw inputError(
      'CI_MATRIX_OUTPUT_MISSING',
      `--output ${opts.output} does not exist`,
      'Restore the published output there first (the workflows restore the Pages branch), or create it empty for a first publish.',
      { field: '--output', file: opts.output },
    );
  const recipes = (await loadRecipes(opts.recipesRepo, opts.recipes ?? [])).filter((r) =>
    opts.channel === 'trunk' ? r.config.channels.trunk?.enabled : r.config.channels.stable.enabled,
  );
  if (!opts.stateUrl) return planFrom(opts, recipes, progress);
  // Everything the plan reads, fetched from the public URL into a scratch output folder.
  progress.step(`reading the published state of ${recipes.length} recipe(s) from ${opts.stateUrl}`);
  const output = await fetchPublishedState(opts.stateUrl, opts.recipesRepo, recipes, [opts.channel]);
  try {
    const { stateUrl: _, ...rest } = opts;
    return await planFrom({ ...rest, output, outputGiven: false }, recipes, progress);
  } finally {
    await rm(output, { recursive: true, force: true });
  }
}

async function planFrom(opts: MatrixOptions, recipes: Recipe[], progress: Progress): Promise<MatrixResult> {
  const sources = {
    ...createUpstreamSources({ progress, debian: { indexCacheDir: await cacheDir(opts.recipesRepo.root) } }),
    ...opts.sources,
  };
  const result: MatrixResult = { channel: opts.channel, matrix: { include: [] }, skipped: [], problems: [] };
  // Read once per recipe: the stable plan and the cap's order both use them.
  const manifests = new Map<string, Promise<PublishedBuild[]>>();
  const manifestsOf = (recipe: string) => {
    if (!manifests.has(recipe)) manifests.set(recipe, publishedBuildManifests(opts.output, recipe));
    return manifests.get(recipe)!;
  };
  if (opts.channel === 'stable') await stableCells(opts, recipes, sources, result, progress, manifestsOf);
  else await trunkCells(opts, recipes, sources, result, progress);
  await dropArchAllOnlyExtras(recipes, result);
  result.matrix.include = orderForCap(
    result.matrix.include,
    await readCiAttempts(opts.output),
    await lastPublished(new Set(result.matrix.include.map((c) => c.recipe)), manifestsOf),
  );
  const deferred = capMatrix(result);
  if (deferred) progress.warn(`${deferred} recipe(s) deferred to the next run: GitHub runs at most ${MAX_MATRIX_JOBS} jobs per matrix`);
  return result;
}

/**
 * A recipe whose packages are all `Architecture: all` builds once, on a target's first
 * architecture (the build skips the others): its other cells would deliver nothing, be recorded
 * as failed and be planned again every run, so they are left out here.
 */
async function dropArchAllOnlyExtras(recipes: readonly Recipe[], result: MatrixResult): Promise<void> {
  for (const r of recipes) {
    const extra = (c: MatrixCell) => {
      const t = r.targets.find((x) => x.id === c.target);
      return c.recipe === r.name && t?.format === 'deb' && c.arch !== t.arches[0];
    };
    if (!result.matrix.include.some(extra) || !(await builderFor('deb').archIndependentOnly?.(r))) continue;
    for (const c of result.matrix.include.filter(extra))
      result.skipped.push({
        recipe: r.name,
        target: buildKey(c.target, c.arch),
        reason: 'Architecture: all only: built once, on the first architecture',
      });
    result.matrix.include = result.matrix.include.filter((c) => !extra(c));
  }
}

/**
 * The order recipes enter the matrix, which decides what the 256-job cap defers: recipes whose
 * cells keep failing for what they are to build now go last, then those published longest ago
 * first (so a recipe deferred last run comes before one that published then), then recipe
 * order. Cells of one recipe stay together. Pure.
 */
export function orderForCap(cells: readonly MatrixCell[], attempts: CiAttempts, published: ReadonlyMap<string, string>): MatrixCell[] {
  const recipes = [...new Set(cells.map((c) => c.recipe))];
  const failures = new Map(recipes.map((r) => [r, Math.max(...cells.filter((c) => c.recipe === r).map((c) => failuresOf(attempts, c)))]));
  const order = recipes
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) => failures.get(a.r)! - failures.get(b.r)! || (published.get(a.r) ?? '').localeCompare(published.get(b.r) ?? '') || a.i - b.i,
    )
    .map((x) => x.r);
  return order.flatMap((r) => cells.filter((c) => c.recipe === r));
}

/** When each recipe last had a build published (newest builtAt of its published manifests). */
async function lastPublished(
  recipes: ReadonlySet<string>,
  manifestsOf: (recipe: string) => Promise<PublishedBuild[]>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of recipes) {
    const newest = (await manifestsOf(r))
      .map((m) => m.builtAt ?? '')
      .sort()
      .pop();
    if (newest) out.set(r, newest);
  }
  return out;
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

async function stableCells(
  opts: MatrixOptions,
  recipes: Recipe[],
  sources: UpstreamSources,
  result: MatrixResult,
  progress: Progress,
  manifestsOf: (recipe: string) => Promise<PublishedBuild[]>,
) {
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
        const reason = a instanceof Error ? `upstream: ${a.message.split('\n')[0]}` : 'upstream has no release';
        result.skipped.push({ recipe: r.name, reason });
        if (a instanceof Error) result.problems.push({ recipe: r.name, message: reason, file: r.file, field: 'upstream' });
        continue;
      }
      const hash = await recipeHash(r);
      const built = await manifestsOf(r.name);
      for (const t of r.targets) {
        const have = publishedUpstream(suites, r.name, t, suiteFor(opts.recipesRepo, t, 'stable'));
        if (!have || compareUpstreamVersions(latest.version, have) > 0) {
          result.matrix.include.push(...archCells(t, { recipe: r.name, target: t.id, channel: 'stable', version: latest.version }));
          continue;
        }
        // Same upstream version: rebuild when the packaging (recipe folder) changed since.
        const m = built.find((b) => b.target === t.id && b.channel !== 'trunk' && b.upstreamVersion === have);
        if (!m?.recipeHash || m.recipeHash === hash) {
          result.skipped.push({ recipe: r.name, target: t.id, reason: `published ${have} is up to date` });
          continue;
        }
        const next = `${have}-${r.config.revision}${t.versionSuffix}`;
        if (next === m.packageVersion) {
          // The same version with other bytes: the pool refuses it at publish, and users' apt/dnf
          // would never see it. Caught here, before a build.
          const message = `the packaging of ${r.name} changed since ${m.packageVersion} was built for ${t.id}, but revision "${r.config.revision}" was not bumped: a rebuild would be the same version with other bytes`;
          result.skipped.push({ recipe: r.name, target: t.id, reason: message });
          result.problems.push({ recipe: r.name, target: t.id, message, file: r.file, field: 'revision' });
          continue;
        }
        result.matrix.include.push(...archCells(t, { recipe: r.name, target: t.id, channel: 'stable', version: have }));
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
      // Per target: a target whose cell failed last time is built again even if HEAD stood still.
      // Per architecture too: a failed arm64 cell is planned again while amd64 stays built.
      for (const t of r.targets) {
        const stale: string[] = [];
        for (const arch of t.arches) {
          const key = buildKey(t.id, arch);
          if (trunkCommitOf(state, key) === head.commit)
            result.skipped.push({ recipe: r.name, target: key, reason: `trunk is already built from ${head.commit.slice(0, 7)}` });
          else stale.push(arch);
        }
        // The build job has no published state: it gets the guard's bound from here. A retry of
        // the commit the other targets published is bounded by nothing newer than itself.
        const previous = state && state.commit !== head.commit ? state.version : undefined;
        if (stale.length)
          result.matrix.include.push(
            ...archCells(
              t,
              { recipe: r.name, target: t.id, channel: 'trunk', commit: head.commit, ...(previous ? { previous } : {}) },
              stale,
            ),
          );
      }
    } catch (e) {
      const reason = `upstream: ${(e as Error).message.split('\n')[0]}`;
      result.skipped.push({ recipe: r.name, reason });
      result.problems.push({ recipe: r.name, message: reason, file: r.file, field: 'upstream' });
    }
  }
}

interface PublishedBuild {
  target?: string;
  channel?: string;
  upstreamVersion?: string;
  packageVersion?: string;
  recipeHash?: string;
  builtAt?: string;
}

/** The build manifests the published site holds for `recipe` (`builds/<recipe>/<suite>/manifest.json`). */
async function publishedBuildManifests(output: string, recipe: string): Promise<PublishedBuild[]> {
  const dir = join(output, 'builds', recipe);
  const out: PublishedBuild[] = [];
  for (const suite of await readdir(dir).catch(() => [] as string[])) {
    const text = await readFile(join(dir, suite, 'manifest.json'), 'utf8').catch(() => undefined);
    try {
      if (text) out.push(JSON.parse(text) as PublishedBuild);
    } catch {
      // A damaged manifest only means: compare versions alone for that suite.
    }
  }
  return out;
}

/** The plan as Markdown for $GITHUB_STEP_SUMMARY: what builds, what needs someone, what was left out. */
export function matrixSummary(result: MatrixResult): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`### pkgtrack plan (${result.channel})`, '', `${result.matrix.include.length} cell(s) to build.`, ''];
  if (result.matrix.include.length) {
    lines.push('| recipe | target | arch | builds |', '|---|---|---|---|');
    for (const c of result.matrix.include)
      lines.push(
        `| ${cell(c.recipe)} | ${cell(c.target)} | ${cell(c.arch)}${c.emulated ? ' (emulated)' : ''} | ${cell(c.version ?? c.commit ?? '')} |`,
      );
    lines.push('');
  }
  if (result.problems.length) {
    lines.push(`**${result.problems.length} problem(s) need someone:**`, '', '| recipe | target | problem | where |', '|---|---|---|---|');
    for (const p of result.problems)
      lines.push(
        `| ${cell(p.recipe)} | ${cell(p.target ?? '')} | ${cell(p.message)} | ${cell([p.file, p.field].filter(Boolean).join(' '))} |`,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

/** Append the plan to the GitHub step summary file (GITHUB_STEP_SUMMARY), when there is one. */
export async function writeMatrixSummary(result: MatrixResult, path: string | undefined): Promise<void> {
  if (path) await appendFile(path, matrixSummary(result));
}
