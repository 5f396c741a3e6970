/**
 * `npm run bench -- build`: a warm-cache `pkgtrack build --force` of the bundled hello recipe for
 * debian:bookworm against a plain `dpkg-buildpackage` of the same source in the same dependency
 * image (and against dpkg-buildpackage + lintian, which is what sbuild does by default), plus
 * the time of a rebuild with nothing changed, and the same build for foreign architectures under
 * qemu-user (`PKGTRACK_BENCH_EMULATED`, default `arm64`; e.g. `arm64,armhf`, or `none`; runs:
 * `PKGTRACK_BENCH_EMULATED_RUNS`, default 1) against amd64.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BuildContext } from '../src/builders/builder.js';
import { DebBuilder } from '../src/builders/deb/index.js';
import { PodmanEngine } from '../src/containers/podman.js';
import { loadRecipe, loadRecipesRepository } from '../src/recipe/load.js';
import { scratchRepo } from '../test/build/helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const TARGET = 'debian:bookworm';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function cli(args: string[], cwd: string): Promise<{ code: number; ms: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  return new Promise((res) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b) => (stdout += b));
    c.stderr.on('data', (b) => (stderr += b));
    c.on('close', (code) => res({ code: code ?? -1, ms: performance.now() - t0, stdout, stderr }));
  });
}

/** Seconds per build phase (image, container, lint, ...) of the one build a `build --json` made. */
const phasesOf = (stdout: string): Record<string, number> =>
  (JSON.parse(stdout) as { builds: Array<{ phases?: Record<string, number> }> }).builds[0]?.phases ?? {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The environment pkgtrack's deb build step sets for hello (builders/deb), so both build the same way. */
const HELLO_ENV = {
  HOME: '/tmp',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  DEB_BUILD_OPTIONS: '', // pkgtrack builds the -dbgsym packages (debugSymbols defaults to true)
  DEB_BUILD_MAINT_OPTIONS: 'hardening=+all',
};

interface Measured {
  pk: number[];
  pkNoLint: number[];
  pkContainer: number[];
  plain: number[];
  lint: number[];
}

/**
 * `runs` rounds of: pkgtrack build --force --no-lint, pkgtrack build --force (with lintian), and
 * the peer: the same source package, unpacked by dpkg-source, built by `argv` in the same image
 * with `env`, then lintian. Alternating, so load on a shared machine hits both alike.
 * `withLint: false` skips pkgtrack's linting build and the peer's lintian (long corpus builds).
 */
async function measure(o: {
  repo: string;
  buildArgs: string[];
  outDir: string;
  runs: number;
  env: Record<string, string>;
  argv: string[];
  withLint?: boolean;
  label?: string;
}): Promise<Measured> {
  const manifest = JSON.parse(readFileSync(join(o.outDir, 'manifest.json'), 'utf8')) as { image: { ref: string } };
  const engine = new PodmanEngine();
  const identity = await engine.buildIdentity();
  const dsc = readdirSync(o.outDir).find((f) => f.endsWith('.dsc'))!;
  const m: Measured = { pk: [], pkNoLint: [], pkContainer: [], plain: [], lint: [] };
  const withLint = o.withLint ?? true;
  for (let i = 0; i < o.runs; i++) {
    // The same build without lintian (what pkgtrack itself adds to dpkg-buildpackage); first,
    // so the linting build after it leaves the output as the up-to-date check expects.
    const q = await cli([...o.buildArgs, '--force', '--no-lint'], o.repo);
    if (q.code !== 0) throw new Error(`pkgtrack build --no-lint failed:\n${q.stderr}`);
    m.pkNoLint.push(q.ms);
    if (withLint) {
      const r = await cli([...o.buildArgs, '--force'], o.repo);
      if (r.code !== 0) throw new Error(`pkgtrack build failed:\n${r.stderr}`);
      m.pk.push(r.ms);
      m.pkContainer.push(phasesOf(r.stdout).container ?? 0);
    }
    const work = mkdtempSync(join(o.repo, 'plain-'));
    cpSync(o.outDir, join(work, 'src'), { recursive: true });
    spawnSync('dpkg-source', ['-x', join(work, 'src', dsc), join(work, 'tree')], { cwd: work, stdio: 'ignore' });
    if (identity.chownTo) spawnSync('chown', ['-R', `${identity.chownTo.uid}:${identity.chownTo.gid}`, work]);
    const t0 = performance.now();
    const p = await engine.run({
      image: manifest.image.ref,
      argv: o.argv,
      workdir: '/work/tree',
      user: identity.user,
      network: 'none',
      readOnlyRoot: true,
      env: o.env,
      mounts: [{ host: work, container: '/work' }],
    });
    m.plain.push(performance.now() - t0);
    if (p.code !== 0) throw new Error(`plain dpkg-buildpackage failed:\n${p.output.slice(-2000)}`);
    if (withLint) {
      const changes = readdirSync(work).find((f) => f.endsWith('.changes'))!;
      const l0 = performance.now();
      spawnSync('lintian', ['--no-cfg', join(work, changes)], { stdio: 'ignore' });
      m.lint.push(performance.now() - l0);
    }
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(
      `${o.label ?? ''}run ${i + 1}: pkgtrack --no-lint ${s(m.pkNoLint[i]!)}${withLint ? `, with lintian ${s(m.pk[i]!)}` : ''}, dpkg-buildpackage ${s(m.plain[i]!)}${withLint ? ` + lintian ${s(m.lint[i]!)}` : ''}\n`,
    );
  }
  return m;
}

interface CorpusResult {
  source: string;
  steps: { build?: { ok: boolean; seconds: number; detail?: string } };
}

/**
 * The backport corpus's largest package (the biggest source package, orig + debian tarballs,
 * among those `npm run bench -- backports` built; or PKGTRACK_BENCH_BUILD_CORPUS=<source>;
 * `none` skips it) built by pkgtrack --no-lint against dpkg-buildpackage of its .dsc in the same
 * dependency image, with the environment pkgtrack's deb build step sets for that recipe (its
 * DEB_BUILD_OPTIONS, profiles, jobs). Without lintian on either side.
 */
async function corpusBench(): Promise<void> {
  const choice = process.env.PKGTRACK_BENCH_BUILD_CORPUS ?? 'largest';
  if (choice === 'none') return;
  const dir = join(ROOT, '.cache', 'bpo-corpus');
  const results = join(dir, 'results');
  const outOf = (source: string) => join(dir, 'repo', 'out', 'debian-bookworm', source);
  const sourceBytes = (source: string) =>
    readdirSync(outOf(source))
      .filter((f) => /\.(orig|debian)\.tar\.[a-z0-9]+$/.test(f))
      .reduce((n, f) => n + statSync(join(outOf(source), f)).size, 0);
  const recorded = existsSync(results)
    ? readdirSync(results)
        .map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as CorpusResult)
        .filter((r) => r.steps.build?.ok && existsSync(join(outOf(r.source), 'manifest.json')))
    : [];
  const pick =
    choice === 'largest'
      ? recorded.sort((a, b) => sourceBytes(b.source) - sourceBytes(a.source))[0]
      : recorded.find((r) => r.source === choice);
  if (!pick) {
    console.log(
      `corpus package: skipped: no built ${choice === 'largest' ? 'package' : choice} recorded; run \`npm run bench -- backports\` first`,
    );
    return;
  }
  const repo = join(dir, 'repo');
  const corpusOut = join(repo, 'out', 'debian-bookworm', pick.source);
  const manifest = JSON.parse(readFileSync(join(corpusOut, 'manifest.json'), 'utf8')) as {
    sourceDateEpoch: number;
    upstreamVersion: string;
  };
  const recipe = await loadRecipe(await loadRecipesRepository(repo), pick.source);
  const target = recipe.targets.find((t) => t.id === TARGET) ?? recipe.targets[0]!;
  const step = new DebBuilder().buildStep({ recipe, target } as BuildContext, {
    sourceDir: 'src',
    sourceDateEpoch: manifest.sourceDateEpoch,
    notes: { orig: 'orig' },
  });
  const { PKGTRACK_JOBS, PKGTRACK_BUILD, ...env } = step.env as Record<string, string>;
  const out = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-corpus-'));
  const runs = Number(process.env.PKGTRACK_BENCH_CORPUS_RUNS ?? 1);
  process.stderr.write(
    `corpus package ${pick.source} (${(sourceBytes(pick.source) / 1e6).toFixed(1)} MB of source): ${runs} run(s) of each side...\n`,
  );
  const m = await measure({
    repo,
    buildArgs: ['build', pick.source, '-t', TARGET, '--out', out, '--json', '-q'],
    outDir: corpusOut,
    runs,
    env,
    argv: ['dpkg-buildpackage', '--no-sign', `--build=${PKGTRACK_BUILD}`, `--jobs=${PKGTRACK_JOBS}`],
    withLint: false,
    label: `${pick.source} `,
  });
  const PN = median(m.pkNoLint);
  const D = median(m.plain);
  console.log(
    `${`${pick.source} ${manifest.upstreamVersion} (${(sourceBytes(pick.source) / 1e6).toFixed(1)} MB source)`.padEnd(43)}  pkgtrack --no-lint ${s(PN)}, dpkg-buildpackage ${s(D)}: pkgtrack --no-lint/plain = ${(PN / D).toFixed(2)} (goal <= 1.15)`,
  );
  rmSync(out, { recursive: true, force: true });
}

