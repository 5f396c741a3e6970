/**
 * `npm run bench -- yum`: pkgtrack's yum publishing against createrepo_c, side by side, whole
 * processes timed (node start, CLI, key unlock, signing, fsync included for pkgtrack):
 *   cold:    pkgtrack publish of N rpms into an empty repo   vs  createrepo_c on the same N
 *   add-one: pkgtrack publish of 1 more rpm (index cache)    vs  createrepo_c --update
 *   re-index: pkgtrack publish --rebuild of the N files already in its pool (no copy: reads,
 *            hashes and parses every rpm like createrepo_c does)  vs  createrepo_c cold
 * createrepo_c indexes files in place; pkgtrack's cold publish also copies every rpm into the
 * immutable pool and fsyncs it (crash safety), which createrepo_c does not do.
 * Corpus: scripts/make-rpm-corpus.mjs, 672 rpms of ~290 KiB (~197 MB), cached under .cache/,
 * signed (setup, untimed) with a fresh Ed25519 key as a build would sign them.
 * Each measurement is the median of RUNS runs (env PKGTRACK_BENCH_RUNS, default 3); the tools
 * take turns within each run, and no output is deleted before the end (deleting thousands of
 * files just before a run makes this VM's journal-less ext4 scan freed inodes for every file
 * created: see bench/apt.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as openpgp from 'openpgp';
import { generateSigningKey } from '../src/sign/keys.js';
import { OpenPgpSigner } from '../src/sign/openpgp-signer.js';
import { signRpmBytes } from '../src/sign/rpm-sign.js';

const ROOT = join(import.meta.dirname, '..');
const CORPUS = join(ROOT, '.cache', 'rpm-bench');
// Outside the recipes repository: the CLI must not pick up its pkgtrack.yaml, state store or site.
const WORK = join(tmpdir(), 'pkgtrack-bench-yum');
const SUITE = 'fedora/41/x86_64';
const RUNS = Number(process.env.PKGTRACK_BENCH_RUNS ?? 3);
const PASS = 'bench-passphrase';

interface Timing {
  wall: number;
  /** user + sys CPU of the process and its threads/children (robust when the machine is busy). */
  cpu: number;
}

