/**
 * What the scale bench's parts share (bench/scale.ts): whole processes timed under
 * /usr/bin/time, tools run side by side in rounds, the result rows, and the recipes repository
 * pkgtrack publishes from.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs of each timed step (PKGTRACK_BENCH_RUNS): the median is reported. */
export const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 1);

export interface Sample {
  wall: number;
  cpu: number;
}

/** Where /usr/bin/time writes (removed at the end of the bench). */
export const TIME_FILE = join(tmpdir(), `pkgtrack-bench-scale-time-${process.pid}`);

/** Run one process under /usr/bin/time: wall seconds and user+sys CPU of it and its children. */
export function sh(program: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', TIME_FILE, program, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0)
    throw new Error(
      `${program} ${args.slice(0, 6).join(' ')} failed (${r.status ?? r.error?.message}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000),
    );
  const [u, s] = readFileSync(TIME_FILE, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: (u ?? 0) + (s ?? 0) };
}

/** Several steps as one sample. */
export const sum = (xs: Sample[]): Sample => ({ wall: xs.reduce((a, x) => a + x.wall, 0), cpu: xs.reduce((a, x) => a + x.cpu, 0) });
const median = (xs: Sample[]) => [...xs].sort((a, b) => a.wall - b.wall)[Math.floor(xs.length / 2)]!;

/**
 * RUNS times `setup` (untimed) then `run`; the median by wall time. Before each run, `sync`
 * (untimed): each tool starts with nothing of the tool before it left to write back, and pays
 * only for its own writes (pkgtrack's publish ends with a syncfs, which would otherwise flush the
 * previous tool's files too).
 */
export function bench(setup: (run: number) => void, run: () => Sample, name = 'pkgtrack'): Sample {
  return benchSideBySide([{ name, setup, run }])[0]!;
}

/**
 * `bench` for several tools at once, in rounds: round i runs each tool once, the order rotated
 * from round to round. This disk's speed at creating files drifts within minutes
 * (docs/scale.md); run one tool's runs after the other's, and whichever ran in a slow stretch
 * lost. Side by side, every tool meets the same stretches, and none is always first after a sync.
 */
export function benchSideBySide(tools: ReadonlyArray<{ name: string; setup: (run: number) => void; run: () => Sample }>): Sample[] {
  const xs = tools.map((): Sample[] => []);
  for (let i = 0; i < RUNS; i++) {
    const round: string[] = [];
    for (let k = 0; k < tools.length; k++) {
      const t = (i + k) % tools.length;
      tools[t]!.setup(i);
      execFileSync('sync');
      const s = tools[t]!.run();
      xs[t]!.push(s);
      round.push(`${tools[t]!.name} ${fmt(s)}`);
    }
    // Every run on stderr, in the order run: the spread behind each median.
    if (RUNS > 1) console.error(`    round ${i + 1}: ${round.join(', ')}`);
  }
  return xs.map(median);
}

export type Row = [what: string, ours: Sample | undefined, peer: string, theirs: Sample | undefined, note?: string];
export const rows: Row[] = [];
/** Rows as they come (on stderr: a long run shows progress), and in the table at the end. */
export const row = (r: Row) => {
  rows.push(r);
  console.error(`  ${r[0]}: pkgtrack ${fmt(r[1])}; ${r[2]} ${fmt(r[3])}`);
};
export function fmt(s: Sample | undefined): string {
  if (!s) return '';
  return s.cpu ? `${s.wall.toFixed(2)} s (cpu ${s.cpu.toFixed(2)})` : `${s.wall.toFixed(2)} s`;
}
export const ratio = (a: Sample | undefined, b: Sample | undefined) =>
  a && b ? `${(a.wall / b.wall).toFixed(2)}x (cpu ${(a.cpu / b.cpu).toFixed(2)}x)` : '';

/**
 * The device of `dir` when its file system is ext4 without a journal (/proc/fs/jbd2 has no
 * entry for it): there, ext4 passes over inodes deleted in the last minutes when it hands out new
 * ones, so every file created just after a mass delete costs several times its usual time.
 */
export function ext4WithoutJournal(dir: string): string | undefined {
  try {
    const path = realpathSync(dir);
    let best: { at: string; type: string; source: string } | undefined;
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [pre, post] = line.split(' - ');
      const at = pre?.split(' ')[4];
      const [type, source] = post?.split(' ') ?? [];
      if (!at || !type || !source) continue;
      const under = at === '/' || path === at || path.startsWith(`${at}/`);
      if (under && (!best || at.length > best.at.length)) best = { at, type, source };
    }
    if (best?.type !== 'ext4' || !best.source.startsWith('/dev/')) return undefined;
    const dev = best.source.slice('/dev/'.length).replace(/\//g, '!');
    return readdirSync('/proc/fs/jbd2').some((j) => j.startsWith(`${dev}-`)) ? undefined : best.source;
  } catch {
    return undefined;
  }
}

/** A recipes repository publishing into <dir>/public, signing with `key`; `extra`: more pkgtrack.yaml lines. */
export function recipesRepo(dir: string, keyFile: string, extra: string[] = []): string {
  mkdirSync(join(dir, 'recipes'), { recursive: true });
  writeFileSync(
    join(dir, 'pkgtrack.yaml'),
    [
      'name: scale',
      'origin: scale',
      'label: scale bench',
      'maintainer: Bench <bench@example.org>',
      'url: https://pkgs.example.org/scale',
      'output: public',
      'targets:',
      '  - debian:bookworm',
      '  - fedora:41',
      'signing:',
      `  key: ${keyFile}`,
      '  passphraseEnv: PKGTRACK_KEY_PASSPHRASE',
      'retention:',
      '  keep: 1',
      ...extra,
      '',
    ].join('\n'),
  );
  return dir;
}
