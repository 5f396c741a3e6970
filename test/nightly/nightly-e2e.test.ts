/**
 * The trunk channel end to end, on this machine: a local upstream git repository; `nightly`
 * publishes version A; a new upstream commit; `nightly` publishes B, which sorts above A in
 * dpkg and rpm; a real apt client in a bookworm container upgrades from A to B; `nightly` with
 * no new commit publishes nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debSources } from '../../src/formats/user-files.js';
import { ensureBaseImage } from '../../src/containers/base-image.js';
import { detectEngine } from '../../src/containers/detect.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { silentProgress } from '../../src/core/progress.js';
import { compareVersions } from '../../src/formats/versions.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';

const PASS = 'nightly-test-passphrase';
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Up',
  GIT_AUTHOR_EMAIL: 'up@example.org',
  GIT_COMMITTER_NAME: 'Up',
  GIT_COMMITTER_EMAIL: 'up@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });

function writeAll(root: string, files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

let upstream: string;
let recipes: string;
let engine: ContainerEngine;
const env = { PKGTRACK_KEY_PASSPHRASE: PASS };
const run = async (args: string[]) => await pkgtrack(args, { cwd: recipes, env });

function commitUpstream(message: string, greeting: string) {
  writeFileSync(join(upstream, 'tinyhello'), `#!/bin/sh\necho "${greeting}"\n`);
  chmodSync(join(upstream, 'tinyhello'), 0o755);
  git(upstream, 'add', '.');
  git(upstream, 'commit', '-q', '-m', message);
}

beforeAll(async () => {
  engine = await detectEngine();
  upstream = tempDir('pkgtrack-nightly-up-');
  git(upstream, 'init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'Makefile'), 'all:\n\t@true\ninstall:\n\tinstall -D -m 0755 tinyhello $(DESTDIR)/usr/bin/tinyhello\n');
  commitUpstream('release 1.0', 'tinyhello 1.0');
  git(upstream, 'tag', 'v1.0');
  commitUpstream('first trunk change', 'tinyhello trunk A');

  recipes = tempDir('pkgtrack-nightly-repo-');
  writeAll(recipes, {
    'pkgtrack.yaml':
      'name: nightly-test\norigin: nightly-test\nlabel: nightly test\nmaintainer: Night Owl <owl@example.org>\noutput: public\ntargets: [debian:bookworm]\nsigning:\n  key: keys/signing.key\n',
    'recipes/tinyhello/recipe.yaml': `name: tinyhello\nupstream:\n  kind: git\n  url: ${upstream}\nchannels:\n  stable:\n    enabled: false\n  trunk:\n    enabled: true\n    branch: main\nbuild:\n  lintianFailOn: never\n`,
    'recipes/tinyhello/debian/control':
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Debian substitution variables, not JS templates
      'Source: tinyhello\nSection: misc\nPriority: optional\nMaintainer: Night Owl <owl@example.org>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.7.0\nRules-Requires-Root: no\n\nPackage: tinyhello\nArchitecture: all\nDepends: ${misc:Depends}\nDescription: tiny greeting for the nightly test\n Prints which upstream commit it was built from.\n',
    'recipes/tinyhello/debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'recipes/tinyhello/debian/copyright':
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2026 Up\nLicense: MIT\n',
    'recipes/tinyhello/debian/source/format': '3.0 (quilt)\n',
    'recipes/tinyhello/patches/series': '',
  });
  chmodSync(join(recipes, 'recipes/tinyhello/debian/rules'), 0o755);
  const k = await run(['key', 'generate', '--type', 'ed25519', '--json']);
  expect(k.code, k.stderr).toBe(0);
}, 600_000);

describe('pkgtrack nightly', () => {
  let versionA = '';
  let apt: string;

  it('publishes trunk version A from upstream HEAD', { timeout: 30 * 60_000 }, async () => {
    const r = await run(['nightly', '--json']);
    expect(r.code, `${r.stderr.slice(-2000)}\n${r.stdout.slice(-3000)}`).toBe(0);
    const res = r.json();
    const one = res.recipes[0];
    expect(one).toMatchObject({
      recipe: 'tinyhello',
      outcome: 'published',
      branch: 'main',
      commit: git(upstream, 'rev-parse', 'HEAD').trim(),
    });
    versionA = one.version;
    expect(versionA).toMatch(/^1\.0\+git\d{8}\.1\.[0-9a-f]{7}$/);
    expect(one.targets).toEqual([expect.objectContaining({ target: 'debian:bookworm', suite: 'bookworm-trunk', result: 'built' })]);
    const release = readFileSync(join(recipes, 'public/apt/dists/bookworm-trunk/Release'), 'utf8');
    expect(release).toMatch(/^NotAutomatic: yes$/m);
    expect(release).toMatch(/^ButAutomaticUpgrades: yes$/m);
    const state = JSON.parse(readFileSync(join(recipes, 'public/trunk/tinyhello.json'), 'utf8'));
    expect(state).toMatchObject({ recipe: 'tinyhello', version: versionA });

    // A real apt client installs A from the trunk suite (NotAutomatic: asked for explicitly).
    const target = resolveTarget('debian:bookworm')!;
    const base = await ensureBaseImage(engine, target, silentProgress);
    const armoredKey = readFileSync(join(recipes, 'keys/signing.pub.asc'), 'utf8');
    const sources = debSources({
      uri: 'file:/repo/apt',
      suites: ['bookworm-trunk'],
      components: ['main'],
      signedBy: { kind: 'embedded', armoredKey },
    });
    writeFileSync(join(recipes, 'trunk.sources'), sources);
    apt = `pkgtrack-nightly-apt-${process.pid}`;
    const r1 = await engine.run({
      image: base.ref,
      name: apt,
      keep: true,
      network: 'none',
      mounts: [
        { host: join(recipes, 'public'), container: '/repo', readOnly: true },
        { host: join(recipes, 'trunk.sources'), container: '/etc/apt/sources.list.d/trunk.sources', readOnly: true },
      ],
      argv: [
        'sh',
        '-ec',
        'rm -f /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; apt-get update -q; apt-get install -y -q -t bookworm-trunk tinyhello; tinyhello',
      ],
    });
    expect(r1.code, r1.output.slice(-3000)).toBe(0);
    expect(r1.output).toMatch(/^tinyhello trunk A$/m);
    await engine.commit(apt, `localhost/pkgtrack-test/nightly-client:${process.pid}`, {});
    await engine.removeContainer(apt);
  });

  it('publishes B after a new upstream commit; B sorts above A; apt upgrades from A to B', { timeout: 30 * 60_000 }, async () => {
    commitUpstream('second trunk change', 'tinyhello trunk B');
    const r = await run(['nightly', '--json']);
    expect(r.code, `${r.stderr.slice(-2000)}\n${r.stdout.slice(-3000)}`).toBe(0);
    const one = r.json().recipes[0];
    expect(one.outcome).toBe('published');
    expect(one.previous.version).toBe(versionA);
    const versionB = one.version as string;
    expect(compareVersions('deb', versionB, versionA)).toBe(1);
    expect(compareVersions('rpm', versionB, versionA)).toBe(1);
    expect(spawnSync('dpkg', ['--compare-versions', versionB, 'gt', versionA]).status).toBe(0);

    const r2 = await engine.run({
      image: `localhost/pkgtrack-test/nightly-client:${process.pid}`,
      network: 'none',
      mounts: [
        { host: join(recipes, 'public'), container: '/repo', readOnly: true },
        { host: join(recipes, 'trunk.sources'), container: '/etc/apt/sources.list.d/trunk.sources', readOnly: true },
      ],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Debian substitution variables, not JS templates
      argv: ['sh', '-ec', "apt-get update -q; apt-get upgrade -y -q; dpkg-query -W -f '${Version}\\n' tinyhello; tinyhello"],
    });
    expect(r2.code, r2.output.slice(-3000)).toBe(0);
    expect(r2.output).toMatch(/^tinyhello trunk B$/m);
    expect(r2.output).toContain(`${versionB}-1~deb12u1`);
    await engine.removeImage(`localhost/pkgtrack-test/nightly-client:${process.pid}`);
  });

  it('publishes nothing when upstream did not move', { timeout: 10 * 60_000 }, async () => {
    const inRelease = join(recipes, 'public/apt/dists/bookworm-trunk/InRelease');
    const before = readFileSync(inRelease);
    const mtime = statSync(inRelease).mtimeMs;
    const r = await run(['nightly', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().recipes[0]).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/no new upstream commit/) });
    expect(readFileSync(inRelease).equals(before)).toBe(true);
    expect(statSync(inRelease).mtimeMs).toBe(mtime);
  });

  it('refuses a version pattern that would sort below the release, before building', { timeout: 5 * 60_000 }, async () => {
    commitUpstream('third trunk change', 'tinyhello trunk C');
    const file = join(recipes, 'recipes/tinyhello/recipe.yaml');
    const yaml = readFileSync(file, 'utf8');
    writeFileSync(file, yaml.replace('    branch: main\n', "    branch: main\n    versionPattern: '{release}~git{date}.{sha7}'\n"));
    const r = await run(['nightly', '--json']);
    writeFileSync(file, yaml);
    expect(r.code).toBe(1);
    const one = r.json().recipes[0];
    expect(one.outcome).toBe('refused');
    expect(one.reason).toMatch(/deb: .* does not sort after the release 1\.0/);
    expect(one.reason).toMatch(/rpm: /);
    expect(one.targets).toEqual([]);
    expect(existsSync(join(recipes, 'public/trunk/tinyhello.json'))).toBe(true);

    // The CI fan-out path (`build --trunk`, then `publish`) is held to the same rule.
    writeFileSync(file, yaml.replace('    branch: main\n', "    branch: main\n    versionPattern: '{release}~git{date}.{sha7}'\n"));
    const b = await run(['build', 'tinyhello', '--trunk', '--json']);
    writeFileSync(file, yaml);
    expect(b.code).toBe(1);
    const built = b.json().builds[0];
    expect(built.result).toBe('failed');
    expect(built.error).toMatchObject({
      code: 'TRUNK_VERSION_REFUSED',
      message: expect.stringMatching(/does not sort after the release 1\.0/),
    });
  });

  it('marks a recipe broken on trunk when its patch no longer applies, keeping the last good build', { timeout: 15 * 60_000 }, async () => {
    // The patch was written against the B greeting; upstream HEAD now says C.
    writeAll(recipes, {
      'recipes/tinyhello/patches/series': 'greeting.patch\n',
      'recipes/tinyhello/patches/greeting.patch':
        'Description: distro greeting\nAuthor: Night Owl <owl@example.org>\nForwarded: not-needed\n---\n--- a/tinyhello\n+++ b/tinyhello\n@@ -1,2 +1,2 @@\n #!/bin/sh\n-echo "tinyhello trunk B"\n+echo "tinyhello trunk B (distro)"\n',
    });
    const inRelease = join(recipes, 'public/apt/dists/bookworm-trunk/InRelease');
    const before = readFileSync(inRelease);
    const state = readFileSync(join(recipes, 'public/trunk/tinyhello.json'), 'utf8');
    const r = await run(['nightly', '--json']);
    expect(r.code).toBe(1);
    const one = r.json().recipes[0];
    expect(one.outcome).toBe('broken-on-trunk');
    expect(one.reason).toMatch(/patch queue no longer applies .*last good trunk build stays published.*patches rebase tinyhello/);
    expect(readFileSync(inRelease).equals(before)).toBe(true);
    expect(readFileSync(join(recipes, 'public/trunk/tinyhello.json'), 'utf8')).toBe(state);
  });
});