/** Run a command under bash and take wall time and its children's CPU time (`times`). */
function timed(cmd: string, args: string[], env: Record<string, string> = {}): Timing {
  const t0 = process.hrtime.bigint();
  // cwd: a directory without pkgtrack.yaml, so the CLI uses defaults and a state store of its own.
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null || exit $?; times', 'bash', cmd, ...args], {
    cwd: WORK,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} ... failed:\n${r.stderr}`);
  const children = r.stdout.trim().split('\n').at(-1) ?? '';
  const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wall, cpu: ((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianOf = (ts: Timing[]): Timing => ({ wall: median(ts.map((t) => t.wall)), cpu: median(ts.map((t) => t.cpu)) });

export default async function yumBench(): Promise<void> {
  execFileSync(
    'node',
    [join(ROOT, 'scripts/make-rpm-corpus.mjs'), '--specs', '48', '--subs', '13', '--payload-kb', '290', '--out', CORPUS],
    { stdio: 'inherit' },
  );
  if (!existsSync(join(ROOT, 'dist/commands/publish.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(join(WORK, 'signed'), { recursive: true });
  const key = await generateSigningKey({ type: 'ed25519', name: 'bench', expiresInSeconds: 0, passphrase: PASS });
  const keyFile = join(WORK, 'key.asc');
  writeFileSync(keyFile, key.privateKey, { mode: 0o600 });
  // As a build signs its rpms: both tools then index the same signed files (pkgtrack verifies
  // each signature on publish instead of signing).
  const signer = await OpenPgpSigner.create([
    await openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: key.privateKey }), passphrase: PASS }),
  ]);
  const all: string[] = [];
  for (const f of readdirSync(join(CORPUS, 'rpms'))
    .filter((n) => n.endsWith('.rpm'))
    .sort()) {
    const dest = join(WORK, 'signed', f);
    writeFileSync(dest, (await signRpmBytes(readFileSync(join(CORPUS, 'rpms', f)), signer, f)).bytes);
    all.push(dest);
  }
  const extra = all.pop()!;
  const cli = join(ROOT, 'bin', 'run.js');

  const res: Record<string, Timing[]> = {
    crCold: [],
    crColdNoDb: [],
    crUpdate: [],
    ourCold: [],
    ourAdd: [],
    ourReindex: [],
    ourStart: [],
    floor: [],
  };
  for (let run = 0; run < RUNS; run++) {
    // createrepo_c: the rpms already sit in the repo (it indexes in place).
    for (const [label, extraArgs] of [
      ['crCold', []],
      ['crColdNoDb', ['--no-database']],
    ] as const) {
      const dir = join(WORK, `cr-${label}-${run}`);
      mkdirSync(join(dir, 'Packages'), { recursive: true });
      for (const f of all) linkSync(f, join(dir, 'Packages', basename(f)));
      res[label]!.push(timed('createrepo_c', ['-q', ...extraArgs, dir]));
      if (label === 'crCold') {
        linkSync(extra, join(dir, 'Packages', basename(extra)));
        res.crUpdate!.push(timed('createrepo_c', ['-q', '--update', dir]));
      }
    }
    // pkgtrack: publish copies each rpm into the immutable pool (fsynced), signs and verifies.
    const out = join(WORK, `ours-${run}`);
    const env = { PKGTRACK_KEY_PASSPHRASE: PASS };
    const base = ['publish', '--suite', SUITE, '--output', out, '--key', keyFile, '--keep', '0', '--lock-timeout', '0'];
    res.ourCold!.push(timed('node', [cli, ...base, ...all], env));
    res.ourAdd!.push(timed('node', [cli, ...base, extra], env));
    res.ourReindex!.push(timed('node', [cli, ...base, '--rebuild', ...all], env));
    res.ourStart!.push(timed('node', [cli, 'version'], env));
    res.floor!.push(timed('node', [join(ROOT, 'bench', 'floor.mjs'), keyFile], env));
  }

  const m = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, medianOf(v)])) as Record<string, Timing>;
  const s = (t: Timing) => `${(t.wall / 1000).toFixed(2)} s (cpu ${(t.cpu / 1000).toFixed(2)})`;
  const ratio = (a: Timing, b: Timing) => `${(a.wall / b.wall).toFixed(2)}x (cpu ${(a.cpu / b.cpu).toFixed(2)}x)`;
  const rows: string[][] = [
    [`cold, ${all.length} rpms`, s(m.ourCold!), 'createrepo_c', s(m.crCold!), ratio(m.ourCold!, m.crCold!)],
    [`cold, ${all.length} rpms`, s(m.ourCold!), 'createrepo_c --no-database', s(m.crColdNoDb!), ratio(m.ourCold!, m.crColdNoDb!)],
    ['add one rpm', s(m.ourAdd!), 'createrepo_c --update', s(m.crUpdate!), ratio(m.ourAdd!, m.crUpdate!)],
    [`re-index ${all.length} in place`, s(m.ourReindex!), 'createrepo_c', s(m.crCold!), ratio(m.ourReindex!, m.crCold!)],
    [
      `re-index ${all.length} in place`,
      s(m.ourReindex!),
      'createrepo_c --no-database',
      s(m.crColdNoDb!),
      ratio(m.ourReindex!, m.crColdNoDb!),
    ],
    ['CLI start only (pkgtrack version)', s(m.ourStart!), '', '', ''],
    // What add-one cannot go below with node, oclif and openpgp.js: the 0.5x target vs this row.
    [
      'floor: node+oclif+openpgp+key unlock',
      s(m.floor!),
      'createrepo_c --update x 0.5',
      s({ wall: m.crUpdate!.wall / 2, cpu: m.crUpdate!.cpu / 2 }),
      ratio(m.floor!, { wall: m.crUpdate!.wall / 2, cpu: m.crUpdate!.cpu / 2 }),
    ],
  ];
  const head = ['case', 'pkgtrack publish', 'peer', 'peer time', 'ratio wall (cpu), lower is better'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ');
  console.log(`\nyum publishing, median of ${RUNS} runs (targets: cold <= 1.0x, add-one <= 0.5x)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  rmSync(WORK, { recursive: true, force: true });
}
