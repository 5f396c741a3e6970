/**
 * End to end with real podman: build the bundled hello recipe for bookworm and trixie, install
 * each .deb with dpkg in a clean container of the same release and run it; rebuild and compare
 * bytes (cmp + diffoscope); a run with nothing changed is skipped; a build that reaches for the
 * network fails saying so, without stopping the other recipes.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatLintFinding } from '../../src/builders/builder.js';
import { parseLintian } from '../../src/builders/deb/lintian.js';
import { ensureBaseImage } from '../../src/containers/base-image.js';
import { PodmanEngine } from '../../src/containers/podman.js';
import { silentProgress } from '../../src/core/progress.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import type { BuildSummary, TargetBuild } from '../../src/services/build/build.js';
import { spawnAsync } from '../helpers/process.js';
import { cli, scratchRepo } from './helpers.js';

const repo = scratchRepo();
const out = join(repo, 'out');
const TARGETS = [
  { id: 'debian:bookworm', dir: 'debian-bookworm', suffix: '~deb12u1', suite: 'bookworm' },
  { id: 'debian:trixie', dir: 'debian-trixie', suffix: '~deb13u1', suite: 'trixie' },
];
const engine = new PodmanEngine();

function byTarget(s: BuildSummary, recipe: string, target: string): TargetBuild {
  const b = s.builds.find((x) => x.recipe === recipe && x.target === target);
  expect(b, JSON.stringify(s.builds)).toBeDefined();
  return b!;
}

function debOf(b: TargetBuild): string {
  // hello's own package, not hello-dbgsym (which sorts first).
  const deb = b.artifacts.find((a) => a.startsWith(`${b.recipe}_`) && a.endsWith('_amd64.deb'));
  expect(deb, b.artifacts.join(' ')).toBeDefined();
  return join(b.outDir!, deb!);
}

describe('pkgtrack build hello', () => {
  let first: BuildSummary;
  const firstDebs = new Map<string, string>();

  it('builds bookworm and trixie in containers', { timeout: 40 * 60_000 }, async () => {
    const r = await cli(['build', 'hello', '-t', 'debian:bookworm', '-t', 'debian:trixie', '--out', out, '--json'], { cwd: repo });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    first = JSON.parse(r.stdout) as BuildSummary;
    expect(first.failed).toBe(0);
    for (const t of TARGETS) {
      const b = byTarget(first, 'hello', t.id);
      expect(b.result, JSON.stringify(b.error)).toBe('built');
      for (const k of ['.dsc', '.debian.tar.xz', '_amd64.deb', '_amd64.buildinfo', '_amd64.changes']) {
        expect(b.artifacts).toContain(`hello_${b.version}${k}`);
      }
      expect(b.artifacts.some((a) => /\.orig\.tar\.\w+$/.test(a))).toBe(true);
      const deb = debOf(b);
      const copy = join(repo, `first-${t.dir}.deb`);
      copyFileSync(deb, copy);
      firstDebs.set(t.id, copy);

      // dpkg's view of what we made
      const version = spawnSync('dpkg-deb', ['-f', deb, 'Version'], { encoding: 'utf8' }).stdout.trim();
      expect(version).toBe(b.version);
      expect(version).toMatch(new RegExp(`^\\d[\\d.]*-1${t.suffix.replace('~', '~')}$`));
      expect(spawnSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).stdout).toMatch(/\.\/usr\/bin\/hello$/m);

      // the source package: patch queue as debian/patches, changelog for the target suite
      const debianTar = join(b.outDir!, b.artifacts.find((a) => a.endsWith('.debian.tar.xz'))!);
      const series = spawnSync('tar', ['-xOJf', debianTar, 'debian/patches/series'], { encoding: 'utf8' });
      expect(series.stdout.trim().split('\n')).toEqual(
        readFileSync(join(repo, 'recipes/hello/patches/series'), 'utf8')
          .split('\n')
          .filter((l) => l && !l.startsWith('#')),
      );
      const changelog = spawnSync('tar', ['-xOJf', debianTar, 'debian/changelog'], { encoding: 'utf8' }).stdout;
      expect(changelog.split('\n')[0]).toBe(`hello (${b.version}) ${t.suite}; urgency=medium`);
      expect(changelog).toMatch(/Patch queue \(2\)/);
      expect(changelog).toMatch(/ -- pkgtrack Example Maintainers <maintainers@example.org> {2}\w{3}, /);

      // the manifest
      const m = JSON.parse(readFileSync(join(b.outDir!, 'manifest.json'), 'utf8'));
      expect(m).toMatchObject({ recipe: 'hello', target: t.id, suite: t.suite, packageVersion: b.version, engine: 'podman' });
      expect(m.upstream.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(m.recipeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(m.image.id).toMatch(/^sha256:/);
      expect(['pulled', 'bootstrapped']).toContain(m.image.baseOrigin);
      const sha = spawnSync('sha256sum', [deb], { encoding: 'utf8' }).stdout.split(' ')[0];
      expect(m.artifacts.find((a: { name: string }) => a.name === basename(deb)).sha256).toBe(sha);
      expect(m.artifacts.map((a: { name: string }) => a.name)).toContain(`hello-dbgsym_${b.version}_amd64.deb`);
      expect(m.lint.tool).toBe('lintian');
      expect(m.lint.errors).toBe(0);
      // lintian runs in stages during the build (source while the binaries build, then the
      // .debs): together they report what one lintian run over the finished .changes reports.
      const changes = b.artifacts.find((a) => a.endsWith('.changes'))!;
      const whole = parseLintian((await spawnAsync('lintian', ['--no-cfg', join(b.outDir!, changes)], { timeoutMs: 300_000 })).stdout).map(
        formatLintFinding,
      );
      expect([...(b.lint?.findings ?? [])].sort()).toEqual(whole.sort());
    }
  });

  it('each .deb installs with dpkg in a clean container of its release, and hello runs', { timeout: 10 * 60_000 }, async () => {
    for (const t of TARGETS) {
      const target = resolveTarget(t.id)!;
      const base = await ensureBaseImage(engine, target, silentProgress);
      const b = byTarget(first, 'hello', t.id);
      const r = await engine.run({
        image: base.ref,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a JS template
        argv: ['sh', '-ec', "dpkg -i /pkgs/*.deb && dpkg-query -W -f '${Status} ${Version}\\n' hello && hello && hello -g pkgtrack"],
        network: 'none',
        mounts: [{ host: b.outDir!, container: '/pkgs', readOnly: true }],
      });
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`install ok installed ${b.version}`);
      expect(r.output).toMatch(/^Hello, world!$/m);
      expect(r.output).toMatch(/^pkgtrack$/m);
    }
  });

  it('a forced rebuild gives byte-identical .debs (cmp and diffoscope)', { timeout: 20 * 60_000 }, async () => {
    const r = await cli(['build', 'hello', '-t', 'debian:bookworm', '-t', 'debian:trixie', '--out', out, '--force', '--json'], {
      cwd: repo,
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const again = JSON.parse(r.stdout) as BuildSummary;
    for (const t of TARGETS) {
      const b = byTarget(again, 'hello', t.id);
      expect(b.result).toBe('built');
      const before = readFileSync(firstDebs.get(t.id)!);
      const after = readFileSync(debOf(b));
      expect(Buffer.compare(before, after), `${t.id} .deb differs`).toBe(0);
      const d = await spawnAsync('diffoscope', ['--no-progress', firstDebs.get(t.id)!, debOf(b)], { timeoutMs: 300_000 });
      expect(d.code, d.stdout.slice(0, 2000)).toBe(0);
    }
  });

  it('with nothing changed the build is skipped as up to date; a network-hungry recipe fails saying so without stopping the others', {
    timeout: 20 * 60_000,
  }, async () => {
    const r = await cli(['build', 'hello', 'netcall', '-t', 'debian:bookworm', '--out', out, '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    const s = JSON.parse(r.stdout) as BuildSummary;
    expect(byTarget(s, 'hello', 'debian:bookworm').result).toBe('up-to-date');
    const net = byTarget(s, 'netcall', 'debian:bookworm');
    expect(net.result).toBe('failed');
    expect(net.error?.code).toBe('BUILD_NEEDS_NETWORK');
    expect(net.error?.message).toMatch(/network/);
    expect(net.error?.message).toMatch(/Could not resolve host/);
    expect(existsSync(net.log!)).toBe(true);
    expect(readFileSync(net.log!, 'utf8')).toMatch(/curl/);
    expect(s.failed).toBe(1);

    // human output names the failure and its log
    const h = await cli(['build', 'hello', 'netcall', '-t', 'debian:bookworm', '--out', out], { cwd: repo });
    expect(h.code).toBe(1);
    expect(h.stdout).toMatch(/hello\s+debian:bookworm\s+amd64\s+\S+\s+up-to-date/);
    expect(h.stdout).toMatch(/FAILED netcall debian:bookworm amd64: \[BUILD_NEEDS_NETWORK\]/);
    expect(h.stdout).toContain(`log: ${net.log}`);

    // and the whole hello set is up to date
    const again = await cli(['build', 'hello', '-t', 'debian:bookworm', '-t', 'debian:trixie', '--out', out, '--json'], {
      cwd: repo,
    });
    expect(again.code, again.stderr).toBe(0);
    for (const t of TARGETS) expect(byTarget(JSON.parse(again.stdout), 'hello', t.id).result).toBe('up-to-date');
  });
});
