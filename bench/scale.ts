/**
 * `npm run bench -- scale`: publishing at 1,000 and 10,000 packages (100,000 with
 * PKGTRACK_SCALE_100K=1), measured the way users run pkgtrack: inside a recipes repository, so
 * every publish also refreshes the web page. Side by side, in one run, whole processes:
 *
 *   apt  cold publish of N .debs, then add one:  pkgtrack  vs  reprepro (Packages .gz + .xz,
 *        like for like)  vs  aptly (repo add + publish / publish update, -skip-contents: aptly
 *        writes Contents by default, which the other two do not here); and the cold publish
 *        once more outside a recipes repository (no web page), which shows the page's share
 *   yum  (a) the full signed publish of N .rpms (pool copy, every rpm signed, index, repomd
 *            signed)  vs  the pipeline a user would run otherwise: rpmsign --addsign +
 *            createrepo_c + gpg --detach-sign of repomd.xml
 *        (b) add one: pkgtrack publish  vs  createrepo_c --update (unsigned; add-one signing
 *            is one rpm either way)
 *        (c) publish --rebuild of the files already in the pool  vs  createrepo_c cold and
 *            createrepo_c --update (no signing on either side)
 *   page the first page's size, and how long headless Chromium takes to open it (file://).
 *   contents  apt with Contents-<arch>.gz, N .debs of 26 files (up to 10,000): pkgtrack
 *        (contents: true) vs reprepro (Contents: .gz) vs aptly (its default), cold and add
 *        one (bench/scale/contents.ts)
 *
 * Packages: N small valid .debs written with the pure ar/tar writers (bench/scale/make-debs.ts;
 * a sample is checked with dpkg-deb), N .rpms made from one rpmbuild-built template renamed
 * with its digests made again (bench/scale/make-rpms.ts; a sample is checked with rpm -K and
 * rpm -qp), cached in .cache/scale/.
 * Env: PKGTRACK_SCALE_SIZES (default 1000,10000), PKGTRACK_SCALE_RPM_SIZES (default the same),
 * PKGTRACK_SCALE_100K=1 adds 100,000 .debs, PKGTRACK_SCALE_PARTS=apt,yum,contents (default all three), PKGTRACK_BENCH_RUNS (default 1: median of runs).
 * Timings are printed as ratios; nothing here asserts a timing. Needs `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { gpgHome } from './apt.js';
import { debFile, debName, makeDeb, makeDebs } from './scale/make-debs.js';
import { makeRpms, rpmName } from './scale/make-rpms.js';
import { contentsAt } from './scale/contents.js';
import { aptly, reprepro } from './scale/peers.js';
import {
  bench,
  benchSideBySide,
  ext4WithoutJournal,
  fmt,
  RUNS,
  ratio,
  recipesRepo,
  type Row,
  row,
  rows,
  sh,
  sum,
  TIME_FILE,
} from './scale/harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'scale');
const CLI = join(ROOT, 'bin', 'run.js');
const YUM_SUITE = 'fedora/41/x86_64';
const sizes = (v: string | undefined, dflt: string) =>
  (v ?? dflt)
    .split(',')
    .map(Number)
    .filter((n) => n > 0);

/** The page: first file's size and Chromium's time to open it. */
async function pageRows(n: number, out: string): Promise<void> {
  const index = join(out, 'index.html');
  const size = statSync(index).size;
  const all = statSync(join(out, 'packages.json')).size;
  const t0 = process.hrtime.bigint();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const launched = process.hrtime.bigint();
  try {
    const page = await browser.newPage();
    const t1 = process.hrtime.bigint();
    await page.goto(pathToFileURL(index).href, { waitUntil: 'load' });
    const t2 = process.hrtime.bigint();
    const s = (a: bigint, b: bigint) => Number(b - a) / 1e9;
    row([
      `page, ${n} pkgs: index.html ${(size / 1024).toFixed(0)} KB (packages.json ${(all / 1024).toFixed(0)} KB, on demand)`,
      undefined,
      '',
      undefined,
      'goal <= 300 KB',
    ]);
    row([
      `page, ${n} pkgs: Chromium opens index.html (load event)`,
      { wall: s(t1, t2), cpu: 0 },
      '',
      undefined,
      `goal < 2 s; ${(s(t0, launched) + s(t1, t2)).toFixed(2)} s with the browser's start`,
    ]);
  } finally {
    await browser.close();
  }
}

