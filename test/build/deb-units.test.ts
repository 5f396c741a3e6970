/** The deb builder's pure parts, checked against dpkg's own parsers (Dpkg::Deps, dpkg-parsechangelog). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderChangelogEntry } from '../../src/builders/deb/changelog.js';
import { parseBuildDepends } from '../../src/builders/deb/control.js';
import { lintFailed } from '../../src/builders/builder.js';
import { lintianReport, parseLintian } from '../../src/builders/deb/lintian.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Build-Depends* relations as dpkg-dev splits them. */
function dpkgBuildDeps(file: string): string[] {
  const perl = `
    use Dpkg::Control::Info; use Dpkg::Deps;
    my $s = Dpkg::Control::Info->new($ARGV[0])->get_source;
    for my $f (qw(Build-Depends Build-Depends-Arch Build-Depends-Indep)) {
      next unless defined $s->{$f};
      print "$_\\n" for deps_parse($s->{$f}, build_dep => 1, reduce_arch => 0, reduce_profiles => 0)->get_deps;
    }`;
  const r = spawnSync('perl', ['-e', perl, file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

const norm = (r: string) => r.replace(/\s+/g, '');

describe('Build-Depends', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-control-'));
  const complex = join(tmp, 'control');
  writeFileSync(
    complex,
    [
      '# comment line',
      'Source: foo',
      'Build-Depends: debhelper-compat (= 13),',
      ' libssl-dev (>= 3.0) | libressl-dev,',
      ' pkg-config <!nocheck>,',
      ' gcc-multilib [amd64 i386],',
      'Build-Depends-Indep: python3-sphinx',
      'Build-Depends-Arch: libfoo-dev:native',
      '',
      'Package: foo',
      'Architecture: any',
      'Depends: not-a-build-dep',
      '',
    ].join('\n'),
  );
  for (const file of [join(ROOT, 'recipes/hello/debian/control'), join(ROOT, 'recipes/jq/debian/control'), complex]) {
    it(`match dpkg's parser: ${file.replace(ROOT, '.')}`, () => {
      const ours = parseBuildDepends(readFileSync(file, 'utf8'), file);
      expect(ours.map(norm).sort()).toEqual(dpkgBuildDeps(file).map(norm).sort());
    });
  }
  it('rejects shell metacharacters with the file, line and field', () => {
    try {
      parseBuildDepends('Source: x\nBuild-Depends: foo; rm -rf /\n', 'debian/control');
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONTROL_BAD_RELATION');
      expect((e as { details: { line: number; field: string } }).details).toMatchObject({ line: 2, field: 'build-depends' });
    }
  });
});

describe('changelog entry', () => {
  it('is read back by dpkg-parsechangelog with every field intact', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-changelog-'));
    const file = join(tmp, 'changelog');
    const changes = [
      'Upstream version 2.12.3.',
      'Built by pkgtrack for debian:bookworm.',
      `Patch queue (2): ${'a-very-long-patch-name.patch, '.repeat(4)}b.patch.`,
    ];
    writeFileSync(
      file,
      renderChangelogEntry({
        source: 'hello',
        version: '2.12.3-1~deb12u1',
        distribution: 'bookworm',
        changes,
        maintainer: 'pkgtrack Example Maintainers <maintainers@example.org>',
        timestamp: 1763726400,
      }),
    );
    const r = spawnSync('dpkg-parsechangelog', ['-l', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Source: hello$/m);
    expect(r.stdout).toMatch(/^Version: 2\.12\.3-1~deb12u1$/m);
    expect(r.stdout).toMatch(/^Distribution: bookworm$/m);
    expect(r.stdout).toMatch(/^Maintainer: pkgtrack Example Maintainers <maintainers@example.org>$/m);
    expect(r.stdout).toMatch(/^Timestamp: 1763726400$/m);
    expect(r.stderr).toBe('');
    const body = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('  '));
    expect(body.length).toBeGreaterThan(3);
    for (const line of body) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe('lintian output', () => {
  it('parses tags of each severity and applies the fail level', () => {
    const out = [
      'E: hello: binary-without-manpage [usr/bin/hello]',
      'W: hello source: newer-standards-version 4.7.0 (current is 4.6.2)',
      'I: hello: hardening-no-fortify-functions [usr/bin/hello]',
      'N: some note that is not a tag',
    ].join('\n');
    const f = parseLintian(out);
    expect(f.map((x) => [x.severity, x.subject, x.tag])).toEqual([
      ['error', 'hello', 'binary-without-manpage'],
      ['warning', 'hello source', 'newer-standards-version'],
      ['info', 'hello', 'hardening-no-fortify-functions'],
    ]);
    expect(lintFailed(f, 'error')).toBe(true);
    expect(lintFailed(f.slice(1), 'error')).toBe(false);
    expect(lintFailed(f.slice(1), 'warning')).toBe(true);
    expect(lintFailed(f, 'never')).toBe(false);
  });

  it("takes exit 2 (a --fail-on tag) by its tags, and exit 1 as lintian's own failure, named without the root warning", () => {
    // yaml-cpp 0.8.0+dfsg-7 built for bookworm: lintian 2.116 printed an E: tag and exited 2.
    const tag = 'E: libyaml-cpp0.8: symbols-file-contains-current-version-with-debian-revision on symbol _Z@Base [symbols]';
    const root = 'running with root privileges is not recommended!';
    const found = lintianReport(2, tag, root, ['a.deb'], 'error');
    expect(found.findings.map((x) => x.tag)).toEqual(['symbols-file-contains-current-version-with-debian-revision']);
    expect(found.failed).toBe(true);
    expect(lintianReport(2, tag, root, ['a.deb'], 'never').failed).toBe(false);
    expect(lintianReport(0, 'W: x source: some-warning', '', ['a.dsc'], 'error')).toMatchObject({ failed: false });
    const broken = lintianReport(1, '', `cannot unpack a.deb\n${root}`, ['a.deb'], 'error');
    expect(broken.failed).toBe(true);
    expect(broken.findings).toEqual([{ severity: 'error', tag: 'lintian-failed', subject: 'a.deb', detail: 'cannot unpack a.deb' }]);
  });
});
