/**
 * Debug symbols are published apart, as Debian's debian-debug archive (`bookworm-debug main`)
 * and Fedora's debug repositories: on synthetic packages (dpkg-deb, rpmbuild), `publish` puts a
 * `-dbgsym` deb (Package: *-dbgsym + Auto-Built-Package: debug-symbols) into `<suite>-debug`
 * with its own signed Release (same key, same Origin, Label + " (debug)", the main suite's
 * NotAutomatic/ButAutomaticUpgrades), never into the main suite; `-debuginfo`/`-debugsource`
 * rpms into `<repository>-debug` with its own repomd.xml. The routing reads the control file,
 * not only the file name; `debugSymbols: false` publishes none; verify, retention and remove treat
 * the debug suite like any other (removing a package removes its -dbgsym too); --json and the web page say how to turn it on.
 * The real build → publish → apt install is test/build/dbgsym.test.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { buildDeb, makeKey, type TestKey } from './apt-helpers.js';
import { buildVersions } from './yum/harness.js';
import { rmSync } from 'node:fs';

const DBGSYM = 'Auto-Built-Package: debug-symbols\n';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-dbgsym-');
  key = makeKey(dir);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A recipes repository (pkgtrack.yaml `extra` lines appended). */
function repoWith(name: string, extra = ''): string {
  const repo = join(dir, name);
  mkdirSync(repo);
  copyFileSync(key.secret, join(repo, 'key.asc'));
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    `name: test\norigin: Test\nlabel: Test\nmaintainer: Test <test@example.org>\nurl: https://example.org/repo\nsigning:\n  key: key.asc\n${extra}`,
  );
  return repo;
}

/** A build folder: foo and its automatic -dbgsym package. */
function fooBuild(name: string, version = '1.0-1'): string {
  const out = join(dir, `${name}-in`);
  mkdirSync(out, { recursive: true });
  buildDeb(out, 'foo', version, { arch: 'amd64' });
  buildDeb(out, 'foo-dbgsym', version, { arch: 'amd64', control: `${DBGSYM}Depends: foo (= ${version})\n` });
  return out;
}

const read = (repo: string, rel: string) => readFileSync(join(repo, 'public/apt/dists', rel), 'utf8');
const field = (text: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1];

async function gpgvOk(repo: string, suite: string): Promise<void> {
  const keyring = join(dir, 'keyring.gpg');
  if (!existsSync(keyring)) {
    const r = await spawnAsync('gpg', ['--batch', '--yes', '--dearmor', '-o', keyring, key.pub]);
    expect(r.code, r.stderr).toBe(0);
  }
  const r = await spawnAsync('gpgv', ['--keyring', keyring, join(repo, 'public/apt/dists', suite, 'InRelease')]);
  expect(r.code, r.stderr).toBe(0);
}

