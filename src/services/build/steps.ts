/**
 * The steps of one (recipe, target) build, each named for what it does. The build service runs
 * them in order (build.ts); the builder tests run the same steps on their own, so a test cannot
 * drift from production (the container step especially: read-only root, limits, no network).
 */
import { totalmem } from 'node:os';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Artifact, Builder, BuildContext, BuildPhase, LintFailOn, LintReport, PreparedSource } from '../../builders/builder.js';
import { CONTAINER_WORK_DIR, formatLintFinding } from '../../builders/builder.js';
import type { Progress } from '../../core/progress.js';
import type { ContainerEngine, RunOutcome } from '../../containers/engine.js';
import { run } from '../../core/exec.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import type { Recipe } from '../../recipe/load.js';
import { DEFAULT_ARCH } from '../../recipe/arches.js';
import { type Target, targetSlug } from '../../recipe/targets.js';
import type { BuildManifest } from './inputs.js';
import { activeWorkDirs, lineSplitter, trackWorkDir } from './support.js';
import { makeDirs } from '../../core/dirs.js';

/** The version the package gets: the builder's own rule when it has one, else upstream-revision+suffix. */
export async function packageVersionFor(builder: Builder, recipe: Recipe, target: Target, upstreamVersion: string): Promise<string> {
  return builder.packageVersion
    ? builder.packageVersion(recipe, target, upstreamVersion)
    : `${upstreamVersion}-${recipe.config.revision}${target.versionSuffix}`;
}

/** A fresh work dir under `<recipes repository>/.pkgtrack/work`, removed on exit even after Ctrl-C. */
export async function createWorkDir(recipesRoot: string, recipe: Recipe, target: Target): Promise<string> {
  const parent = join(recipesRoot, '.pkgtrack', 'work');
  await makeDirs(parent);
  const dir = await mkdtemp(join(parent, `${recipe.name}-${targetSlug(target)}-`));
  trackWorkDir(dir);
  return dir;
}

export async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  activeWorkDirs.delete(dir);
}

export interface ContainerBuild {
  engine: ContainerEngine;
  /** The dependency image (base + build dependencies). */
  image: string;
  builder: Builder;
  context: BuildContext;
  prepared: PreparedSource;
  timeoutMs: number;
  /** Container memory limit (default: defaultBuildMemory()). */
  memory?: string | undefined;
  log?: WriteStream | undefined;
  onOutput?: ((chunk: string) => void) | undefined;
}

/**
 * The build container's memory limit when none is given: three quarters of the host's memory,
 * at least 4 GiB. A limit keeps a runaway test suite from taking the host down; a fixed small
 * one failed real packages that build on Debian's buildds, which have no such limit (zstd's
 * test suite compresses at --ultra -22: 4 GiB resident, killed under a 4g limit).
 */
export function defaultBuildMemory(total = totalmem()): string {
  return `${Math.max(4, Math.floor((total * 0.75) / 2 ** 30))}g`;
}

/**
 * Hands the prepared work dir to the build user and runs the builder's step in the dependency
 * image: no network, read-only root, the work dir the only writable mount, memory and pid limits.
 */
export async function runBuildContainer(b: ContainerBuild): Promise<RunOutcome> {
  const step = b.builder.buildStep(b.context, b.prepared);
  const identity = await b.engine.buildIdentity();
  if (identity.chownTo)
    await run('chown', ['-R', `${identity.chownTo.uid}:${identity.chownTo.gid}`, b.context.workDir], { what: 'chown work dir' });
  return b.engine.run({
    image: b.image,
    argv: step.argv,
    env: step.env,
    workdir: step.cwd,
    user: identity.user,
    network: 'none',
    // A foreign architecture runs under qemu-user (containers/emulation.ts checked binfmt_misc).
    ...(b.context.target.arch !== DEFAULT_ARCH ? { arch: b.context.target.arch } : {}),
    readOnlyRoot: true,
    mounts: [{ host: b.context.workDir, container: CONTAINER_WORK_DIR }],
    limits: { memory: b.memory ?? defaultBuildMemory(), pids: 4096 },
    ...(b.log ? { log: b.log } : {}),
    timeoutMs: b.timeoutMs,
    ...(b.onOutput ? { onOutput: b.onOutput } : {}),
  });
}

