/**
 * `npm run bench -- apt`: apt repository publishing on the real-.deb corpus
 * (scripts/fetch-deb-corpus.ts, fetched if missing), side by side in one run:
 *
 *   1. cold index:  pkgtrack (read + SHA-256 + control + stanza, in-process: on the worker
 *                   pool publish uses, and on one thread) vs `apt-ftparchive packages` (as
 *                   users run it, and with SHA256 only)
 *   2. cold publish, signed, Packages .gz + .xz, whole processes, each into a new directory:
 *                   `pkgtrack publish` vs `reprepro includedeb` vs aptly (`repo add` + `publish repo`);
 *                   and pkgtrack vs reprepro again right after `rm -rf` of the previous output
 *   3. add one package and republish, whole processes, same three tools
 *   4. pkgtrack add-one on a repository 10x smaller, to show the cost does not grow with size
 *
 * On two corpora of real bookworm .debs (scripts/fetch-deb-corpus.ts), PKGTRACK_BENCH_CORPUS=
 * small|issue|both (default both):
 *   small: the tests' corpus, 1,200 .debs of <= 400 KB (~86 MB): per-file costs dominate;
 *   issue: shaped like the corpus issue 8 set its targets on (1,896 .debs, ~445 MB): every
 *          k-th package of <= 2.8 MB, ~424 MB.
 *
 * Needs `npm run build` first (pkgtrack runs as bin/run.js, as users run it).
 * Each timing is the median of PKGTRACK_BENCH_RUNS runs (default 3; cold runs start from empty).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packagesStanza, readDebControl } from '../src/formats/deb-control.js';
import { writeStanza } from '../src/formats/deb822.js';
import { FTPARCHIVE_SHA256_ONLY } from '../test/repo/apt-helpers.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 3);

/**
 * CPU seconds (user + system) of the child processes `sh` ran since the last reset, measured
 * by /usr/bin/time (its rusage includes every descendant the child waited for: xz, gpg ...).
 * On a shared, overloaded machine wall time mostly measures the neighbours; CPU time is the
 * fairer second column.
 */
let childCpu = 0;
const TIME_OUT = join(tmpdir(), `pkgtrack-bench-time-${process.pid}`);

function sh(program: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', TIME_OUT, program, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`.slice(0, 4000));
  const [u, sys] = readFileSync(TIME_OUT, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  childCpu += (u ?? 0) + (sys ?? 0);
}

interface Sample {
  wall: number;
  cpu: number;
}

function timed(f: () => void): Sample {
  const t = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  childCpu = 0;
  f();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: childCpu + (c.user + c.system) / 1e6 };
}

/** `timed` for async work in this process (process.cpuUsage counts its worker threads too). */
async function timedAsync(f: () => Promise<void>): Promise<Sample> {
  const t = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

async function benchAsync(run: () => Promise<void>): Promise<Sample> {
  const xs: Sample[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await timedAsync(run));
  return medianByWall(xs);
}

const medianByWall = (xs: Sample[]) => [...xs].sort((a, b) => a.wall - b.wall)[Math.floor(xs.length / 2)]!;

/** Median (by wall time) over RUNS of `run` after a fresh `setup` each time. */
function bench(setup: () => void, run: () => void): Sample {
  return interleaved([[setup, run]])[0]!;
}

/**
 * `bench` for several tools at once, taking turns run by run (A B C A B C ...): on a shared VM
 * the machine's state drifts (page cache, the filesystem's recently freed inodes, neighbours),
 * and turns give every tool the same share of it instead of one tool all the bad minutes.
 */
function interleaved(cases: Array<[setup: () => void, run: () => void]>): Sample[] {
  const xs: Sample[][] = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [setup, run]] of cases.entries()) {
      setup();
      xs[k]!.push(timed(run));
    }
  }
  return xs.map(medianByWall);
}

export function gpgHome(dir: string): { home: string; secret: string; fpr: string } {
  const home = join(dir, 'gnupg');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'bench <bench@example.org>', 'ed25519', 'sign', 'never'], {
    env,
    stdio: 'ignore',
  });
  const secret = join(dir, 'key.asc');
  writeFileSync(secret, execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys'], { env }));
  const fpr = /^fpr:+([0-9A-F]+):/m.exec(execFileSync('gpg', ['--batch', '--with-colons', '--fingerprint'], { env }).toString())![1]!;
  return { home, secret, fpr };
}

