/**
 * A backport end to end, as a Debian backporter does it, with the real archive and podman:
 * `recipe import debian:hello/sid --for debian:bookworm` (sid's packaging, the version bookworm
 * ships recorded), build in a container for a backports channel, then check what users get:
 * the version `dch --bpo` would pick, Debian's changelog history kept under the backport entry
 * in the binary and in the published source, a .changes that covers everything since
 * bookworm's version (-v), a bookworm-backports suite with NotAutomatic/ButAutomaticUpgrades,
 * and `repo try --upgrade`: bookworm's own hello installed from Debian, upgraded to ours,
 * removed, purged.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { makeKey, type TestKey } from '../repo/apt-helpers.js';
import type { BuildSummary, TargetBuild } from '../../src/services/build/build.js';
import { cli } from './helpers.js';

let repo: string;
let key: TestKey;
let build: TargetBuild;

const sh = (cmd: string, args: string[], cwd?: string) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  repo = tempDir('pkgtrack-backport-');
  key = makeKey(repo);
  copyFileSync(key.secret, join(repo, 'key.asc'));
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    [
      'name: bpo-test',
      'origin: bpo-test',
      'label: bpo test',
      'maintainer: Test Backporter <bpo@example.org>',
      'signing:',
      '  key: key.asc',
      'targets: [debian:bookworm, fedora:41]',
      'channels:',
      '  stable:',
      '    backports: true',
      '',
    ].join('\n'),
  );
  mkdirSync(join(repo, 'recipes'));
}, 60_000);

describe('a backport of hello from sid to bookworm', () => {
  it('imports sid packaging for bookworm: the version bookworm ships, no rpm target without a spec, no temporary paths in notes', async () => {
    // The CI mirror is a frozen snapshot: its Release is past Valid-Until.
    const r = await cli(['recipe', 'import', 'debian:hello/sid', '--for', 'debian:bookworm', '--no-check-valid-until', '--json'], {
      cwd: repo,
    });
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.targets).toEqual(['debian:bookworm']);
    expect(got.upstream).toMatchObject({ kind: 'debian', package: 'hello', suite: 'sid', checkValidUntil: false });
    expect(JSON.stringify(got.notes)).not.toMatch(/\.pkgtrack\/work|import-\d+/);
    const yaml = readFileSync(join(repo, 'recipes/hello/recipe.yaml'), 'utf8');
    expect(yaml).toMatch(/debian:bookworm: 2\.10-3/);
    // The Debian revision stays in debian/changelog; the recipe's (rpm Release) is not copied from it.
    expect(yaml).not.toMatch(/^revision:/m);
    expect((await pkgtrack(['recipe', 'validate'], { cwd: repo })).code).toBe(0);
  }, 300_000);

  it(
    'builds 2.12.3-1~bpo12+1 in a container',
    async () => {
      const r = await cli(['build', 'hello', '--json'], { cwd: repo });
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as BuildSummary;
      build = summary.builds[0]!;
      expect(build.result).toBe('built');
      expect(build.version).toMatch(/^2\.12\.3-1~bpo12\+1$/);
    },
    40 * 60_000,
  );

  it("keeps Debian's changelog under the backport entry, in the .deb and the source package", () => {
    const deb = join(build.outDir!, build.artifacts.find((a) => /^hello_.*_amd64\.deb$/.test(a))!);
    const x = tempDir('pkgtrack-bpo-x-');
    sh('dpkg-deb', ['-x', deb, x]);
    const changelog = sh('zcat', [join(x, 'usr/share/doc/hello/changelog.Debian.gz')]);
    const lines = changelog.split('\n');
    expect(lines[0]).toBe('hello (2.12.3-1~bpo12+1) bookworm-backports; urgency=medium');
    expect(changelog).toMatch(/^ {2}\* Rebuild for bookworm-backports\.$/m);
    expect(changelog).toMatch(/^hello \(2\.12\.3-1\) unstable;/m);
    expect(changelog).toMatch(/^hello \(2\.10-3\) unstable;/m);
    expect(changelog).toMatch(/Closes: #\d+/);

    const dsc = join(build.outDir!, build.artifacts.find((a) => a.endsWith('.dsc'))!);
    const src = join(tempDir('pkgtrack-bpo-src-'), 'src');
    sh('dpkg-source', ['--no-check', '-x', dsc, src]);
    const versions = [
      ...sh('dpkg-parsechangelog', ['-l', join(src, 'debian/changelog'), '--format', 'rfc822', '--all']).matchAll(/^Version: (\S+)$/gm),
    ].map((m) => m[1]);
    expect(versions.slice(0, 2)).toEqual(['2.12.3-1~bpo12+1', '2.12.3-1']);
    expect(versions).toContain('2.10-3');
  });

  it(".changes covers every entry since bookworm's 2.10-3 (dpkg-buildpackage -v), not that one, and carries the new orig (-sa)", () => {
    const changes = readFileSync(join(build.outDir!, build.artifacts.find((a) => a.endsWith('.changes'))!), 'utf8');
    expect(changes).toMatch(/^Version: 2\.12\.3-1~bpo12\+1$/m);
    expect(changes).toMatch(/^ hello \(2\.12\.3-1\) unstable;/m);
    expect(changes).not.toMatch(/^ hello \(2\.10-3\)/m);
    // A new upstream for bookworm: the upload carries the orig tarball (-sa), as a first upload to bookworm-backports must.
    expect(changes).toMatch(/ hello_2\.12\.3\.orig\.tar\.gz$/m);
  });

  it("carries Debian's upstream signature (orig.tar.gz.asc) in the source package, verified by dpkg-source -b and sqv", () => {
    // The .asc Debian ships beside the orig, as its Sources index lists it (the same bytes).
    const debianAsc = sh('sh', [
      '-c',
      'curl -fsS "$0" | sha256sum',
      'http://deb.debian.org/debian/pool/main/h/hello/hello_2.12.3.orig.tar.gz.asc',
    ]);
    const asc = join(build.outDir!, 'hello_2.12.3.orig.tar.gz.asc');
    expect(build.artifacts).toContain('hello_2.12.3.orig.tar.gz.asc');
    expect(sh('sha256sum', [asc]).split(' ')[0]).toBe(debianAsc.split(' ')[0]);
    const dscName = build.artifacts.find((a) => a.endsWith('.dsc'))!;
    expect(readFileSync(join(build.outDir!, dscName), 'utf8')).toMatch(/ hello_2\.12\.3\.orig\.tar\.gz\.asc$/m);
    const changes = readFileSync(join(build.outDir!, build.artifacts.find((a) => a.endsWith('.changes'))!), 'utf8');
    expect(changes).toMatch(/ hello_2\.12\.3\.orig\.tar\.gz\.asc$/m);
    // dpkg-source -b checked it in the container with the packaging's debian/upstream/signing-key.asc ...
    const log = readFileSync(build.log!, 'utf8');
    expect(log).toMatch(/dpkg-source: info: verifying \.\/hello_2\.12\.3\.orig\.tar\.gz\.asc/);
    expect(log).not.toMatch(/cannot verify upstream tarball signature/);
    // ... and so does Sequoia's sqv, here, against the orig the source package carries.
    sh('sqv', [
      '--keyring',
      join(repo, 'recipes/hello/debian/upstream/signing-key.asc'),
      asc,
      join(build.outDir!, 'hello_2.12.3.orig.tar.gz'),
    ]);
  });

  it('publishes to bookworm-backports (NotAutomatic, ButAutomaticUpgrades)', async () => {
    const r = await pkgtrack(['publish', build.outDir!], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const release = readFileSync(join(repo, 'public/apt/dists/bookworm-backports/Release'), 'utf8');
    expect(release).toMatch(/^NotAutomatic: yes$/m);
    expect(release).toMatch(/^ButAutomaticUpgrades: yes$/m);
  });

  it("upgrades bookworm's own hello to the backport in a clean bookworm container with Debian's archive, then removes and purges it", async () => {
    const r = await cli(
      [
        'repo',
        'try',
        'hello',
        '-t',
        'debian:bookworm',
        '--suite',
        'bookworm-backports',
        '--upgrade',
        '--key',
        key.pub,
        '--json',
        '--',
        'hello',
      ],
      { cwd: repo },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.upgrade).toEqual({ from: '2.10-3', removed: true, purged: true });
    expect(got.installed).toBe('2.12.3-1~bpo12+1');
    expect(got.output).toMatch(/Hello, world!/);
  }, 600_000);
});
