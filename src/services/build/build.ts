/**
 * `pkgtrack build`: for every selected recipe, fetch the upstream source once, then build each
 * target in a container: dependency image (cached), source assembled on the host, the build as
 * a non-root user without network, artifacts collected with a manifest, lint. Same inputs →
 * skipped as up to date without touching the container engine. A failed target never stops the
 * others.
 */
import { mapLimit } from '../../core/concurrency.js';
import { onInterrupt } from '../../core/interrupt.js';
import type { WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildContext } from '../../builders/builder.js';
import { detectEngine } from '../../containers/detect.js';
import { requireArchSupport } from '../../containers/emulation.js';
import type { ContainerEngine } from '../../containers/engine.js';
import { envError } from '../../core/errors.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { DEFAULT_ARCH, validArchList } from '../../recipe/arches.js';
import {
  findRecipesRepositoryRoot,
  loadRecipes,
  loadRecipesRepository,
  type Recipe,
  type RecipesRepository,
  resolveTargets,
} from '../../recipe/load.js';
import { buildsIndep, type Target, targetKey, targetSlug, withArch } from '../../recipe/targets.js';
import { StateStore } from '../../state/store.js';
import { builderFor } from '../../builders/registry.js';
import { buildFailed, errorOf, memoryLimitFlag, queuedPatches } from './support.js';
import {
  builtResult,
  createStaging,
  createWorkDir,
  earlyLint,
  installOutputs,
  lintCounts,
  lintLevel,
  buildHeartbeat,
  defaultBuildMemory,
  openLog,
  packageVersionFor,
  phaseClock,
  removeWorkDir,
  runBuildContainer,
} from './steps.js';
import {
  artifactsIntact,
  type BuildManifest,
  changelogChanges,
  inputHash,
  lastSuccessfulBuild,
  recipeHash,
  recipeTimestamp,
  recordBuild,
} from './inputs.js';
import { createUpstreamSources } from '../../upstream/index.js';
import { type FetchedSource, fetchSource } from '../fetch/fetch.js';
import { trunkGuardProblems, trunkVersionRefused } from '../nightly/guard.js';
import type { DependencyImage } from '../image/image.js';
import { buildSettingsFor } from '../../recipe/build-settings.js';
import {
  dependencyInputs,
  dependencyRequest,
  type LocalPackage,
  localPackagesOf,
  publishedRepository,
  sharedDependencyImage,
} from './dependencies.js';
import { orderByBuildDepends } from './order.js';

export interface BuildOptions {
  /** Recipes repository; default $PKGTRACK_REPO or the nearest parent with pkgtrack.yaml. */
  recipesDir?: string | undefined;
  recipes?: string[] | undefined;
  /** Target ids; default: each recipe's targets. */
  targets?: string[] | undefined;
  /** Architectures (Debian names, validated); default: each target's `arches`. */
  arches?: string[] | undefined;
  version?: string | undefined;
  trunk?: boolean | undefined;
  /** With trunk: this commit instead of the branch head. */
  commit?: string | undefined;
  /**
   * With trunk: the last published trunk version (what `ci matrix` read from the published
   * state), for a build job that has no published output to read it from.
   */
  trunkPrevious?: string | undefined;
  /** Default: <repo>/out. */
  outDir?: string | undefined;
  /** (recipe, target) builds run at the same time (default 1). */
  jobs?: number | undefined;
  /** Rebuild even when the inputs are unchanged. */
  force?: boolean | undefined;
  /** Run the builder's linter (lintian, rpmlint); default true. */
  lint?: boolean | undefined;
  pkgtrackVersion: string;
  progress?: Progress;
  engine?: ContainerEngine;
  /** Container memory limit, e.g. `16g` (default: three quarters of the host's memory, at least 4g). */
  memory?: string | undefined;
}

/** `skipped`: nothing to build on this architecture (only `Architecture: all` packages, built on the target's first one). */
export type BuildResult = 'built' | 'up-to-date' | 'skipped' | 'failed';

export interface TargetBuild {
  recipe: string;
  target: string;
  /** Debian architecture name. */
  arch: string;
  /** How this host ran the build: natively or under qemu-user emulation. */
  emulated?: boolean;
  version?: string;
  result: BuildResult;
  seconds: number;
  artifacts: string[];
  outDir?: string;
  log?: string;
  error?: { code: string; message: string; fix?: string };
  lint?: { tool: string; errors: number; warnings: number; failed: boolean; findings: string[] };
  /** Seconds spent in each phase (engine, image, prepare, container, collect, lint). */
  phases?: Record<string, number>;
}