function oneDeb(dir: string, name: string): string {
  const root = join(dir, `src-${name}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc', name), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: B <b@example.org>\nSection: misc\nPriority: optional\nDescription: bench\n added last\n`,
  );
  writeFileSync(join(root, 'usr/share/doc', name, 'README'), 'bench\n');
  const out = join(dir, `${name}_1.0-1_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-b', root, out], { stdio: 'ignore' });
  return out;
}

interface Corpus {
  name: string;
  dir: string;
  /** scripts/fetch-deb-corpus.ts arguments that make it. */
  fetch: string[];
}

const CORPORA: Corpus[] = [
  { name: 'small', dir: '.cache/deb-corpus', fetch: [] },
  {
    name: 'issue',
    dir: '.cache/deb-corpus-large',
    fetch: ['--dir', '.cache/deb-corpus-large', '--count', '1896', '--max-size', '2800000', '--sources', '0'],
  },
];

export default async function aptBench(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'commands', 'publish.js'))) throw new Error('run `npm run build` first');
  const which = process.env.PKGTRACK_BENCH_CORPUS ?? 'both';
  const chosen = CORPORA.filter((c) => which === 'both' || which === c.name);
  if (chosen.length === 0) throw new Error(`PKGTRACK_BENCH_CORPUS=${which}: use small, issue or both`);
  const works: string[] = [];
  for (const c of chosen) works.push(await benchCorpus(c));
  for (const w of works) rmSync(w, { recursive: true, force: true });
}

/** Runs every step on one corpus; returns its work directory (removed by the caller, at the very end: see the publish step). */
async function benchCorpus(spec: Corpus): Promise<string> {
  const corpusDir = join(ROOT, spec.dir);
  if (!existsSync(join(corpusDir, 'corpus.json')))
    sh('node', ['--import', 'tsx', 'scripts/fetch-deb-corpus.ts', ...spec.fetch], { cwd: ROOT });
  const corpus = JSON.parse(readFileSync(join(corpusDir, 'corpus.json'), 'utf8')) as { debs: string[] };
  const work = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-apt-'));
  // Only the corpus's .debs, in a directory of their own (the cache dir may hold more).
  const debs = join(work, 'debs');
  mkdirSync(debs);
  for (const d of corpus.debs) symlinkSync(join(corpusDir, 'debs', d), join(debs, d));
  const small = join(work, 'debs-small');
  mkdirSync(small);
  for (const d of corpus.debs.slice(0, Math.ceil(corpus.debs.length / 10))) symlinkSync(join(corpusDir, 'debs', d), join(small, d));
  const bytes = corpus.debs.reduce((n, d) => n + readFileSync(join(corpusDir, 'debs', d)).length, 0);
  const key = gpgHome(work);
  const env = { ...process.env, GNUPGHOME: key.home, PKGTRACK_KEY_PASSPHRASE: '' };
  const extra = oneDeb(work, 'bench-added');
  const rows: Array<[string, string, Sample, Sample | undefined]> = [];
  console.log(
    `\n${spec.name} corpus: ${corpus.debs.length} .debs, ${(bytes / 1e6).toFixed(0)} MB; ${RUNS} run(s) each, median; load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
  );

  // 1. Cold index.
  const ours = bench(
    () => undefined,
    () => {
      const out: string[] = [];
      for (const d of corpus.debs) {
        const b = readFileSync(join(corpusDir, 'debs', d));
        const { control } = readDebControl(b, d);
        out.push(
          writeStanza(
            packagesStanza(control, {
              filename: `debs/${d}`,
              size: b.length,
              hashes: { SHA256: createHash('sha256').update(b).digest('hex') },
            }),
          ),
        );
      }
      if (out.join('\n').length === 0) throw new Error('empty');
    },
  );
  const ftpDefault = bench(
    () => undefined,
    () => sh('apt-ftparchive', ['packages', 'debs'], { cwd: work }),
  );
  const ftpSha256 = bench(
    () => undefined,
    () => sh('apt-ftparchive', [...FTPARCHIVE_SHA256_ONLY, 'packages', 'debs'], { cwd: work }),
  );
  // What `pkgtrack publish` does with many .debs: the compiled DebReadPool (worker threads).
  const { DebReadPool } = (await import(join(ROOT, 'dist/repo/apt/deb-read-pool.js'))) as typeof import('../src/repo/apt/deb-read-pool.js');
  const pooled = await benchAsync(async () => {
    const pool = new DebReadPool();
    try {
      const out = await Promise.all(
        corpus.debs.map(async (d) => {
          const r = await pool.read(join(corpusDir, 'debs', d));
          return writeStanza(
            packagesStanza({ fields: r.control, line: 1 }, { filename: `debs/${d}`, size: r.size, hashes: { SHA256: r.sha256 } }),
          );
        }),
      );
      if (out.join('\n').length === 0) throw new Error('empty');
    } finally {
      await pool.close();
    }
  });
  rows.push(['cold index', 'pkgtrack (worker pool, as publish)', pooled, ftpDefault]);
  rows.push(['cold index', 'pkgtrack (one thread)', ours, ftpDefault]);
  rows.push(['cold index', 'apt-ftparchive packages', ftpDefault, undefined]);
  rows.push(['cold index', 'apt-ftparchive (SHA256 only)', ftpSha256, undefined]);

  // 2+3. Publish. Each cold run goes to a new directory and none is deleted before the end:
  // deleting the previous run's output (thousands of files) right before the next run makes a
  // journal-less ext4 (this VM) scan past the recently freed inodes for every file it creates
  // (ext4 find_inode_bit -> recently_deleted), a cost no user's first publish pays and one that
  // falls unevenly on the tools. The "after rm -rf" rows keep that case in view. Tools take
  // turns run by run (interleaved).
  let serial = 0;
  const fresh = (name: string) => join(work, `${name}-${++serial}`);
  const pkAt = (out: string, args: string[]) =>
    sh(
      process.execPath,
      [join(ROOT, 'bin/run.js'), 'publish', '--key', key.secret, '--output', out, '--suite', 'bookworm', '--keep', '0', ...args],
      { cwd: work, env },
    );
  // Setup for add-one: take the package out again (fails harmlessly the first time).
  const pkRemove = (out: string) => () =>
    spawnSync(
      process.execPath,
      [join(ROOT, 'bin/run.js'), 'repo', 'remove', 'bench-added', '--suite', 'bookworm', '--output', out, '--key', key.secret],
      { cwd: work, env },
    );
  const rrInit = (dir: string) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'conf'), { recursive: true });
    writeFileSync(
      join(dir, 'conf/distributions'),
      `Origin: bench\nLabel: bench\nCodename: bookworm\nArchitectures: amd64\nComponents: main\nSignWith: ${key.fpr}\nDebIndices: Packages Release . .gz .xz\n`,
    );
  };
  const rrAt = (dir: string, args: string[]) => sh('reprepro', ['-b', dir, '--ignore=wrongdistribution', ...args], { env });
  const allDebs = corpus.debs.map((d) => join(debs, d));
  let aptlyConf = '';
  const aptly = (args: string[]) => sh('aptly', [`-config=${aptlyConf}`, ...args], { env });
  const aptlySign = [`-gpg-key=${key.fpr}`, '-batch'];

  let pkOut = '';
  let rrOut = '';
  const [pkCold, rrCold, aptlyCold] = interleaved([
    [() => (pkOut = fresh('pk')), () => pkAt(pkOut, [debs])],
    [
      () => {
        rrOut = fresh('reprepro');
        rrInit(rrOut);
      },
      () => rrAt(rrOut, ['includedeb', 'bookworm', ...allDebs]),
    ],
    [
      () => {
        const dir = fresh('aptly');
        aptlyConf = `${dir}.conf`;
        writeFileSync(aptlyConf, JSON.stringify({ rootDir: dir, gpgProvider: 'gpg', architectures: ['amd64'] }));
        aptly(['repo', 'create', '-distribution=bookworm', '-component=main', 'bench']);
      },
      () => {
        aptly(['repo', 'add', 'bench', debs]);
        aptly(['publish', 'repo', ...aptlySign, 'bench']);
      },
    ],
  ]) as [Sample, Sample, Sample];
  // The timings mean something only if both tools published the whole corpus.
  const stanzaCount = (packages: string) => (readFileSync(packages, 'utf8').match(/^Package: /gm) ?? []).length;
  const listed = [
    stanzaCount(join(pkOut, 'apt/dists/bookworm/main/binary-amd64/Packages')),
    stanzaCount(join(rrOut, 'dists/bookworm/main/binary-amd64/Packages')),
  ];
  if (listed[0] !== corpus.debs.length || listed[1] !== corpus.debs.length)
    throw new Error(`cold publish listed ${listed.join(' (pkgtrack) and ')} (reprepro) packages of ${corpus.debs.length}`);
  const pkRerun = join(work, 'pk-rerun');
  const rrRerun = join(work, 'reprepro-rerun');
  const [pkColdAfterRm, rrColdAfterRm] = interleaved([
    [() => rmSync(pkRerun, { recursive: true, force: true }), () => pkAt(pkRerun, [debs])],
    [() => rrInit(rrRerun), () => rrAt(rrRerun, ['includedeb', 'bookworm', ...allDebs])],
  ]) as [Sample, Sample];
  const [pkAdd, rrAdd, aptlyAdd] = interleaved([
    [pkRemove(pkOut), () => pkAt(pkOut, [extra])],
    [
      () => spawnSync('reprepro', ['-b', rrOut, 'remove', 'bookworm', 'bench-added'], { env }),
      () => rrAt(rrOut, ['includedeb', 'bookworm', extra]),
    ],
    [
      () => spawnSync('aptly', [`-config=${aptlyConf}`, 'repo', 'remove', 'bench', 'bench-added'], { env }),
      () => {
        aptly(['repo', 'add', 'bench', extra]);
        aptly(['publish', 'update', ...aptlySign, 'bookworm']);
      },
    ],
  ]) as [Sample, Sample, Sample];
  rows.push(['cold publish', 'pkgtrack publish', pkCold, rrCold]);
  rows.push(['cold publish', 'reprepro includedeb', rrCold, undefined]);
  rows.push(['cold publish', 'aptly repo add + publish', aptlyCold, rrCold]);
  rows.push(['cold, after rm -rf of the last', 'pkgtrack publish', pkColdAfterRm, rrColdAfterRm]);
  rows.push(['cold, after rm -rf of the last', 'reprepro includedeb', rrColdAfterRm, undefined]);
  rows.push(['add one + republish', 'pkgtrack publish', pkAdd, rrAdd]);
  rows.push(['add one + republish', 'reprepro includedeb', rrAdd, undefined]);
  rows.push(['add one + republish', 'aptly repo add + publish update', aptlyAdd, rrAdd]);

  // 4. Growth: the same add-one on a repository of a tenth the size.
  const smallOut = join(work, 'pk-small');
  const pkSmall = (args: string[]) =>
    sh(
      process.execPath,
      [join(ROOT, 'bin/run.js'), 'publish', '--key', key.secret, '--output', smallOut, '--suite', 'bookworm', '--keep', '0', ...args],
      { cwd: work, env },
    );
  pkSmall([small]);
  const pkAddSmall = bench(pkRemove(smallOut), () => pkSmall([extra]));
  rows.push([`add one, ${Math.ceil(corpus.debs.length / 10)}-pkg repo`, 'pkgtrack publish', pkAddSmall, pkAdd]);

  const w = [32, 36, 10, 10, 10, 10];
  console.log(['STEP', 'TOOL', 'WALL s', 'RATIO', 'CPU s', 'RATIO'].map((h, i) => h.padEnd(w[i]!)).join(''));
  for (const [step, tool, s, base] of rows) {
    const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}x` : '');
    console.log(
      [
        step.padEnd(w[0]!),
        tool.padEnd(w[1]!),
        s.wall.toFixed(3).padEnd(w[2]!),
        ratio(s.wall, base?.wall).padEnd(w[3]!),
        s.cpu.toFixed(3).padEnd(w[4]!),
        ratio(s.cpu, base?.cpu),
      ].join(''),
    );
  }
  console.log('RATIO: against apt-ftparchive (index), reprepro (publish, add-one); last row: small-repo add-one / full-repo add-one.');
  console.log('Targets (issue 8): cold index <= 0.5x apt-ftparchive; cold publish <= 0.5x reprepro; add-one <= 1.0x reprepro.');
  return work;
}