describe('apt: -dbgsym debs go to <suite>-debug', () => {
  let repo: string;
  let json: {
    reports: Array<{ suite: string; added: Array<{ name: string }> }>;
    debugSuites: Array<{ kind: string; suite: string; for: string; enable: string; install: string }>;
  };

  beforeAll(async () => {
    repo = repoWith('basic');
    const r = await pkgtrack(['publish', '--suite', 'bookworm', fooBuild('basic'), '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    json = r.json() as typeof json;
  }, 120_000);

  it('main Packages lacks the -dbgsym package; the debug suite has it and only it', () => {
    const main = read(repo, 'bookworm/main/binary-amd64/Packages');
    expect(main).toMatch(/^Package: foo$/m);
    expect(main).not.toMatch(/dbgsym/);
    const debug = read(repo, 'bookworm-debug/main/binary-amd64/Packages');
    expect(debug.match(/^Package: .*$/gm)).toEqual(['Package: foo-dbgsym']);
    expect(debug).toMatch(/^Filename: pool\/main\/f\/foo-dbgsym\/foo-dbgsym_1\.0-1_amd64\.deb$/m);
    expect(json.reports.map((r) => [r.suite, r.added.map((p) => p.name)]).sort()).toEqual([
      ['bookworm', ['foo']],
      ['bookworm-debug', ['foo-dbgsym']],
    ]);
  });

  it('the debug suite has its own Release signed by the same key: same Origin, Label + " (debug)", its own Suite/Codename', async () => {
    const main = read(repo, 'bookworm/Release');
    const debug = read(repo, 'bookworm-debug/Release');
    expect(field(debug, 'Origin')).toBe(field(main, 'Origin'));
    expect(field(debug, 'Label')).toBe(`${field(main, 'Label')} (debug)`);
    expect(field(debug, 'Suite')).toBe('bookworm-debug');
    expect(field(debug, 'Codename')).toBe('bookworm-debug');
    expect(field(debug, 'Components')).toBe('main');
    expect(debug).not.toMatch(/NotAutomatic/);
    await gpgvOk(repo, 'bookworm-debug');
    await gpgvOk(repo, 'bookworm');
  });

  it('--json and the human output say how to turn the debug suite on', async () => {
    expect(json.debugSuites).toEqual([
      {
        kind: 'apt',
        suite: 'bookworm-debug',
        for: 'bookworm',
        enable: 'deb [signed-by=/etc/apt/keyrings/test-archive-keyring.asc] https://example.org/repo/apt bookworm-debug main',
        install: 'sudo apt update && sudo apt install foo-dbgsym',
      },
    ]);
    const again = await pkgtrack(['publish', '--suite', 'bookworm', fooBuild('basic')], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/debug symbols for bookworm are in apt bookworm-debug/);
    expect(again.stdout).toContain('https://example.org/repo/apt bookworm-debug main');
  });

  it('the web page lists the debug suite apart from the suites to install from, with its source line and apt install', () => {
    const page = readFileSync(join(repo, 'public/index.html'), 'utf8');
    expect(page).toContain('id="install-debug"');
    expect(page).toContain('deb [signed-by=/etc/apt/keyrings/test-archive-keyring.asc] https://example.org/repo/apt bookworm-debug main');
    expect(page).toContain('sudo apt install foo-dbgsym');
    // Not offered as a suite of its own among the .sources snippets.
    expect(page).not.toMatch(/class="sources-snippet" data-suite="bookworm-debug"/);
  });

  it('repo verify checks the debug suite like any other; repo remove and retention work on it', async () => {
    const v = await pkgtrack(['repo', 'verify', 'public', '--json'], { cwd: repo });
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.stringify(v.json())).toContain('dists/bookworm-debug/InRelease');
    // Retention (keep 1) drops the old -dbgsym from the debug suite as it drops the old foo from main.
    const newer = await pkgtrack(['publish', '--suite', 'bookworm', '--keep', '1', fooBuild('basic-2', '1.1-1')], { cwd: repo });
    expect(newer.code, newer.stderr).toBe(0);
    expect(read(repo, 'bookworm-debug/main/binary-amd64/Packages').match(/^Version: .*$/gm)).toEqual(['Version: 1.1-1']);
    expect(read(repo, 'bookworm/main/binary-amd64/Packages').match(/^Version: .*$/gm)).toEqual(['Version: 1.1-1']);
    const rm = await pkgtrack(['repo', 'remove', 'foo-dbgsym', '--suite', 'bookworm-debug'], { cwd: repo });
    expect(rm.code, rm.stderr).toBe(0);
    expect(read(repo, 'bookworm-debug/main/binary-amd64/Packages')).toBe('');
    expect(read(repo, 'bookworm/main/binary-amd64/Packages')).toMatch(/^Package: foo$/m);
    // Removing a package from its suite takes its -dbgsym out of the debug suite too.
    const again = await pkgtrack(['publish', '--suite', 'bookworm', fooBuild('basic-3', '1.2-1')], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(read(repo, 'bookworm-debug/main/binary-amd64/Packages')).toMatch(/^Package: foo-dbgsym$/m);
    const both = await pkgtrack(['repo', 'remove', 'foo', '--suite', 'bookworm', '--version', '1.2-1'], { cwd: repo });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stdout).toMatch(/^removed foo 1\.2-1 amd64 from bookworm$/m);
    expect(both.stdout).toMatch(/^removed foo-dbgsym 1\.2-1 amd64 from bookworm-debug$/m);
    expect(read(repo, 'bookworm-debug/main/binary-amd64/Packages')).toBe('');
    expect(read(repo, 'bookworm/main/binary-amd64/Packages').match(/^Version: .*$/gm)).toEqual(['Version: 1.1-1']);
    // The page took both suites' changes alone; the whole way finds nothing else to write.
    expect(both.stderr).toContain('(1 package page(s) rewritten)'); // foo's: 1.1-1 now
    const site = await pkgtrack(['site', '--json'], { cwd: repo });
    expect(site.code, site.stderr).toBe(0);
    expect(site.json().written).toEqual(['index.html']);
  });
});

describe('apt: what is and is not a debug-symbols package', () => {
  it('a package named -dbgsym without Auto-Built-Package stays in the main suite (the control decides, not the name)', async () => {
    const repo = repoWith('by-control');
    const deb = buildDeb(join(dir, 'by-control-in'), 'bar-dbgsym', '1.0-1', { arch: 'amd64' });
    const r = await pkgtrack(['publish', '--suite', 'bookworm', deb], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(read(repo, 'bookworm/main/binary-amd64/Packages')).toMatch(/^Package: bar-dbgsym$/m);
    expect(existsSync(join(repo, 'public/apt/dists/bookworm-debug'))).toBe(false);
  });

  it('a debug-symbols package under another file name is refused for the main suite, naming the fix', async () => {
    const repo = repoWith('renamed');
    const deb = buildDeb(join(dir, 'renamed-in'), 'baz-dbgsym', '1.0-1', { arch: 'amd64', control: DBGSYM, file: 'baz-symbols.deb' });
    const r = await pkgtrack(['publish', '--suite', 'bookworm', deb], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PUBLISH_DEBUG_IN_MAIN_SUITE/);
    expect(r.stderr).toMatch(/--suite bookworm-debug/);
    expect(existsSync(join(repo, 'public/apt/dists/bookworm'))).toBe(false);
    const ok = await pkgtrack(['publish', '--suite', 'bookworm-debug', deb], { cwd: repo });
    expect(ok.code, ok.stderr).toBe(0);
    expect(read(repo, 'bookworm-debug/main/binary-amd64/Packages')).toMatch(/^Package: baz-dbgsym$/m);
  });

  it('debugSymbols: false in pkgtrack.yaml publishes no debug symbols at all, and says so', async () => {
    const repo = repoWith('off', 'debugSymbols: false\n');
    const r = await pkgtrack(['publish', '--suite', 'bookworm', fooBuild('off')], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/debugSymbols: false in pkgtrack\.yaml: 1 debug-symbols package\(s\) not published/);
    expect(r.stdout).not.toMatch(/debug symbols for/);
    expect(read(repo, 'bookworm/main/binary-amd64/Packages')).not.toMatch(/dbgsym/);
    expect(existsSync(join(repo, 'public/apt/dists/bookworm-debug'))).toBe(false);
  });

  it('a backports channel: <release>-backports-debug inherits NotAutomatic and ButAutomaticUpgrades', async () => {
    const repo = repoWith('bpo', 'channels:\n  stable:\n    backports: true\n');
    const r = await pkgtrack(['publish', '--suite', 'bookworm-backports', fooBuild('bpo')], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const debug = read(repo, 'bookworm-backports-debug/Release');
    expect(field(debug, 'NotAutomatic')).toBe('yes');
    expect(field(debug, 'ButAutomaticUpgrades')).toBe('yes');
    expect(field(debug, 'Label')).toBe('Test (debug)');
    expect(field(read(repo, 'bookworm-backports/Release'), 'NotAutomatic')).toBe('yes');
  });
});

describe('yum: -debuginfo/-debugsource rpms go to <repository>-debug', () => {
  it('publishes them into their own repository with its own signed repomd.xml, not into the main one', async () => {
    const repo = repoWith('yum');
    const src = join(dir, 'rpms');
    const rpms = [
      ...buildVersions(join(src, 'a'), ['1.0-1'], 'x', 'qux'),
      ...buildVersions(join(src, 'b'), ['1.0-1'], 'y', 'qux-debuginfo'),
      ...buildVersions(join(src, 'c'), ['1.0-1'], 'z', 'qux-debugsource'),
    ];
    const r = await pkgtrack(['publish', '--suite', 'fedora/41/x86_64', ...rpms, '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const yum = join(repo, 'public/yum/fedora/41');
    const primary = async (d: string) => {
      const repomd = readFileSync(join(yum, d, 'repodata/repomd.xml'), 'utf8');
      const href = /href="(repodata\/[^"]*primary\.xml\.gz)"/.exec(repomd)![1]!;
      const z = await spawnAsync('gzip', ['-dc', join(yum, d, href)]);
      return [...z.stdout.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]).sort();
    };
    expect(await primary('x86_64')).toEqual(['qux']);
    expect(await primary('x86_64-debug')).toEqual(['qux-debuginfo', 'qux-debugsource']);
    expect(existsSync(join(yum, 'x86_64-debug/repodata/repomd.xml.asc'))).toBe(true);
    const notes = (r.json() as { debugSuites: Array<{ kind: string; suite: string; enable: string; install: string }> }).debugSuites;
    expect(notes).toEqual([
      {
        kind: 'yum',
        suite: 'fedora/41/x86_64-debug',
        for: 'fedora/41/x86_64',
        enable:
          'sudo curl -fsSLo /etc/yum.repos.d/test-fedora-41-x86_64-debug.repo https://example.org/repo/yum/fedora/41/x86_64-debug/test-fedora-41-x86_64-debug.repo',
        install: 'sudo dnf install qux-debuginfo qux-debugsource',
      },
    ]);
    expect(existsSync(join(yum, 'x86_64-debug/test-fedora-41-x86_64-debug.repo'))).toBe(true);
    const v = await pkgtrack(['verify', join(yum, 'x86_64-debug'), '--keyring', key.pub], { cwd: repo });
    expect(v.code, `${v.stdout}\n${v.stderr}`).toBe(0);
  });
});