async function aptAt(n: number, work: string, key: ReturnType<typeof gpgHome>): Promise<void> {
  const debs = makeDebs(CACHE, n);
  // The generated .debs are valid for dpkg-deb (a sample: first, middle, last).
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    const f = join(debs, debFile(debName(i)));
    const info = execFileSync('dpkg-deb', ['--field', f, 'Package', 'Version', 'Architecture']).toString();
    if (info !== `Package: ${debName(i)}\nVersion: 1.0-1\nArchitecture: amd64\n`) throw new Error(`dpkg-deb --field ${f}: ${info}`);
    execFileSync('dpkg-deb', ['--contents', f], { stdio: 'ignore' });
  }
  // Every tool reads the .debs from the page cache: the first one timed must not pay the disk.
  for (const f of readdirSync(debs)) readFileSync(join(debs, f));
  const extra = join(work, debFile('bench-added'));
  writeFileSync(extra, makeDeb('bench-added'));
  const env = { ...process.env, GNUPGHOME: key.home, PKGTRACK_KEY_PASSPHRASE: '' };
  let serial = 0;
  const fresh = (name: string) => join(work, `${name}-${n}-${++serial}`);

  // pkgtrack inside a recipes repository (the page is refreshed by every publish).
  let repo = '';
  const pk = (args: string[]) => sh(process.execPath, [CLI, 'publish', '-q', '--suite', 'bookworm', ...args], { cwd: repo, env });
  const pkCold = { name: 'pkgtrack', setup: () => void (repo = recipesRepo(fresh('pk'), key.secret)), run: () => pk([debs]) };
  // The same publish outside a recipes repository (no web page): where the page's cost shows.
  let bare = '';
  const pkBare = {
    name: 'pkgtrack without a page',
    setup: () => void (bare = fresh('pk-bare')),
    run: () =>
      sh(process.execPath, [CLI, 'publish', '-q', '--suite', 'bookworm', '--key', key.secret, '-o', bare, debs], { cwd: work, env }),
  };
  const pkAdd = {
    name: 'pkgtrack',
    setup: (i: number) => {
      if (i > 0) sh(process.execPath, [CLI, 'repo', 'remove', '-q', 'bench-added', '--suite', 'bookworm'], { cwd: repo, env });
    },
    run: () => pk([extra]),
  };

  // reprepro, .gz and .xz like pkgtrack.
  const allDebs = readdirSync(debs)
    .filter((f) => f.endsWith('.deb'))
    .map((f) => join(debs, f));
  const peer = { fresh, key, env, extra, contents: false };
  const rr = reprepro({ ...peer, debs: allDebs });
  const ap = aptly({ ...peer, debsDir: debs });

  // Side by side (benchSideBySide): each add-one goes to its tool's last cold repository.
  const [pkColdS, rrColdS, aptlyColdS, pkBareS] = benchSideBySide([pkCold, rr.cold, ap.cold, pkBare]);
  const [pkAddS, rrAddS, aptlyAddS] = benchSideBySide([pkAdd, rr.add, ap.add]);
  // Every tool published all it was given (the last add-one left its package in): a tool that
  // exits 0 having done nothing (aptly skips a symlinked input folder) would give a bogus row.
  for (const [tool, index, want] of [
    ['pkgtrack', join(repo, 'public/apt'), n + 1],
    ['reprepro', rr.published(), n + 1],
    ['aptly', ap.published(), n + 1],
    ['pkgtrack without a page', join(bare, 'apt'), n],
  ] as const) {
    const file = join(index, 'dists/bookworm/main/binary-amd64/Packages');
    const listed = (readFileSync(file, 'utf8').match(/^Package: /gm) ?? []).length;
    if (listed !== want) throw new Error(`${tool} listed ${listed} packages in ${file}, wanted ${want}`);
  }
  if (readdirSync(bare).includes('index.html')) throw new Error(`${bare}: the publish outside a recipes repository wrote a web page`);
  await pageRows(n + 1, join(repo, 'public'));

  row([`apt cold, ${n} .debs`, pkColdS, 'reprepro includedeb (gz+xz)', rrColdS, 'goal <= 0.5x']);
  row([`apt cold, ${n} .debs`, pkColdS, 'aptly repo add + publish repo -skip-contents', aptlyColdS]);
  row([
    `apt cold, ${n} .debs, no web page`,
    pkBareS,
    'reprepro includedeb (gz+xz)',
    rrColdS,
    "outside a recipes repository: the page's share",
  ]);
  row([`apt add one to ${n}`, pkAddS, 'reprepro includedeb (gz+xz)', rrAddS, 'goal <= 1.0x']);
  row([`apt add one to ${n}`, pkAddS, 'aptly repo add + publish update -skip-contents', aptlyAddS, 'goal <= 0.3x']);
}