export interface BuildSummary {
  outDir: string;
  builds: TargetBuild[];
  failed: number;
}

/** Build every (recipe, target) pair; `jobs` of them at once. */
export async function buildRecipes(opts: BuildOptions): Promise<BuildSummary> {
  // A mistyped --memory fails before anything is read.
  if (opts.memory !== undefined) opts = { ...opts, memory: memoryLimitFlag(opts.memory) };
  const progress = opts.progress ?? silentProgress;
  const recipesRepo = await loadRecipesRepository(await findRecipesRepositoryRoot(opts.recipesDir));
  // A recipe that build-depends on another's packages builds after it, against it.
  const { ordered: recipes, needs } = await orderByBuildDepends(await loadRecipes(recipesRepo, opts.recipes ?? []));
  opts = { ...opts, ...(opts.arches ? { arches: validArchList(opts.arches) } : {}) };
  const outDir = resolve(opts.outDir ?? join(recipesRepo.root, 'out'));
  const store = StateStore.open(recipesRepo.root);
  const ctx: RunContext = { opts, recipesRepo, store, outDir, progress, engine: opts.engine, depsLocks: new Map(), finished: new Map() };
  try {
    const jobs = Math.max(1, opts.jobs ?? 1);
    // Targets first: a mistyped -t fails before anything is downloaded.
    const targets = recipes.map((r) => targetsOf(ctx, r));
    // Fetch each recipe once, then build every (recipe, target) pair, `jobs` at a time.
    const sources = await mapLimit(recipes, jobs, (r) => fetchRecipe(ctx, r));
    const tasks: Array<() => Promise<TargetBuild>> = [];
    recipes.forEach((recipe, i) => {
      const src = sources[i]!;
      for (const t of targets[i]!) {
        if ('error' in src)
          tasks.push(async () => ({
            recipe: recipe.name,
            target: t.id,
            arch: t.arch,
            result: 'failed',
            seconds: 0,
            artifacts: [],
            error: src.error,
          }));
        else
          tasks.push(() =>
            buildAfter(ctx, recipe, t, needs.get(recipe.name) ?? [], (local) => buildTarget(ctx, recipe, t, src.source, local)),
          );
      }
    });
    const finished: TargetBuild[] = [];
    const stopReporting = onInterrupt(() => interruptedSummary(finished, tasks.length, outDir));
    try {
      const builds = await mapLimit(tasks, jobs, async (task) => {
        const b = await task();
        finished.push(b);
        return b;
      });
      return { outDir, builds, failed: builds.filter((b) => b.result === 'failed').length };
    } finally {
      stopReporting();
    }
  } finally {
    store.close();
  }
}

/**
 * Runs a (recipe, target) build once the builds of the recipes it build-depends on (`needed`,
 * same target) finished, with their packages; fails without building when one of them failed.
 */
function buildAfter(
  ctx: RunContext,
  recipe: Recipe,
  target: Target,
  needed: readonly string[],
  build: (local: LocalPackage[]) => Promise<TargetBuild>,
): Promise<TargetBuild> {
  const p = (async (): Promise<TargetBuild> => {
    const local: LocalPackage[] = [];
    for (const name of needed) {
      let dep = await ctx.finished.get(`${name}\0${targetKey(target)}`);
      // Architecture: all only: built on the target's first architecture.
      if (dep?.result === 'skipped') dep = await ctx.finished.get(`${name}\0${targetKey(withArch(target, target.arches[0]!))}`);
      if (!dep) continue;
      if (dep.result === 'failed')
        return {
          recipe: recipe.name,
          target: target.id,
          arch: target.arch,
          result: 'failed',
          seconds: 0,
          artifacts: [],
          error: {
            code: 'BUILD_DEPENDENCY_FAILED',
            message: `${recipe.name} build-depends on packages of ${name}, whose build for ${targetKey(target)} failed`,
            fix: `Fix the build of ${name} first (its log: ${dep.log ?? 'see above'}), then build both again.`,
          },
        };
      if (dep.outDir) local.push(...(await localPackagesOf(dep.outDir, dep.artifacts)));
    }
    return build(local);
  })();
  ctx.finished.set(`${recipe.name}\0${targetKey(target)}`, p);
  return p;
}

