/**
 * A published repository made by the reference tools, for the web page tests: .debs built with
 * dpkg-deb and indexed by apt-ftparchive (a stable and a trunk suite), an .rpm built with
 * rpmbuild and indexed by createrepo_c, a recipes repository with a signing key (openpgp.js),
 * upstream observations and a build record with a manifest and a log in the state store.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countStatuses, type PatchEntry, type PatchReport } from '../../src/report/model.js';
import { renderHtml } from '../../src/report/render.js';
import { generateSigningKey } from '../../src/sign/keys.js';
import { StateStore } from '../../src/state/store.js';

export const HOSTILE_DESCRIPTION = `Demo packages <script>alert("pwned")</script> & 'quotes' "too"`;
export const HOSTILE_SUMMARY = `says <img src=x onerror=alert(1)> "hello"`;

export function sh(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input ?? '', encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0)
    throw new Error(
      `${cmd} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')} ${r.error ?? ''} [args: ${args.join(' ')}]`,
    );
  return r.stdout;
}

export function buildDeb(pool: string, name: string, version: string, arch: string, description: string, source?: string): void {
  const dir = join(pool, `${name}-build`);
  mkdirSync(join(dir, 'DEBIAN'), { recursive: true });
  mkdirSync(join(dir, 'usr/share/doc', name), { recursive: true });
  writeFileSync(join(dir, 'usr/share/doc', name, 'README'), `${name} ${version}\n`);
  const control = [
    `Package: ${name}`,
    ...(source ? [`Source: ${source}`] : []),
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Jane Doe <jane@example.org>',
    `Description: ${description}`,
    ' A test package for the pkgtrack web page.',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'DEBIAN', 'control'), control);
  chmodSync(join(dir, 'DEBIAN'), 0o755);
  sh('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', dir, join(pool, `${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`)]);
  sh('rm', ['-rf', dir]);
}

/** An apt suite under `out` (the apt repository root, `<output>/apt`). */
function aptSuite(out: string, suite: string, debs: Array<[string, string, string, string, string?]>): void {
  mkdirSync(out, { recursive: true });
  const pool = join(out, 'pool', suite, 'main');
  mkdirSync(pool, { recursive: true });
  for (const [n, v, a, d, s] of debs) buildDeb(pool, n, v, a, d, s);
  const bin = join(out, 'dists', suite, 'main', 'binary-amd64');
  mkdirSync(bin, { recursive: true });
  const packages = sh('apt-ftparchive', ['packages', `pool/${suite}`], { cwd: out });
  writeFileSync(join(bin, 'Packages'), packages);
  sh('gzip', ['-9kn', join(bin, 'Packages')]);
  const release = sh(
    'apt-ftparchive',
    [
      '-o',
      `APT::FTPArchive::Release::Suite=${suite}`,
      '-o',
      `APT::FTPArchive::Release::Codename=${suite}`,
      '-o',
      'APT::FTPArchive::Release::Components=main',
      '-o',
      'APT::FTPArchive::Release::Architectures=amd64',
      'release',
      `dists/${suite}`,
    ],
    { cwd: out },
  );
  writeFileSync(join(out, 'dists', suite, 'Release'), release);
}

/** hello-2.12-1.fc41.noarch.rpm built by rpmbuild under `work`; returns its path. */
export function buildRpm(work: string): string {
  const top = join(work, 'rpmbuild');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const spec = [
    'Name: hello',
    'Version: 2.12',
    'Release: 1.fc41',
    'Summary: the friendly greeter',
    'License: GPL-3.0-or-later',
    'BuildArch: noarch',
    '%description',
    'Prints a greeting.',
    '%install',
    'mkdir -p %{buildroot}/usr/share/hello',
    'echo hi > %{buildroot}/usr/share/hello/greeting',
    '%files',
    '/usr/share/hello/greeting',
    '',
  ].join('\n');
  writeFileSync(join(top, 'SPECS', 'hello.spec'), spec);
  sh('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_binary_payload w9.gzdio', '-bb', join(top, 'SPECS', 'hello.spec')]);
  return join(top, 'RPMS', 'noarch', 'hello-2.12-1.fc41.noarch.rpm');
}

/** A yum repository made by createrepo_c at `<out>/<repoPath>`. */
function yumRepo(out: string, work: string, repoPath: string): void {
  const rpm = buildRpm(work);
  const dest = join(out, repoPath);
  mkdirSync(join(dest, 'Packages', 'h'), { recursive: true });
  sh('cp', [rpm, join(dest, 'Packages', 'h')]);
  sh('createrepo_c', ['--quiet', '--general-compress-type=gz', dest]);
}

/** A patch report for hello: two patches to forward, one forwarded with an open PR. */
export function patchReport(now: Date): PatchReport {
  const entry = (file: string, status: PatchEntry['status']): PatchEntry => ({
    recipe: 'hello',
    file,
    size: { files: 1, added: 2, removed: 1 },
    dep3: { bugs: [] },
    status,
    reason: 'fixture',
    action: 'fixture',
    headerProblems: [],
    notForwarded: status === 'needs-forwarding',
  });
  const patches = [
    entry('01-fix.patch', 'needs-forwarding'),
    entry('02-doc.patch', 'needs-forwarding'),
    entry('03-pr.patch', 'forwarded-open'),
  ];
  const counts = countStatuses(patches);
  return {
    generatedAt: now.toISOString(),
    recipes: [{ recipe: 'hello', checkedAgainst: ['2.12'], patches, counts, warnings: [] }],
    counts,
    total: patches.length,
    actions: [],
  };
}