async function yumAt(n: number, work: string, key: ReturnType<typeof gpgHome>): Promise<void> {
  const dir = await makeRpms(CACHE, n);
  // The generated .rpms are valid for rpm (a sample: first, middle, last).
  for (const i of [0, Math.floor(n / 2), n - 1]) {
    const f = join(dir, `${rpmName(i)}-1.0-1.noarch.rpm`);
    execFileSync('rpm', ['-K', f], { stdio: 'ignore' });
    const info = execFileSync('rpm', ['-qp', '--qf', '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n[%{FILENAMES}\n]', f]).toString();
    if (info !== `${rpmName(i)} 1.0-1 noarch\n/usr/share/${rpmName(i)}/README\n`) throw new Error(`rpm -qp ${f}: ${info}`);
  }
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.rpm'))
    .sort();
  const extraName = all.pop()!;
  const extra = join(dir, extraName);
  const inputs = join(work, `rpms-${n}`);
  mkdirSync(inputs);
  for (const f of all) linkSync(join(dir, f), join(inputs, f));
  const env = { ...process.env, GNUPGHOME: key.home, PKGTRACK_KEY_PASSPHRASE: '' };
  let serial = 0;
  const fresh = (name: string) => join(work, `${name}-rpm-${n}-${++serial}`);

  // (a) pkgtrack's full signed publish vs rpmsign + createrepo_c + gpg --detach-sign.
  let repo = '';
  const pk = (args: string[]) => sh(process.execPath, [CLI, 'publish', '-q', '--suite', YUM_SUITE, ...args], { cwd: repo, env });
  const pkCold = bench(
    () => (repo = recipesRepo(fresh('pk'), key.secret)),
    () => pk([inputs]),
  );
  let pipe = '';
  const rpmsign = [
    '--define',
    '__gpg /usr/bin/gpg',
    '--define',
    `_gpg_name ${key.fpr}`,
    '--define',
    `_gpg_path ${key.home}`,
    '--define',
    '_openpgp_sign gpg',
    '--addsign',
  ];
  const pipeline = bench(
    () => {
      pipe = fresh('pipeline');
      mkdirSync(join(pipe, 'Packages'), { recursive: true });
      // rpmsign rewrites files in place: copies, not links.
      for (const f of all) copyFileSync(join(dir, f), join(pipe, 'Packages', f));
    },
    () =>
      sum([
        sh('rpmsign', [...rpmsign, ...all.map((f) => join(pipe, 'Packages', f))], { env }),
        sh('createrepo_c', ['-q', pipe], { env }),
        sh('gpg', ['--batch', '--yes', '--local-user', key.fpr, '--detach-sign', '--armor', join(pipe, 'repodata/repomd.xml')], { env }),
      ]),
    'rpmsign + createrepo_c + gpg',
  );
  // (b) add one.
  const pkAdd = bench(
    (i) => {
      if (i > 0)
        sh(process.execPath, [CLI, 'repo', 'remove', '-q', extraName.replace(/-[^-]+-[^-]+\.noarch\.rpm$/, ''), '--suite', YUM_SUITE], {
          cwd: repo,
          env,
        });
    },
    () => pk([extra]),
  );
  // createrepo_c indexes in place: the rpms sit in the repository already.
  let cr = '';
  const crCold = bench(
    () => {
      cr = fresh('createrepo');
      mkdirSync(join(cr, 'Packages'), { recursive: true });
      for (const f of all) linkSync(join(dir, f), join(cr, 'Packages', f));
    },
    () => sh('createrepo_c', ['-q', cr], { env }),
    'createrepo_c',
  );
  const crUpdate = bench(
    () => {
      rmSync(join(cr, 'Packages', extraName), { force: true });
      sh('createrepo_c', ['-q', '--update', cr], { env });
      linkSync(extra, join(cr, 'Packages', extraName));
    },
    () => sh('createrepo_c', ['-q', '--update', cr], { env }),
    'createrepo_c --update',
  );
  // (c) re-index what is in the pool.
  const pkRebuild = bench(
    () => undefined,
    () => pk(['--rebuild', inputs]),
  );
  row([`yum cold signed, ${all.length} .rpms`, pkCold, 'rpmsign --addsign + createrepo_c + gpg --detach-sign', pipeline, 'goal <= 0.5x']);
  row([`yum add one to ${all.length}`, pkAdd, 'createrepo_c --update', crUpdate, 'goal <= 1.0x']);
  row([`yum publish --rebuild, ${all.length}`, pkRebuild, 'createrepo_c (cold)', crCold]);
  row([`yum publish --rebuild, ${all.length}`, pkRebuild, 'createrepo_c --update', crUpdate]);
}