/** What Ctrl-C leaves: the builds that finished (their outputs are whole), and how many did not. */
function interruptedSummary(finished: readonly TargetBuild[], total: number, outDir: string): string {
  const done = finished.map((b) => `${b.recipe} ${b.target} ${b.result}`);
  return `${finished.length} of ${total} build(s) finished${done.length ? ` (${done.join(', ')}; outputs in ${outDir})` : ''}; the ${total - finished.length} unfinished left nothing behind — run the same command again to build them`;
}

interface RunContext {
  opts: BuildOptions;
  recipesRepo: RecipesRepository;
  store: StateStore;
  outDir: string;
  progress: Progress;
  engine: ContainerEngine | undefined;
  /** One dependency-image creation per target at a time. */
  depsLocks: Map<string, Promise<DependencyImage>>;
  /** Each (recipe, target) build of the run, by `recipe\0targetKey`, for the builds that need its packages. */
  finished: Map<string, Promise<TargetBuild>>;
}

/** (target, architecture) pairs: the selected targets (as the recipe configures them) times the selected or configured arches. */
function targetsOf(ctx: RunContext, recipe: Recipe): Target[] {
  const backports = ctx.recipesRepo.config.channels.stable.backports;
  const configured = ctx.opts.targets?.length
    ? ctx.opts.targets.map(
        (id) => recipe.targets.find((t) => t.id === id) ?? resolveTargets([id], { backports, arches: recipe.config.arches })[0]!,
      )
    : recipe.targets;
  return configured.flatMap((t) => (ctx.opts.arches?.length ? ctx.opts.arches : t.arches).map((a) => withArch(t, a)));
}