export default async function bench(): Promise<void> {
  // The bundled hello recipe in a scratch repository.
  const repo = scratchRepo();
  const out = join(repo, 'out');
  const buildArgs = ['build', 'hello', '-t', TARGET, '--out', out, '--json', '-q'];

  process.stderr.write('warming up (base + dependency images, source cache)...\n');
  const warm = await cli(buildArgs, repo);
  if (warm.code !== 0) throw new Error(`warm-up build failed:\n${warm.stderr}\n${warm.stdout}`);
  const outDir = join(out, 'debian-bookworm', 'hello');
  const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as {
    image: { ref: string };
    upstreamVersion: string;
    sourceDateEpoch: number;
  };

  const { pk, pkNoLint, pkContainer, plain, lint } = await measure({
    repo,
    buildArgs,
    outDir,
    runs: RUNS,
    env: { ...HELLO_ENV, SOURCE_DATE_EPOCH: String(manifest.sourceDateEpoch) },
    argv: ['dpkg-buildpackage', '--no-sign', '--build=full', '--jobs=2'],
  });
  const noChange: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await cli(buildArgs, repo);
    if (!JSON.parse(r.stdout).builds.every((b: { result: string }) => b.result === 'up-to-date')) throw new Error('expected up-to-date');
    noChange.push(r.ms);
  }

  const P = median(pk);
  const PN = median(pkNoLint);
  const D = median(plain);
  const DL = median(plain.map((d, i) => d + lint[i]!));
  console.log(`hello ${manifest.upstreamVersion} for ${TARGET}, warm cache, median of ${RUNS} (2 cores shared)`);
  console.log('');
  console.log('what                                         time       ratio');
  console.log('-------------------------------------------  ---------  ----------------------');
  console.log(`pkgtrack build --force (incl. lintian)       ${s(P).padEnd(9)}  1.00`);
  console.log(`pkgtrack build --force --no-lint             ${s(PN).padEnd(9)}`);
  console.log(
    `dpkg-buildpackage in the same image          ${s(D).padEnd(9)}  pkgtrack --no-lint/plain = ${(PN / D).toFixed(2)} (goal <= 1.15); with lintian/plain = ${(P / D).toFixed(2)}`,
  );
  console.log(`dpkg-buildpackage + lintian (sbuild-like)    ${s(DL).padEnd(9)}  pkgtrack/peer  = ${(P / DL).toFixed(2)}`);
  console.log(`pkgtrack build, nothing changed (skipped)    ${s(median(noChange)).padEnd(9)}  (target < 2 s)`);

  await corpusBench();

  // Foreign architectures under qemu-user. No separate warm-up (one emulated hello build takes
  // tens of minutes here): each run says how long its image phase took, so a run that had to
  // bootstrap the base or install the build dependencies under emulation is visible as such.
  const emulated = (process.env.PKGTRACK_BENCH_EMULATED ?? 'arm64').split(',').filter((a) => a && a !== 'none');
  const emuRuns = Number(process.env.PKGTRACK_BENCH_EMULATED_RUNS ?? 1);
  const C = median(pkContainer);
  for (const arch of emulated) {
    const args = [...buildArgs, '-a', arch, '--force'];
    const times: number[] = [];
    const container: number[] = [];
    for (let i = 0; i < emuRuns; i++) {
      process.stderr.write(`pkgtrack ${arch} (emulated) run ${i + 1}: can take tens of minutes...\n`);
      const r = await cli(args, repo);
      if (r.code !== 0) throw new Error(`${arch} build failed:\n${r.stderr}\n${r.stdout}`);
      const ph = phasesOf(r.stdout);
      times.push(r.ms);
      container.push(ph.container ?? 0);
      process.stderr.write(
        `run ${i + 1}: pkgtrack ${arch} (emulated) ${s(r.ms)}; images ${ph.image ?? 0} s, in the container ${ph.container ?? 0} s\n`,
      );
    }
    const E = median(times);
    const EC = median(container);
    console.log(
      `pkgtrack build --force, ${`${arch} (qemu-user)`.padEnd(19)} ${s(E).padEnd(9)}  ${arch}-emulated/amd64 = ${(E / P).toFixed(2)} (in the container: ${(EC / C).toFixed(2)})`,
    );
  }
  rmSync(repo, { recursive: true, force: true });
}
