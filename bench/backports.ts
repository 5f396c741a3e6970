/**
 * `npm run bench -- backports [PKG…] [--fresh]`: the backport corpus (#20). Each package of
 * bench/backports/corpus.ts is imported from trixie for bookworm into one recipes repository
 * (.cache/bpo-corpus/repo, made by `pkgtrack init` with a backports channel; `--fresh` starts a
 * new one), built in a container with its test suite, published, and tried with `repo try
 * --upgrade` in a clean bookworm container with Debian's archive; the changelog the binary
 * ships is checked. Results go to .cache/bpo-corpus/results/<source>.json (a rerun of one
 * package replaces its record), logs to .cache/bpo-corpus/logs/, the table to
 * docs/backports-corpus.md. The published suite is served to the build containers over HTTP
 * on the podman bridge, for the chained backports' `extraRepositories: [published]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CORPUS,
  type CorpusPackage,
  checkChangelog,
  extraBuildDeps,
  type PackageResult,
  renderTable,
  type StepName,
} from './backports/corpus.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'run.js');
const DIR = join(ROOT, '.cache', 'bpo-corpus');
const REPO = join(DIR, 'repo');
const RESULTS = join(DIR, 'results');
const LOGS = join(DIR, 'logs');
const TABLE = join(ROOT, 'docs', 'backports-corpus.md');
const PASSPHRASE = 'bpo-corpus-not-secret';
/** The podman bridge's gateway: the build's dependency-install containers reach the published suite here. */
const SERVE_HOST = process.env.BPO_SERVE_HOST ?? '10.88.0.1';
const SERVE_PORT = Number(process.env.BPO_SERVE_PORT ?? 8765);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(cmd: string, args: string[], opts: { cwd: string; log: string; timeoutMs?: number }): Promise<Run> {
  const t0 = performance.now();
  return new Promise((res) => {
    const c = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PKGTRACK_KEY_PASSPHRASE: PASSPHRASE },
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b) => (stdout += b));
    c.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => c.kill('SIGINT'), opts.timeoutMs ?? 90 * 60_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      writeFileSync(
        opts.log,
        `$ ${cmd} ${args.join(' ')}\n# exit ${code} after ${seconds.toFixed(1)} s\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
      );
      res({ code: code ?? -1, stdout, stderr, seconds });
    });
  });
}

const pkgtrack = (args: string[], log: string) => run(process.execPath, [BIN, ...args], { cwd: REPO, log });
const say = (s: string) => process.stderr.write(`[bpo ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** The error a failed pkgtrack --json run reported, else the last stderr lines. */
function why(r: Run): string {
  try {
    const e = JSON.parse(r.stdout) as { error?: { code: string; message: string } };
    if (e.error) return `${e.error.code}: ${e.error.message}`.slice(0, 300);
  } catch {}
  return (r.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${r.code}`).slice(0, 300);
}

async function setUpRepository(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  if (existsSync(join(REPO, 'pkgtrack.yaml'))) return;
  const log = join(LOGS, 'init.log');
  const init = await run(
    process.execPath,
    [BIN, 'init', REPO, '--name', 'bpo-corpus', '--maintainer', 'pkgtrack backport corpus <bpo@example.org>'],
    {
      cwd: DIR,
      log,
    },
  );
  if (init.code !== 0) throw new Error(`pkgtrack init failed: ${why(init)}`);
  rmSync(join(REPO, 'recipes', 'hello'), { recursive: true, force: true });
  const key = await pkgtrack(['key', 'generate', '--out', 'keys/signing.key'], join(LOGS, 'key.log'));
  if (key.code !== 0) throw new Error(`key generate failed: ${why(key)}`);
  const yaml = readFileSync(join(REPO, 'pkgtrack.yaml'), 'utf8')
    .replace(/^# url: .*$/m, `url: http://${SERVE_HOST}:${SERVE_PORT}`)
    .replace(/^targets:\n( {2}- .*\n)+/m, 'targets:\n  - debian:bookworm\nchannels:\n  stable:\n    backports: true\n');
  writeFileSync(join(REPO, 'pkgtrack.yaml'), yaml);
}

/** The published output served over HTTP for `extraRepositories: [published]` (and publish's clock check). */
function serve(): ChildProcess {
  mkdirSync(join(REPO, 'public'), { recursive: true });
  const c = spawn('python3', ['-m', 'http.server', String(SERVE_PORT), '--bind', SERVE_HOST, '--directory', join(REPO, 'public')], {
    stdio: 'ignore',
  });
  return c;
}

const debianChangelogTop = (dir: string): string =>
  /^\S+ \(([^)]+)\)/.exec(readFileSync(join(dir, 'debian', 'changelog'), 'utf8'))?.[1] ?? '';

function patchCount(dir: string): number {
  for (const f of [join(dir, 'patches', 'series'), join(dir, 'debian', 'patches', 'series')])
    if (existsSync(f))
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#')).length;
  return 0;
}

async function one(p: CorpusPackage): Promise<PackageResult> {
  const log = (step: string) => join(LOGS, `${p.source}-${step}.log`);
  const result: PackageResult = {
    source: p.source,
    binary: p.binary,
    kind: p.kind,
    bookworm: '',
    upstreamSuite: p.from,
    sourceVersion: '',
    ours: '',
    patches: 0,
    edits: [],
    steps: {},
    ranAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
  };
  const fail = (step: StepName, detail: string, seconds?: number) => {
    result.steps[step] = { ok: false, detail, ...(seconds !== undefined ? { seconds } : {}) };
    say(`${p.source}: ${step} failed: ${detail}`);
    return result;
  };
  const dir = join(REPO, 'recipes', p.source);
  rmSync(dir, { recursive: true, force: true });

  say(`${p.source}: import debian:${p.source}/${p.from}`);
  const imp = await pkgtrack(
    ['recipe', 'import', `debian:${p.source}/${p.from}`, '--for', 'debian:bookworm', '--no-check-valid-until', '--json'],
    log('import'),
  );
  if (imp.code !== 0) return fail('import', why(imp), imp.seconds);
  result.steps.import = { ok: true, seconds: imp.seconds };
  const recipeFile = join(dir, 'recipe.yaml');
  let yaml = readFileSync(recipeFile, 'utf8');
  result.bookworm = /^ {4}debian:bookworm: (\S+)$/m.exec(yaml)?.[1] ?? '';
  result.sourceVersion = debianChangelogTop(dir);
  result.patches = patchCount(dir);
  for (const e of p.edits ?? []) {
    if (e.apply) yaml = e.apply(yaml);
    for (const [rel, text] of Object.entries(e.files ?? {})) writeFileSync(join(dir, rel), text);
    if (e.control) {
      const control = join(dir, 'debian', 'control');
      writeFileSync(control, e.control(readFileSync(control, 'utf8')));
    }
    result.edits.push({ what: e.what, why: e.why });
  }
  writeFileSync(recipeFile, yaml);

  say(`${p.source}: build ${result.sourceVersion} for bookworm`);
  const b = await pkgtrack(['build', p.source, '--json'], log('build'));
  let build: { result: string; version?: string; outDir?: string; error?: { code: string; message: string } } | undefined;
  try {
    build = (JSON.parse(b.stdout) as { builds: NonNullable<typeof build>[] }).builds[0];
  } catch {}
  if (b.code !== 0 || !build || build.result === 'failed' || !build.outDir)
    return fail('build', build?.error ? `${build.error.code}: ${build.error.message}`.slice(0, 300) : why(b), b.seconds);
  result.ours = build.version ?? '';
  const buildLog = join(REPO, 'out', 'logs', `${p.source}_debian-bookworm.log`);
  if (existsSync(buildLog)) {
    const against = extraBuildDeps(readFileSync(buildLog, 'utf8'), `http://${SERVE_HOST}:${SERVE_PORT}/apt`, 'bookworm');
    if (against.length) result.builtAgainst = against;
  }
  result.steps.build = { ok: true, seconds: b.seconds, detail: build.result };
  // An up-to-date rerun keeps the time of the build it kept (a rerun to re-publish and re-try).
  const before = join(RESULTS, `${p.source}.json`);
  const earlier = existsSync(before) ? (JSON.parse(readFileSync(before, 'utf8')) as PackageResult).steps.build : undefined;
  if (build.result === 'up-to-date' && earlier?.ok && (earlier.detail === 'built' || earlier.builtAt)) {
    const prev = JSON.parse(readFileSync(before, 'utf8')) as PackageResult;
    result.steps.build = { ok: true, seconds: earlier.seconds ?? 0, detail: 'built', builtAt: earlier.builtAt ?? prev.ranAt };
  }

  say(`${p.source}: publish ${result.ours}`);
  const pub = await pkgtrack(['publish', build.outDir], log('publish'));
  if (pub.code !== 0) return fail('publish', why(pub), pub.seconds);
  result.steps.publish = { ok: true, seconds: pub.seconds };

  say(`${p.source}: repo try ${p.binary} --upgrade`);
  const tr = await pkgtrack(
    [
      'repo',
      'try',
      p.binary,
      '-t',
      'debian:bookworm',
      '--suite',
      'bookworm-backports',
      '--upgrade',
      '--json',
      '--',
      'sh',
      '-c',
      // What the package ships, then what `apt changelog` fetches (the Release's Changelogs URL).
      'echo "--- changelog.Debian.gz"; zcat "/usr/share/doc/$0/changelog.Debian.gz"; echo "--- end changelog"; echo "--- apt changelog"; apt-get changelog -qq "$0" 2>&1; echo "--- end apt changelog"',
      p.binary,
    ],
    log('try'),
  );
  let t:
    | {
        installed: string;
        output: string;
        steps: Array<{ step: string; ok: boolean; code?: number }>;
        upgrade?: { from: string; removed: boolean; purged: boolean };
      }
    | undefined;
  try {
    t = JSON.parse(tr.stdout);
  } catch {}
  if (!t?.steps) return fail('install', why(tr), tr.seconds);
  const step = (name: string) => t!.steps.find((s) => s.step === name);
  const stepResult = (name: string, okDetail?: string) => {
    const s = step(name);
    return s
      ? { ok: s.ok, ...(s.ok ? (okDetail ? { detail: okDetail } : {}) : { detail: `exit ${s.code ?? '?'}` }) }
      : { ok: false, detail: 'did not run' };
  };
  result.steps.install = { ...stepResult('install-distro', t.upgrade?.from), seconds: tr.seconds };
  result.steps.upgrade = stepResult('install', t.installed);
  if (result.steps.upgrade.ok && t.installed !== result.ours)
    result.steps.upgrade = { ok: false, detail: `installed ${t.installed}, not ${result.ours}` };
  result.steps.remove = stepResult('remove');
  if (result.steps.remove.ok && t.upgrade && !t.upgrade.removed) result.steps.remove = { ok: false, detail: 'package still installed' };
  result.steps.purge = stepResult('purge');
  if (result.steps.purge.ok && t.upgrade && !t.upgrade.purged) result.steps.purge = { ok: false, detail: 'conffiles left' };
  const cl = /^--- changelog\.Debian\.gz\n([\s\S]*?)^--- end changelog$/m.exec(t.output)?.[1];
  const aptCl = /^--- apt changelog\n([\s\S]*?)^--- end apt changelog$/m.exec(t.output)?.[1];
  const shipped = cl
    ? checkChangelog(cl, p.source, result.ours, result.sourceVersion, result.bookworm)
    : { ok: false, detail: 'changelog not read' };
  const fetched = aptCl ? checkChangelog(aptCl, p.source, result.ours, result.sourceVersion, result.bookworm) : undefined;
  const check =
    !shipped.ok || !fetched
      ? shipped
      : fetched.ok
        ? { ok: true, detail: `${shipped.detail}; apt changelog the same` }
        : { ok: false, detail: `apt changelog: ${fetched.detail} (${aptCl!.trim().split('\n')[0]})` };
  result.steps.changelog = check.ok ? { ok: true, detail: check.detail } : { ok: false, detail: check.detail };
  say(
    `${p.source}: ${Object.entries(result.steps)
      .map(([k, v]) => `${k} ${v?.ok ? 'ok' : 'FAILED'}`)
      .join(', ')}`,
  );
  return result;
}

function writeTable(): void {
  const results: PackageResult[] = [];
  const notRun: string[] = [];
  for (const p of CORPUS) {
    const f = join(RESULTS, `${p.source}.json`);
    // What the package covers is the corpus's current word, not the one recorded with the run.
    if (existsSync(f)) results.push({ ...(JSON.parse(readFileSync(f, 'utf8')) as PackageResult), kind: p.kind });
    else notRun.push(p.source);
  }
  writeFileSync(
    TABLE,
    renderTable(results, notRun, {
      generatedAt: new Date().toISOString().slice(0, 16).replace('T', ' '),
      command: 'npm run bench -- backports',
    }),
  );
  say(`wrote ${TABLE} (${results.length} packages, ${notRun.length} not run)`);
}

export default async function bench(): Promise<void> {
  // An hour of real builds: only when asked by name, not in `npm run bench`'s round of every benchmark.
  if (process.argv[2] !== 'backports') {
    console.log('backports: skipped (about an hour of real builds); run `npm run bench -- backports`');
    return;
  }
  const args = process.argv.slice(3);
  if (args.includes('--fresh')) for (const d of [REPO, RESULTS]) rmSync(d, { recursive: true, force: true });
  if (args.includes('--table')) return writeTable();
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((a) => !CORPUS.some((p) => p.source === a));
  if (unknown.length) throw new Error(`not in the corpus: ${unknown.join(', ')} (corpus: ${CORPUS.map((p) => p.source).join(', ')})`);
  for (const d of [RESULTS, LOGS]) mkdirSync(d, { recursive: true });
  await setUpRepository();
  const server = serve();
  try {
    const ok = new Set(
      readdirSync(RESULTS)
        .map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as PackageResult)
        .filter((r) => r.steps.publish?.ok)
        .map((r) => r.source),
    );
    for (const p of CORPUS.filter((c) => !only.length || only.includes(c.source))) {
      const missing = (p.after ?? []).filter((a) => !ok.has(a));
      if (missing.length)
        say(`${p.source}: ${missing.join(', ')} not published yet; building anyway (its build dependencies may not resolve)`);
      const r = await one(p);
      writeFileSync(join(RESULTS, `${p.source}.json`), `${JSON.stringify(r, null, 2)}\n`);
      if (r.steps.publish?.ok) ok.add(p.source);
      writeTable();
    }
  } finally {
    server.kill('SIGTERM');
  }
}