async function fetchRecipe(
  ctx: RunContext,
  recipe: Recipe,
): Promise<{ source: FetchedSource } | { error: NonNullable<TargetBuild['error']> }> {
  try {
    ctx.progress.step(`${recipe.name}: fetching upstream source`);
    const source = await fetchSource(ctx.recipesRepo, recipe, {
      ...(ctx.opts.version ? { version: ctx.opts.version } : {}),
      ...(ctx.opts.trunk ? { trunk: true } : {}),
      ...(ctx.opts.trunk && ctx.opts.commit ? { commit: ctx.opts.commit } : {}),
      progress: ctx.progress,
    });
    if (ctx.opts.trunk) {
      // Never build (and so never publish) a snapshot that sorts wrong in dpkg or rpm.
      const upstream = createUpstreamSources({ progress: ctx.progress })[recipe.config.upstream.kind];
      const problems = await trunkGuardProblems(ctx.recipesRepo, recipe, source.version, upstream, {
        ...(ctx.opts.trunkPrevious ? { previous: ctx.opts.trunkPrevious } : {}),
        ...(source.git ? { commit: source.git.commit } : {}),
      });
      if (problems.length) throw trunkVersionRefused(recipe, source.version, problems);
    }
    return { source };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

async function buildTarget(
  ctx: RunContext,
  recipe: Recipe,
  target: Target,
  source: FetchedSource,
  local: LocalPackage[] = [],
): Promise<TargetBuild> {
  const startedAt = new Date();
  const clock = phaseClock();
  const base: TargetBuild = { recipe: recipe.name, target: target.id, arch: target.arch, result: 'failed', seconds: 0, artifacts: [] };
  const key = targetKey(target);
  const done = (b: Partial<TargetBuild>): TargetBuild => clock.finish({ ...base, ...b });
  let log: WriteStream | undefined;
  let workDir: string | undefined;
  let hash = '';
  try {
    const builder = builderFor(target.format);
    if (target.format === 'rpm' && target.arch !== DEFAULT_ARCH) {
      throw envError(
        'ARCH_RPM_UNSUPPORTED',
        `${target.id}: pkgtrack builds rpm targets for ${DEFAULT_ARCH} (x86_64) only so far, not ${target.arch}`,
        `Leave ${target.arch} out of this target's arches (give the rpm target its own \`arches: [${DEFAULT_ARCH}]\`).`,
        { target: target.id, arch: target.arch },
      );
    }
    if (!buildsIndep(target) && (await builder.archIndependentOnly?.(recipe))) {
      ctx.progress.step(`${recipe.name} for ${key}: only Architecture: all packages, built on ${target.arches[0]}; nothing to build`);
      return done({ result: 'skipped' });
    }
    const packageVersion = await packageVersionFor(builder, recipe, target, source.version);
    base.version = packageVersion;
    const recipeDigest = await recipeHash(recipe);
    const settings = buildSettingsFor(recipe, target);
    const request = await dependencyRequest(ctx.recipesRepo.root, await builder.buildDependencies(recipe), settings, local, () =>
      publishedRepository(ctx.recipesRepo.config, ctx.recipesRepo.root, publishSuite(ctx, target)),
    );
    hash = inputHash({
      ...buildInputs(ctx, recipe, target, source, packageVersion, recipeDigest),
      ...(target.format === 'deb' ? { chroot: 'buildd', ...dependencyInputs(request, settings) } : {}),
    });
    const targetOut = join(ctx.outDir, targetSlug(target), recipe.name);
    const upToDate = ctx.opts.force ? undefined : await unchangedBuild(ctx, recipe, target, hash, targetOut);
    if (upToDate) {
      ctx.progress.step(`${recipe.name} ${packageVersion} for ${key}: up to date`);
      return done({ result: 'up-to-date', artifacts: upToDate.manifest!.artifacts.map((a) => a.name), outDir: targetOut });
    }
    const logPath = join(ctx.outDir, 'logs', `${recipe.name}_${targetSlug(target)}.log`);
    log = await openLog(logPath);
    base.log = logPath;
    ctx.progress.step(`${recipe.name} ${packageVersion} for ${key}: building (log: ${logPath})`);
    clock.phase('inputs');

    const engine = (ctx.engine ??= await detectEngine());
    base.emulated = (await requireArchSupport(target)) === 'emulated';
    clock.phase('engine');
    const image = await sharedDependencyImage(ctx.depsLocks, engine, builder, target, request, ctx.progress, log, {
      recipesRoot: ctx.recipesRepo.root,
      local,
    });
    if (image.reused) ctx.progress.step(`${recipe.name} for ${key}: build dependencies already installed (${image.ref})`);
    workDir = await createWorkDir(ctx.recipesRepo.root, recipe, target);
    const bctx = await buildContext(ctx, recipe, target, source, packageVersion, workDir);
    clock.phase('image');
    const prepared = await builder.prepare(bctx);
    clock.phase('prepare');

    const failOn = lintLevel(recipe, target);
    const label = `${recipe.name} ${packageVersion} for ${key}`;
    const linting = ctx.opts.lint !== false && builder.lint !== undefined;
    const early = earlyLint(ctx.progress, label, builder, bctx, failOn, linting);
    ctx.progress.step(`${label}: building in the container (no network)`);
    const heartbeat = buildHeartbeat(ctx.progress, label, early.onOutput, builder.buildPhases);
    const memory = ctx.opts.memory ?? recipe.config.build.memory?.toLowerCase();
    const r = await runBuildContainer({
      engine,
      image: image.ref,
      builder,
      context: bctx,
      prepared,
      memory,
      log,
      timeoutMs: recipe.config.build.timeoutMinutes * 60_000,
      onOutput: heartbeat.onOutput,
    }).finally(heartbeat.stop);
    // Settled before any return or throw: no lintian left running.
    const earlyReports = await early.settled();
    if (r.code !== 0) throw buildFailed(r.code, r.output, logPath, target, memory ?? defaultBuildMemory());

    const staging = await createStaging(targetOut);
    clock.phase('container');
    ctx.progress.step(`${label}: collecting the packages`);
    const artifacts = await builder.collect(bctx, prepared, staging);
    clock.phase('collect');
    const linter = target.format === 'rpm' ? 'rpmlint' : 'lintian';
    ctx.progress.step(linting ? `${label}: ${linter} results` : `${label}: ${linter} skipped (--no-lint)`);
    const lint = linting ? await builder.lint!(bctx, staging, artifacts, failOn, earlyReports) : undefined;
    clock.phase('lint');
    const manifest: BuildManifest = {
      recipe: recipe.name,
      target: target.id,
      arch: target.arch,
      suite: publishSuite(ctx, target),
      channel: ctx.opts.trunk ? 'trunk' : 'stable',
      ...(source.git ? { commit: source.git.commit } : {}),
      ...(source.git?.branch ? { branch: source.git.branch } : {}),
      format: target.format,
      upstreamVersion: source.version,
      packageVersion,
      upstream: { sha256: source.sha256, ...(source.sourceUrl ? { url: source.sourceUrl } : {}), method: source.method },
      recipeHash: recipeDigest,
      inputHash: hash,
      image: { ref: image.ref, id: image.id, base: image.base.ref, baseId: image.base.id, baseOrigin: image.base.origin },
      engine: engine.name,
      pkgtrackVersion: ctx.opts.pkgtrackVersion,
      sourceDateEpoch: prepared.sourceDateEpoch,
      patches: bctx.patches.map((p) => p.name),
      artifacts,
      ...(lint ? { lint: lintCounts(lint) } : {}),
      builtAt: new Date().toISOString(),
    };
    await installOutputs(staging, targetOut, manifest);
    recordBuild(ctx.store, {
      recipe: recipe.name,
      target: key,
      version: packageVersion,
      inputHash: hash,
      result: lint?.failed ? 'failed' : 'ok',
      outDir: targetOut,
      manifest,
      startedAt,
    });
    return done(builtResult(recipe, target, targetOut, artifacts, lint));
  } catch (e) {
    if (hash)
      recordBuild(ctx.store, {
        recipe: recipe.name,
        target: key,
        version: base.version ?? '',
        inputHash: hash,
        result: 'failed',
        startedAt,
      });
    return done({ result: 'failed', error: errorOf(e) });
  } finally {
    if (log) await new Promise<void>((res) => log!.end(res));
    if (workDir) await removeWorkDir(workDir);
  }
}

/** Everything that decides the build's bytes: the same inputs give a build skipped as up to date. */
function buildInputs(ctx: RunContext, recipe: Recipe, target: Target, source: FetchedSource, packageVersion: string, recipeDigest: string) {
  return {
    recipe: recipe.name,
    target: target.id,
    // amd64 builds keep the inputs (and so the up-to-date verdicts) they had before arches.
    ...(target.arch !== DEFAULT_ARCH ? { arch: target.arch } : {}),
    ...(buildsIndep(target) ? {} : { archOnly: true }),
    format: target.format,
    upstreamVersion: source.version,
    packageVersion,
    upstreamSha256: source.sha256,
    recipeHash: recipeDigest,
    maintainer: ctx.recipesRepo.config.maintainer,
    pkgtrackVersion: ctx.opts.pkgtrackVersion,
    image: target.image,
    versionSuffix: target.versionSuffix,
    // Whether -dbgsym packages are made changes the outputs: builds from before they were
    // (noddebs was the default) are not up to date.
    ...(target.format === 'deb' ? { debugSymbols: recipe.debugSymbols !== false } : {}),
    // Not an input: whether the source package carries upstream's orig .asc. A rebuild of a
    // version already published makes other bytes (changelog entry, build ids), which publish
    // must refuse (POOL_IMMUTABLE): builds from before stay up to date, the next version has it.
  };
}

/** The last successful build with these inputs, when its outputs are still in place. */
async function unchangedBuild(ctx: RunContext, recipe: Recipe, target: Target, hash: string, targetOut: string) {
  const prev = lastSuccessfulBuild(ctx.store, recipe.name, targetKey(target), hash);
  // A build made with --no-lint is not up to date for a build that lints.
  const linted = ctx.opts.lint === false || prev?.manifest?.lint !== undefined || !builderFor(target.format).lint;
  return prev && linted && prev.outDir === targetOut && (await artifactsIntact(prev)) ? prev : undefined;
}

/** What the builder needs to know: versions, source, patch queue, changelog entries since the last build. */
async function buildContext(
  ctx: RunContext,
  recipe: Recipe,
  target: Target,
  source: FetchedSource,
  packageVersion: string,
  workDir: string,
): Promise<BuildContext> {
  const patches = await queuedPatches(recipe);
  const previous = lastSuccessfulBuild(ctx.store, recipe.name, targetKey(target));
  const bctx: BuildContext = {
    recipe,
    target,
    upstreamVersion: source.version,
    packageVersion,
    orig: { path: source.origTarball, sha256: source.sha256, ...(source.origSignature ? { signature: source.origSignature } : {}) },
    patches,
    maintainer: ctx.recipesRepo.config.maintainer,
    changes: changelogChanges(
      source.version,
      target,
      patches.map((p) => p.name),
      previous?.manifest,
    ),
    timestamp: await recipeTimestamp(recipe),
    workDir,
    suite: publishSuite(ctx, target),
  };
  const since = recipe.config.backport?.distroVersions[target.id] ?? previous?.manifest?.packageVersion;
  if (since) bctx.changesSince = since;
  return bctx;
}

/** Where `publish` puts the build: the target's publish path plus the channel's suite suffix. */
function publishSuite(ctx: RunContext, target: Target): string {
  const { channels } = ctx.recipesRepo.config;
  return `${target.publishPath}${ctx.opts.trunk ? channels.trunk.suiteSuffix : channels.stable.suiteSuffix}`;
}