export default async function scaleBench(): Promise<void> {
  if (!statSync(join(ROOT, 'dist', 'commands', 'publish.js'), { throwIfNoEntry: false })) throw new Error('run `npm run build` first');
  // Each size once (PKGTRACK_SCALE_SIZES=100000 with PKGTRACK_SCALE_100K=1 ran it twice).
  const debSizes = [
    ...new Set([...sizes(process.env.PKGTRACK_SCALE_SIZES, '1000,10000'), ...(process.env.PKGTRACK_SCALE_100K === '1' ? [100_000] : [])]),
  ];
  const rpmSizes = sizes(process.env.PKGTRACK_SCALE_RPM_SIZES, process.env.PKGTRACK_SCALE_SIZES ?? '1000,10000');
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'pkgtrack-bench-scale-'));
  try {
    const key = gpgHome(work);
    const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(`scale: ${RUNS} run(s) each (median); load ${load()} on ${execFileSync('nproc').toString().trim()} cores`);
    const unjournaled = ext4WithoutJournal(work);
    if (unjournaled)
      console.log(
        `scale: ${work} is on ext4 without a journal (${unjournaled}): creating files there is slow for up to 6 minutes after a mass delete (ext4's recently_deleted), whichever tool runs first pays; start the bench at least 6 minutes after the last one, or any big rm (docs/scale.md)`,
      );
    const parts = (process.env.PKGTRACK_SCALE_PARTS ?? 'apt,yum,contents').split(',');
    if (parts.includes('apt')) for (const n of debSizes) await aptAt(n, work, key);
    if (parts.includes('yum')) for (const n of rpmSizes) await yumAt(n, work, key);
    if (parts.includes('contents')) for (const n of debSizes.filter((n) => n <= 10_000)) contentsAt(n, work, key, CACHE, CLI);
    const cells = (r: Row) => [r[0], fmt(r[1]), r[2], fmt(r[3]), ratio(r[1], r[3]), r[4] ?? ''];
    const table = [['case', 'pkgtrack', 'peer', 'peer time', 'ratio wall (cpu), lower is better', 'issue 23'], ...rows.map(cells)];
    const w = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    console.log(`\nload at the end ${load()}: a shared machine; CPU seconds are the steadier column`);
    for (const r of table) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(TIME_FILE, { force: true });
  }
}
