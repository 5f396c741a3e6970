/**
 * `pkgtrack nightly`: the trunk channel, unattended. Per recipe with a trunk channel: resolve
 * upstream HEAD, skip when the published trunk state already has it, compute the snapshot
 * version and refuse it unless it sorts right in dpkg and rpm, build every target, publish to the
 * trunk suites, record the new trunk state in the published repository. A patch that no longer
 * applies marks the recipe "broken on trunk" and keeps the last good build published; other
 * recipes go on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { extractArchive } from '../../patches/extract.js';
import { loadRecipes, type Recipe, type RecipesRepository } from '../../recipe/load.js';
import { buildKey } from '../../recipe/targets.js';
import { createUpstreamSources, type UpstreamSources } from '../../upstream/index.js';
import type { ContainerEngine } from '../../containers/engine.js';
import type { Signer } from '../../sign/signer.js';
import { buildRecipes, type TargetBuild } from '../build/build.js';
import { toRecipeUpstream } from '../check/check.js';
import { suiteFor } from '../ci/matrix.js';
import { fetchSource } from '../fetch/fetch.js';
import { applyPatchQueue } from '../patches/queue.js';
import { publish } from '../publish/publish.js';
import { trunkGuardProblems, trunkVersionRefused } from './guard.js';
import { readTrunkState, writeTrunkState } from './trunk-state.js';

export type NightlyOutcome = 'published' | 'skipped' | 'broken-on-trunk' | 'refused' | 'failed';

export interface NightlyRecipe {
  recipe: string;
  branch?: string;
  commit?: string;
  version?: string;
  previous?: { commit: string; version: string };
  outcome: NightlyOutcome;
  reason: string;
  targets: Array<{
    target: string;
    suite: string;
    result: TargetBuild['result'] | 'not-built';
    packageVersion?: string;
    log?: string;
    error?: string;
  }>;
}

export interface NightlyResult {
  output: string;
  recipes: NightlyRecipe[];
  published: number;
  failed: number;
}

export interface NightlyOptions {
  recipesRepo: RecipesRepository;
  recipes?: readonly string[];
  targets?: readonly string[];
  /** Published output directory (pkgtrack.yaml `output`). */
  output: string;
  /** Read the last trunk state from the published site instead of `output`. */
  stateUrl?: string;
  /** Build and publish even when HEAD did not move. */
  force?: boolean;
  dryRun?: boolean;
  pkgtrackVersion: string;
  progress?: Progress;
  sources?: Partial<UpstreamSources>;
  engine?: ContainerEngine;
  signer?: Signer;
  outDir?: string;
  now?: () => Date;
}

const BROKEN_CODES = new Set(['PATCH_FAILED', 'PATCH_ALREADY_APPLIED', 'PATCH_NOT_FOUND']);