/** An empty staging dir beside the target's out dir: outputs are collected there, then swapped in. */
export async function createStaging(targetOut: string): Promise<string> {
  const staging = `${targetOut}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await makeDirs(staging);
  return staging;
}

/** Writes the manifest into staging and swaps it in: the out dir holds a whole build or the previous one. */
export async function installOutputs(staging: string, targetOut: string, manifest: BuildManifest): Promise<void> {
  await writeFileAtomic(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await rm(targetOut, { recursive: true, force: true });
  await rename(staging, targetOut);
}

/** Lint counts as the manifest and the build summary report them. */
export function lintCounts(lint: LintReport): { tool: string; errors: number; warnings: number; failed: boolean } {
  return {
    tool: lint.tool,
    errors: lint.findings.filter((f) => f.severity === 'error').length,
    warnings: lint.findings.filter((f) => f.severity === 'warning').length,
    failed: lint.failed,
  };
}

/** Seconds spent in each phase (engine, image, prepare, container, collect, lint) and in all. */
export function phaseClock() {
  const t0 = Date.now();
  let mark = t0;
  const phases: Record<string, number> = {};
  const tenths = (ms: number) => Math.round(ms / 100) / 10;
  return {
    phase(name: string) {
      const now = Date.now();
      phases[name] = tenths(now - mark);
      mark = now;
    },
    finish<T extends object>(b: T): T & { phases?: Record<string, number>; seconds: number } {
      return { ...b, ...(Object.keys(phases).length ? { phases } : {}), seconds: tenths(Date.now() - t0) };
    },
  };
}

export async function openLog(path: string): Promise<WriteStream> {
  await makeDirs(dirname(path));
  return createWriteStream(path, { flags: 'w', mode: 0o644 });
}

export function lintLevel(recipe: Recipe, target: Target): LintFailOn {
  return target.format === 'rpm' ? recipe.config.build.rpmlintFailOn : recipe.config.build.lintianFailOn;
}

/**
 * Lint stages that can start while the container still builds (lintian on the source package
 * once dpkg-source has written it). `onOutput` watches the build's lines; `settled` waits for
 * every stage started, and never rejects: a stage that could not run is linted after the build.
 */
export function earlyLint(progress: Progress, label: string, builder: Builder, bctx: BuildContext, failOn: LintFailOn, enabled = true) {
  const stages = enabled && builder.lint ? (builder.lintStages ?? []) : [];
  const early: Array<Promise<LintReport | undefined>> = [];
  return {
    onOutput: lineSplitter((line) => {
      stages.forEach((stage, i) => {
        if (early[i] || !stage.readyWhen.test(line)) return;
        progress.step(`${label}: lintian on ${stage.what} (while the build goes on)`);
        early[i] = stage.run(bctx, failOn).catch(() => undefined);
      });
    }),
    settled: () => Promise.all(stages.map((_, i) => early[i] ?? Promise.resolve(undefined))),
  };
}

export interface BuiltResult {
  result: 'built' | 'failed';
  artifacts: string[];
  outDir: string;
  lint?: { tool: string; errors: number; warnings: number; failed: boolean; findings: string[] };
  error?: { code: string; message: string; fix?: string };
}

/** `built`, or `failed` with LINT_FAILED when lint found something at or above the fail level. */
export function builtResult(
  recipe: Recipe,
  target: Target,
  outDir: string,
  artifacts: Artifact[],
  lint: LintReport | undefined,
): BuiltResult {
  const names = artifacts.map((a) => a.name);
  if (!lint) return { result: 'built', artifacts: names, outDir };
  const summary = { ...lintCounts(lint), findings: lint.findings.map(formatLintFinding) };
  if (!lint.failed) return { result: 'built', artifacts: names, outDir, lint: summary };
  return {
    result: 'failed',
    artifacts: names,
    outDir,
    lint: summary,
    error: {
      code: 'LINT_FAILED',
      message: `${lint.tool} reported findings at or above the fail level "${lintLevel(recipe, target)}"`,
      fix: 'Fix the packaging, add a lintian override, or lower build.lintianFailOn in the recipe.',
    },
  };
}

/**
 * A long build is not silent: each of the builder's phases is announced when its output shows
 * it (compiling, the test suite, packaging, ...), every `everyMs` a line says how long it has
 * been running and the last line it printed, and with `-v` (progress.debug) every line of the
 * build's log streams to stderr as it is written.
 */
export function buildHeartbeat(
  progress: Progress,
  label: string,
  forward: (chunk: string) => void,
  phases: readonly BuildPhase[] = [],
  everyMs = 60_000,
) {
  const t0 = Date.now();
  let last = '';
  const announced = new Set<BuildPhase>();
  const lines = lineSplitter((line) => {
    progress.debug(`| ${line}`);
    if (line.trim()) last = line.trim();
    const phase = phases.find((p) => !announced.has(p) && p.when.test(line));
    if (phase) {
      announced.add(phase);
      progress.step(`${label}: ${phase.phase}`);
    }
  });
  const timer = setInterval(() => {
    const min = Math.round((Date.now() - t0) / 60_000);
    progress.step(`${label}: still building (${min} min)${last ? `; last line: ${last.slice(0, 160)}` : ''}`);
  }, everyMs);
  timer.unref();
  return {
    onOutput: (chunk: string) => {
      lines(chunk);
      forward(chunk);
    },
    stop: () => clearInterval(timer),
  };
}
