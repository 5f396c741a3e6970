/**
 * -dbgsym packages for real (#20 item 10): a tiny C package (`Architecture: any`, debhelper
 * compat 13) built once for bookworm amd64 in the build container; dh_strip makes
 * tinyc-dbgsym (pkgtrack no longer passes noddebs), the build keeps it in its output and
 * manifest, `build --publish` puts it into bookworm-debug — not into bookworm — and real apt in
 * a bookworm container, given the main suite and the debug suite exactly as publish printed the
 * latter, installs tinyc and tinyc-dbgsym of the same version; the symbols file is the one for
 * the binary's build-id. The routing's other cases run on synthetic packages:
 * test/repo/debug-symbols.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { tinycRecipesRepo } from '../helpers/tinyc.js';

const env = { PKGTRACK_KEY_PASSPHRASE: 'dbgsym-test-passphrase' };
const IMAGE = 'localhost/pkgtrack/base:debian-bookworm';

let work: string;
let recipes: string;
let published: { debugSuites: Array<{ kind: string; suite: string; for: string; enable: string; install: string }> };

const outDir = () => join(recipes, 'out/debian-bookworm/tinyc');
const packages = (suite: string) => readFileSync(join(recipes, 'public/apt/dists', suite, 'main/binary-amd64/Packages'), 'utf8');
const versionOf = (text: string, pkg: string) =>
  text
    .split('\n\n')
    .find((s) => new RegExp(`^Package: ${pkg}$`, 'm').test(s))
    ?.match(/^Version: (.*)$/m)?.[1];

beforeAll(async () => {
  work = tempDir('pkgtrack-dbgsym-build-');
  recipes = tinycRecipesRepo(work);
  const key = await pkgtrack(['key', 'generate', '--type', 'ed25519', '--expires', '1y'], { cwd: recipes, env });
  expect(key.code, key.stderr).toBe(0);
  // One build, published, for every case below.
  const r = await pkgtrack(['build', 'tinyc', '--publish', '--json'], { cwd: recipes, env });
  expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
  const publish = await pkgtrack(['publish', outDir(), '--json'], { cwd: recipes, env });
  expect(publish.code, publish.stderr).toBe(0);
  published = publish.json() as typeof published;
  // build --publish said the same (and a publish of what is already there still lists the suite).
  expect((r.json() as { published: typeof published }).published.debugSuites).toEqual(published.debugSuites);
}, 20 * 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('-dbgsym packages of a real build', () => {
  it('the build makes tinyc-dbgsym (dh_strip, Auto-Built-Package: debug-symbols) and keeps it in its output and manifest', () => {
    const debs = readdirSync(outDir())
      .filter((f) => f.endsWith('.deb'))
      .sort();
    expect(debs).toEqual(['tinyc-dbgsym_1.0-1~deb12u1_amd64.deb', 'tinyc_1.0-1~deb12u1_amd64.deb']);
    const control = execFileSync('dpkg-deb', ['-f', join(outDir(), debs[0]!), 'Package', 'Auto-Built-Package'], { encoding: 'utf8' });
    expect(control).toBe('Package: tinyc-dbgsym\nAuto-Built-Package: debug-symbols\n');
    const manifest = JSON.parse(readFileSync(join(outDir(), 'manifest.json'), 'utf8')) as { artifacts: Array<{ name: string }> };
    expect(manifest.artifacts.map((a) => a.name)).toContain('tinyc-dbgsym_1.0-1~deb12u1_amd64.deb');
  });

  it('publish puts it into bookworm-debug, not bookworm; the symbols match the binary (build-id)', () => {
    expect(packages('bookworm')).not.toMatch(/dbgsym/);
    expect(versionOf(packages('bookworm'), 'tinyc')).toBe('1.0-1~deb12u1');
    expect(versionOf(packages('bookworm-debug'), 'tinyc-dbgsym')).toBe('1.0-1~deb12u1');
    expect(published.debugSuites.map((d) => [d.kind, d.suite, d.for])).toEqual([['apt', 'bookworm-debug', 'bookworm']]);
    const x = join(work, 'x');
    execFileSync('dpkg-deb', ['-x', join(outDir(), 'tinyc_1.0-1~deb12u1_amd64.deb'), x]);
    const id = /BuildID\[sha1\]=([0-9a-f]+)/.exec(execFileSync('file', ['-b', join(x, 'usr/bin/tinyc')], { encoding: 'utf8' }))?.[1];
    expect(id).toBeDefined();
    const listing = execFileSync('dpkg-deb', ['-c', join(outDir(), 'tinyc-dbgsym_1.0-1~deb12u1_amd64.deb')], { encoding: 'utf8' });
    expect(listing).toContain(`./usr/lib/debug/.build-id/${id!.slice(0, 2)}/${id!.slice(2)}.debug`);
  });

  it("publishing the build's .changes routes the -dbgsym it lists the same way", async () => {
    const changes = readdirSync(outDir()).find((f) => f.endsWith('.changes'))!;
    const out = join(work, 'from-changes');
    const r = await pkgtrack(['publish', '--output', out, '--suite', 'bookworm', join(outDir(), changes)], { cwd: recipes, env });
    expect(r.code, r.stderr).toBe(0);
    const index = (suite: string) => readFileSync(join(out, 'apt/dists', suite, 'main/binary-amd64/Packages'), 'utf8');
    expect(index('bookworm')).not.toMatch(/dbgsym/);
    expect(versionOf(index('bookworm'), 'tinyc')).toBe('1.0-1~deb12u1');
    expect(versionOf(index('bookworm-debug'), 'tinyc-dbgsym')).toBe('1.0-1~deb12u1');
    expect(readFileSync(join(out, 'apt/dists/bookworm/main/source/Sources'), 'utf8')).toMatch(/^Package: tinyc$/m);
  });

  it('real apt with the main suite and the debug suite (the line publish printed) installs tinyc and tinyc-dbgsym of one version', async () => {
    const apt = join(recipes, 'public/apt');
    const keyring = '/etc/apt/keyrings/t-archive-keyring.asc';
    const debugLine = published.debugSuites[0]!.enable;
    expect(debugLine).toBe(`deb [signed-by=${keyring}] file://${apt} bookworm-debug main`);
    const script = [
      'set -e',
      'rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/*',
      `echo 'deb [signed-by=${keyring}] file://${apt} bookworm main' > /etc/apt/sources.list.d/t.list`,
      `echo '${debugLine}' >> /etc/apt/sources.list.d/t.list`,
      'apt-get update -q',
      'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends tinyc tinyc-dbgsym',
      'dpkg-query -W tinyc tinyc-dbgsym',
      'tinyc',
    ].join('\n');
    const r = await spawnAsync(
      'podman',
      [
        'run',
        '--rm',
        '--network=none',
        // What src/containers/cli-engine.ts adds on hosts that refuse the default ulimits (this one).
        '--ulimit',
        'nofile=1024:1024',
        '--ulimit',
        'nproc=4096:4096',
        '-v',
        `${apt}:${apt}:ro`,
        '-v',
        `${join(recipes, 'keys/signing.pub.asc')}:${keyring}:ro`,
        IMAGE,
        'sh',
        '-c',
        script,
      ],
      { timeoutMs: 5 * 60_000 },
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^tinyc\t1\.0-1~deb12u1$/m);
    expect(r.stdout).toMatch(/^tinyc-dbgsym\t1\.0-1~deb12u1$/m);
    expect(r.stdout).toMatch(/^tinyc runs on 64-bit$/m);
  });

  it('debugSymbols: false in pkgtrack.yaml makes the build not up to date, and the rebuild has no -dbgsym', async () => {
    const again = await pkgtrack(['build', 'tinyc', '--json'], { cwd: recipes, env });
    expect((again.json() as { builds: Array<{ result: string }> }).builds[0]!.result, again.stderr).toBe('up-to-date');
    const config = join(recipes, 'pkgtrack.yaml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}debugSymbols: false\n`);
    const off = await pkgtrack(['build', 'tinyc', '--json'], { cwd: recipes, env });
    expect((off.json() as { builds: Array<{ result: string }> }).builds[0]!.result, off.stderr).toBe('built');
    expect(readdirSync(outDir()).filter((f) => f.endsWith('.deb'))).toEqual(['tinyc_1.0-1~deb12u1_amd64.deb']);
  });
});