export interface SiteFixture {
  repoRoot: string;
  outputDir: string;
  fingerprint: string;
  publicKey: string;
  buildDir: string;
}

export const FIXTURE_PASSPHRASE = 'fixture-passphrase';

/** pkgtrack.yaml with a signing key, and two recipes (hello, tool), under `<root>/recipes-repo`. */
export async function writeRecipesRepo(root: string, url: string | undefined, now: Date) {
  const repoRoot = join(root, 'recipes-repo');
  mkdirSync(join(repoRoot, 'keys'), { recursive: true });
  const key = await generateSigningKey({
    type: 'ed25519',
    name: 'Demo Archive',
    email: 'archive@example.org',
    expiresInSeconds: 2 * 365 * 86400,
    passphrase: FIXTURE_PASSPHRASE,
    date: new Date(now.getTime() - 86400_000),
  });
  writeFileSync(join(repoRoot, 'keys', 'signing.asc'), key.privateKey);
  writeFileSync(
    join(repoRoot, 'pkgtrack.yaml'),
    [
      'name: demo',
      'origin: Demo',
      'label: Demo & Friends',
      `description: ${JSON.stringify(HOSTILE_DESCRIPTION)}`,
      'maintainer: Jane Doe <jane@example.org>',
      ...(url ? [`url: ${url}`] : []),
      'output: public',
      'signing:',
      '  key: keys/signing.asc',
      'targets: [debian:bookworm, fedora:41]',
      '',
    ].join('\n'),
  );
  for (const [name, home] of [
    ['hello', 'https://www.gnu.org/software/hello/'],
    ['tool', 'https://tool.example.org/'],
  ] as const) {
    mkdirSync(join(repoRoot, 'recipes', name), { recursive: true });
    writeFileSync(
      join(repoRoot, 'recipes', name, 'recipe.yaml'),
      [
        `name: ${name}`,
        `summary: ${JSON.stringify(name === 'hello' ? HOSTILE_SUMMARY : 'a small tool')}`,
        `homepage: ${home}`,
        'upstream:',
        '  kind: http',
        `  url: https://${name}.example.org/releases/`,
        `  pattern: '${name}-(?<version>[0-9.]+)\\.tar\\.gz'`,
        '',
      ].join('\n'),
    );
  }
  return { repoRoot, key };
}

export async function makeSiteFixture(root: string, url: string | undefined, now: Date): Promise<SiteFixture> {
  const { repoRoot, key } = await writeRecipesRepo(root, url, now);
  const outputDir = join(repoRoot, 'public');
  mkdirSync(outputDir, { recursive: true });
  // The layout publish gives the output dir (repo/registry.ts): <output>/apt, <output>/yum.
  const aptRoot = join(outputDir, 'apt');
  aptSuite(aptRoot, 'bookworm', [
    ['hello', '2.10-1~deb12u1', 'amd64', 'the friendly greeter'],
    ['hello-doc', '2.10-1~deb12u1', 'all', 'documentation for hello', 'hello'],
    ['tool', '1:3.0-2~deb12u1', 'amd64', 'a small tool'],
    ['lonely', '0.1-1', 'amd64', 'a package without a recipe'],
  ]);
  aptSuite(aptRoot, 'bookworm-trunk', [['hello', '2.12+git20261101.3.abc1234-1~deb12u1', 'amd64', 'the friendly greeter (snapshot)']]);
  yumRepo(join(outputDir, 'yum'), root, 'fedora/41/x86_64');

  // What `pkgtrack report patches --format json|html --out public/reports/patches.*` publishes.
  const report = patchReport(now);
  mkdirSync(join(outputDir, 'reports'), { recursive: true });
  writeFileSync(join(outputDir, 'reports', 'patches.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outputDir, 'reports', 'patches.html'), renderHtml(report));

  const buildDir = join(root, 'builds', 'hello-bookworm');
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(
    join(buildDir, 'manifest.json'),
    `${JSON.stringify({ recipe: 'hello', target: 'debian:bookworm', suite: 'bookworm', packageVersion: '2.10-1~deb12u1', artifacts: [{ name: 'hello_2.10-1~deb12u1_amd64.deb' }] })}\n`,
  );
  writeFileSync(join(buildDir, 'build.log'), 'dpkg-buildpackage: info: binary-only upload\n');
  writeFileSync(join(buildDir, 'hello_2.10-1~deb12u1_amd64.deb'), 'not copied to the site');

  const day = 86_400_000;
  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * day).toISOString();
  const store = StateStore.open(repoRoot);
  const obs = store.connection.prepare('INSERT INTO upstream_observations (recipe, source, version, observed_at) VALUES (?, ?, ?, ?)');
  obs.run('hello', 'http', '2.10', iso(40));
  obs.run('hello', 'http', '2.11', iso(9));
  obs.run('hello', 'http', '2.12', iso(3));
  obs.run('hello', 'http', '2.12', iso(1)); // seen again: still first seen 3 days ago
  obs.run('tool', 'http', '3.0', iso(20));
  store.connection
    .prepare('INSERT INTO builds (recipe, target, version, input_hash, result, out_dir, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?)')
    .run('hello', 'debian:bookworm', '2.10-1~deb12u1', 'abc', 'ok', buildDir, iso(41), iso(40));
  store.close();
  return { repoRoot, outputDir, fingerprint: key.fingerprint, publicKey: key.publicKey, buildDir };
}
