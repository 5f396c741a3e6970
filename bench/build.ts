/**
 * `npm run bench -- build`: a warm-cache `pkgtrack build --force` of the bundled hello recipe for
 * debian:bookworm against a plain `dpkg-buildpackage` of the same source in the same dependency
 * image (and against dpkg-buildpackage + lintian, which is what sbuild does by default), plus
 * the time of a rebuild with nothing changed, and the same build for foreign architectures under
 * qemu-user (`PKGTRACK_BENCH_EMULATED`, default `arm64`; e.g. `arm64,armhf`, or `none`; runs:
 * `PKGTRACK_BENCH_EMULATED_RUNS`, default 1) against amd64.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PodmanEngine } from '../src/containers/podman.js';
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

  // The peer: the same source package, unpacked by dpkg-source, built by dpkg-buildpackage in the
  // same image. Runs alternate (pkgtrack, peer, pkgtrack, ...) so load on a shared machine hits both alike.
  const engine = new PodmanEngine();
  const identity = await engine.buildIdentity();
  const dsc = readdirSync(outDir).find((f) => f.endsWith('.dsc'))!;
  const pk: number[] = [];
  const pkNoLint: number[] = [];
  const pkContainer: number[] = [];
  const plain: number[] = [];
  const lint: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // The same build without lintian (what pkgtrack itself adds to dpkg-buildpackage); first,
    // so the linting build after it leaves the output as the up-to-date check below expects.
    const q = await cli([...buildArgs, '--force', '--no-lint'], repo);
    if (q.code !== 0) throw new Error(`pkgtrack build --no-lint failed:\n${q.stderr}`);
    pkNoLint.push(q.ms);
    const r = await cli([...buildArgs, '--force'], repo);
    if (r.code !== 0) throw new Error(`pkgtrack build failed:\n${r.stderr}`);
    pk.push(r.ms);
    pkContainer.push(phasesOf(r.stdout).container ?? 0);

    const work = mkdtempSync(join(repo, 'plain-'));
    cpSync(outDir, join(work, 'src'), { recursive: true });
    spawnSync('dpkg-source', ['-x', join(work, 'src', dsc), join(work, 'tree')], { cwd: work, stdio: 'ignore' });
    if (identity.chownTo) spawnSync('chown', ['-R', `${identity.chownTo.uid}:${identity.chownTo.gid}`, work]);
    const t0 = performance.now();
    const p = await engine.run({
      image: manifest.image.ref,
      argv: ['dpkg-buildpackage', '--no-sign', '--build=full', '--jobs=2'],
      workdir: '/work/tree',
      user: identity.user,
      network: 'none',
      readOnlyRoot: true,
      // The environment pkgtrack's deb build step sets (builders/deb), so both build the same way.
      env: {
        HOME: '/tmp',
        LC_ALL: 'C.UTF-8',
        TZ: 'UTC',
        SOURCE_DATE_EPOCH: String(manifest.sourceDateEpoch),
        DEB_BUILD_OPTIONS: '', // pkgtrack builds the -dbgsym packages (debugSymbols defaults to true)
        DEB_BUILD_MAINT_OPTIONS: 'hardening=+all',
      },
      mounts: [{ host: work, container: '/work' }],
    });
    plain.push(performance.now() - t0);
    if (p.code !== 0) throw new Error(`plain dpkg-buildpackage failed:\n${p.output.slice(-2000)}`);
    const changes = readdirSync(work).find((f) => f.endsWith('.changes'))!;
    const l0 = performance.now();
    spawnSync('lintian', ['--no-cfg', join(work, changes)], { stdio: 'ignore' });
    lint.push(performance.now() - l0);
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(
      `run ${i + 1}: pkgtrack ${s(pk[i]!)} (--no-lint ${s(pkNoLint[i]!)}), dpkg-buildpackage ${s(plain[i]!)} + lintian ${s(lint[i]!)}\n`,
    );
  }

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
