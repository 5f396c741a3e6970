/**
 * `npm run bench -- patches`: unpacking + applying the patch series of the real Debian test
 * packages (.cache/debian-sources, fetched by scripts/fetch-debian-sources.ts): pkgtrack
 * (safe extraction + TypeScript patch engine, in-process) against `dpkg-source -x` (tar +
 * GNU patch), and the patch step alone against `quilt push -a`. Median of RUNS runs
 * (env PKGTRACK_BENCH_RUNS, default 3).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_TEST_PACKAGES, ensureDebianSource } from '../scripts/fetch-debian-sources.js';
import { applySeries } from '../src/services/patches/queue.js';
import { unpackDebianSource } from '../src/services/patches/debian-source.js';

const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function ms(f: () => Promise<void> | void): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    await f();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(samples);
}

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

export default async function patchesBench(): Promise<void> {
  const rows: string[][] = [];
  for (const pkg of DEBIAN_TEST_PACKAGES) {
    const dsc = await ensureDebianSource(pkg);
    const work = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-patches-'));
    let n = 0;
    const ours = await ms(async () => {
      const d = join(work, `ours-${n++}`);
      await unpackDebianSource(dsc, d);
    });
    const dpkg = await ms(() => sh('dpkg-source', ['--no-check', '-x', dsc, join(work, `dpkg-${n++}`)], work));
    // Patch step alone: a fresh unpatched tree each run (copy made outside the timing).
    const base = join(work, 'base');
    await unpackDebianSource(dsc, base, { applyPatches: false });
    const patchesDir = join(base, 'debian', 'patches');
    const fresh = () => {
      const d = join(work, `t-${n++}`);
      sh('cp', ['-a', base, d], work);
      return d;
    };
    const treesOurs = Array.from({ length: RUNS }, fresh);
    const treesQuilt = Array.from({ length: RUNS }, fresh);
    let i = 0;
    const oursPatch = await ms(async () => {
      await applySeries(patchesDir, treesOurs[i++]!);
    });
    let j = 0;
    const quilt = await ms(() => sh('quilt', ['push', '-a', '-q'], treesQuilt[j++]!, { QUILT_PATCHES: patchesDir, QUILT_PC: '.pc' }));
    rows.push([
      pkg,
      ours.toFixed(0),
      dpkg.toFixed(0),
      (dpkg / ours).toFixed(2),
      oursPatch.toFixed(1),
      quilt.toFixed(1),
      (quilt / oursPatch).toFixed(2),
    ]);
    rmSync(work, { recursive: true, force: true });
  }
  const head = ['package', 'pkgtrack unpack ms', 'dpkg-source -x ms', 'ratio', 'pkgtrack patch ms', 'quilt push ms', 'ratio'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const fmt = (r: string[]) => r.map((c, k) => c.padStart(widths[k]!)).join('  ');
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
  console.log('ratio > 1: pkgtrack is faster than the reference tool');
}