/** Why the recipe's queue does not apply (fuzz 0, as a build) to the unpacked tarball, if it does not. */
async function patchQueueProblem(recipe: Recipe, tarball: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-nightly-'));
  try {
    const x = await extractArchive(tarball, join(dir, 'src'));
    await applyPatchQueue(recipe, x.topDir ? join(dir, 'src', x.topDir) : join(dir, 'src'), { fuzz: 0 });
    return undefined;
  } catch (e) {
    if (e instanceof PkgtrackError && BROKEN_CODES.has(e.code)) return e.message;
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runNightly(opts: NightlyOptions): Promise<NightlyResult> {
  const progress = opts.progress ?? silentProgress;
  const sources = { ...createUpstreamSources({ progress }), ...opts.sources };
  const all = await loadRecipes(opts.recipesRepo, opts.recipes ?? []);
  const recipes = all.filter((r) => r.config.channels.trunk?.enabled);
  const result: NightlyResult = { output: opts.output, recipes: [], published: 0, failed: 0 };
  for (const r of all.filter((x) => !x.config.channels.trunk?.enabled)) {
    if (opts.recipes?.includes(r.name))
      result.recipes.push({ recipe: r.name, outcome: 'skipped', reason: 'no trunk channel in its recipe', targets: [] });
  }
  for (const recipe of recipes) {
    const one = await nightlyRecipe(opts, recipe, sources, progress).catch(
      (e: Error): NightlyRecipe => ({ recipe: recipe.name, outcome: 'failed', reason: e.message.split('\n')[0] ?? String(e), targets: [] }),
    );
    result.recipes.push(one);
    if (one.outcome === 'published') result.published++;
    if (one.outcome === 'failed' || one.outcome === 'refused' || one.outcome === 'broken-on-trunk') result.failed++;
  }
  return result;
}

async function nightlyRecipe(opts: NightlyOptions, recipe: Recipe, sources: UpstreamSources, progress: Progress): Promise<NightlyRecipe> {
  const src = sources[recipe.config.upstream.kind];
  if (!src.head)
    return { recipe: recipe.name, outcome: 'skipped', reason: `${recipe.config.upstream.kind} upstreams have no trunk`, targets: [] };
  const ru = toRecipeUpstream(recipe);
  progress.step(`${recipe.name}: resolving upstream HEAD`);
  const head = await src.head(ru, recipe.config.channels.trunk?.branch);
  const previous = await readTrunkState(recipe.name, { output: opts.output, url: opts.stateUrl });
  const base: NightlyRecipe = {
    recipe: recipe.name,
    branch: head.branch,
    commit: head.commit,
    ...(previous ? { previous: { commit: previous.commit, version: previous.version } } : {}),
    outcome: 'skipped',
    reason: '',
    targets: [],
  };
  if (previous?.commit === head.commit && !opts.force) {
    return { ...base, version: previous.version, reason: `no new upstream commit since ${previous.version}` };
  }

  // The source and its snapshot version; the guardrail runs before any build.
  const fetched = await fetchSource(opts.recipesRepo, recipe, { trunk: true, progress });
  const version = fetched.version;
  const problems = await trunkGuardProblems(opts.recipesRepo, recipe, version, src, {
    output: opts.output,
    ...(previous ? { previous: previous.version } : {}),
  });
  if (problems.length) {
    const refused = trunkVersionRefused(recipe, version, problems);
    return { ...base, version, outcome: 'refused', reason: `${refused.message}. ${refused.fix}` };
  }
  // The queue must apply to trunk before any container starts: say which patch, file and hunk.
  const queueProblem = await patchQueueProblem(recipe, fetched.origTarball);
  if (queueProblem) {
    return {
      ...base,
      version,
      outcome: 'broken-on-trunk',
      reason: `the patch queue no longer applies to ${head.commit.slice(0, 7)}: ${queueProblem}; the last good trunk build stays published. Run \`pkgtrack patches rebase ${recipe.name} --to ${version}\`.`,
    };
  }
  if (opts.dryRun) return { ...base, version, outcome: 'skipped', reason: `dry run: would build and publish ${version}` };

  const summary = await buildRecipes({
    recipesDir: opts.recipesRepo.root,
    recipes: [recipe.name],
    ...(opts.targets?.length ? { targets: [...opts.targets] } : {}),
    trunk: true,
    pkgtrackVersion: opts.pkgtrackVersion,
    progress,
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.outDir ? { outDir: opts.outDir } : {}),
  });
  const targets = recipe.targets.filter((t) => !opts.targets?.length || opts.targets.includes(t.id));
  base.targets = summary.builds.map((b) => {
    const t = targets.find((x) => x.id === b.target);
    return {
      // One entry per architecture (`debian:bookworm/arm64`), as the trunk state and `ci matrix` key them.
      target: buildKey(b.target, b.arch),
      suite: t ? suiteFor(opts.recipesRepo, t, 'trunk') : b.target,
      result: b.result,
      ...(b.version ? { packageVersion: b.version } : {}),
      ...(b.log ? { log: b.log } : {}),
      ...(b.error ? { error: `${b.error.code}: ${b.error.message.split('\n')[0]}` } : {}),
    };
  });
  const broken = summary.builds.find((b) => b.error && BROKEN_CODES.has(b.error.code));
  if (broken) {
    return {
      ...base,
      version,
      outcome: 'broken-on-trunk',
      reason: `the patch queue no longer applies to ${head.commit.slice(0, 7)} (${broken.error!.message.split('\n')[0]}); the last good trunk build stays published. Run \`pkgtrack patches rebase ${recipe.name}\`.`,
    };
  }
  if (summary.failed) {
    return {
      ...base,
      version,
      outcome: 'failed',
      reason: `${summary.failed} target(s) failed to build; nothing published for ${recipe.name}`,
    };
  }
  // Publish each target's build to its trunk suite (keep the newest N nightlies).
  for (const b of summary.builds) {
    const t = targets.find((x) => x.id === b.target);
    if (!t || !b.outDir) continue;
    progress.step(`${recipe.name}: publishing ${b.version ?? version} to ${suiteFor(opts.recipesRepo, t, 'trunk')}`);
    await publish({
      inputs: [b.outDir],
      suite: suiteFor(opts.recipesRepo, t, 'trunk'),
      output: opts.output,
      recipesDir: opts.recipesRepo.root,
      keep: opts.recipesRepo.config.channels.trunk.keep,
      progress,
      ...(opts.signer ? { signer: opts.signer } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }
  await writeTrunkState(opts.output, {
    recipe: recipe.name,
    branch: head.branch,
    commit: head.commit,
    version,
    publishedAt: (opts.now?.() ?? new Date()).toISOString(),
    targets: base.targets.map((t) => ({ target: t.target, suite: t.suite, packageVersion: t.packageVersion ?? version })),
  });
  return { ...base, version, outcome: 'published', reason: `published ${version} from ${head.commit.slice(0, 7)}` };
}
