/**
 * Build settings without a container: the recipe schema refuses bad options, profiles, packages
 * and repositories at their line; the recipe's and target's settings merge; the deb builder
 * turns them into DEB_BUILD_OPTIONS / DEB_BUILD_PROFILES and an install step with the extra
 * repositories' .sources, keyrings and pins; keyrings are read from the recipes repository only.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BuildContext } from '../../src/builders/builder.js';
import { DebBuilder, extraRepositoryFiles, uploadOptions } from '../../src/builders/deb/index.js';
import { baseImageRef } from '../../src/containers/base-image.js';
import { PkgtrackError } from '../../src/core/errors.js';
import { buildSettingsFor, mergeBuildOptions } from '../../src/recipe/build-settings.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import { dependencyInputs, dependencyRequest } from '../../src/services/build/dependencies.js';
import { GOOD_RECIPE, problems, repoWith } from '../recipe/fixtures.js';

const bookworm = resolveTarget('debian:bookworm')!;

const TARGETED = `${GOOD_RECIPE}targets:
  - id: debian:bookworm
    build:
      options: [parallel=8, nodoc]
      profiles: [nodoc]
      extraRepositories:
        - url: http://deb.debian.org/debian
          suite: bookworm-backports
build:
  options: [nocheck, parallel=2]
  profiles: [nocheck]
  extraPackages: [tzdata, "debhelper (>= 13.15)"]
`;

async function demo(recipe: string, files: Record<string, string> = {}) {
  const root = repoWith({ 'recipes/demo/recipe.yaml': recipe, ...files });
  const recipesRepo = await loadRecipesRepository(root);
  return { root, recipe: await loadRecipe(recipesRepo, 'demo') };
}

describe('buildd chroot', () => {
  it('gives builder bases their own ref; minimal images keep theirs', () => {
    expect(baseImageRef(bookworm, 'buildd')).toBe('localhost/pkgtrack/base:debian-bookworm-buildd');
    expect(baseImageRef(bookworm)).toBe('localhost/pkgtrack/base:debian-bookworm');
  });
});

describe('build settings in recipes', () => {
  it('refuses a bad option, profile, package or repository at its line', () => {
    const errs = problems(
      `${GOOD_RECIPE}build:\n  options: ["no check", parallel=x]\n  profiles: [NoCheck]\n  extraPackages: ["tzdata; rm -rf /"]\ntargets:\n  - id: debian:bookworm\n    build:\n      extraRepositories:\n        - url: not a url\n          suite: bookworm-backports\n          priority: 0\n`,
    );
    const at = errs.map((e) => [e.details.field, e.details.line]);
    expect(at).toContainEqual(['build.options.0', 9]);
    expect(at).toContainEqual(['build.options.1', 9]);
    expect(at).toContainEqual(['build.profiles.0', 10]);
    expect(at).toContainEqual(['build.extraPackages.0', 11]);
    expect(at).toContainEqual(['targets.0.build.extraRepositories.0.url', 16]);
    expect(at).toContainEqual(['targets.0.build.extraRepositories.0.priority', 18]);
    expect(errs.find((e) => e.details.field === 'build.options.1')!.message).toMatch(/parallel takes a positive number/);
  });

  it("merges the recipe's and the target's settings: a target's option replaces the recipe's of the same name", async () => {
    const { recipe } = await demo(TARGETED);
    const s = buildSettingsFor(recipe, recipe.targets[0]!);
    expect(s.options).toEqual(['nocheck', 'parallel=8', 'nodoc']);
    expect(s.profiles).toEqual(['nocheck', 'nodoc']);
    expect(s.extraPackages).toEqual(['tzdata', 'debhelper (>= 13.15)']);
    expect(s.extraRepositories).toEqual([
      { url: 'http://deb.debian.org/debian', suite: 'bookworm-backports', components: ['main'], priority: 500 },
    ]);
    expect(mergeBuildOptions(['noddebs'], ['noddebs', 'nocheck'])).toEqual(['noddebs', 'nocheck']);
    // rpm targets take none of the Debian settings.
    expect(buildSettingsFor(recipe, resolveTarget('fedora:41')!)).toEqual({
      options: [],
      profiles: [],
      extraPackages: [],
      extraRepositories: [],
    });
  });

  it('sets DEB_BUILD_OPTIONS, DEB_BUILD_PROFILES and the jobs from parallel=N', async () => {
    const { recipe } = await demo(TARGETED);
    const ctx = { recipe, target: recipe.targets[0]! } as BuildContext;
    const step = new DebBuilder().buildStep(ctx, { sourceDir: 'build/demo-1', sourceDateEpoch: 1, notes: { orig: 'demo_1.orig.tar.gz' } });
    expect(step.env).toMatchObject({
      DEB_BUILD_OPTIONS: 'nocheck parallel=8 nodoc',
      DEB_BUILD_PROFILES: 'nocheck nodoc',
      PKGTRACK_JOBS: '8',
    });
    const plain = await demo(GOOD_RECIPE);
    const env = new DebBuilder().buildStep({ recipe: plain.recipe, target: plain.recipe.targets[0]! } as BuildContext, {
      sourceDir: 's',
      sourceDateEpoch: 1,
      notes: { orig: 'o' },
    }).env;
    // No noddebs: dh_strip makes the -dbgsym packages (published to <suite>-debug).
    expect(env.DEB_BUILD_OPTIONS).toBe('');
    expect(env.PKGTRACK_JOBS).toBe('2');
    expect('DEB_BUILD_PROFILES' in env).toBe(false);
  });

  it('backports: -v<distro version>, and -sa when the upstream is new to the distro (its archive has no such orig)', () => {
    expect(uploadOptions(undefined, '2.12.3')).toEqual([]);
    expect(uploadOptions('2.10-3', '2.12.3')).toEqual(['-v2.10-3', '-sa']);
    expect(uploadOptions('1:1.10.0+ds-0.4', '1.15.2+ds')).toEqual(['-v1:1.10.0+ds-0.4', '-sa']);
    // Same upstream (a newer Debian revision only): bookworm's archive has the orig already.
    expect(uploadOptions('0.5.12-2', '0.5.12')).toEqual(['-v0.5.12-2']);
    expect(uploadOptions('1:1.10.0+ds-0.4', '1:1.10.0+ds')).toEqual(['-v1:1.10.0+ds-0.4']);
    expect(uploadOptions('1.2-1-2', '1.2-1')).toEqual(['-v1.2-1-2']);
  });

  it('debugSymbols: false (recipe build:, or pkgtrack.yaml) builds with noddebs; the recipe wins', async () => {
    const envOf = (recipe: BuildContext['recipe']) =>
      new DebBuilder().buildStep({ recipe, target: recipe.targets[0]! } as BuildContext, {
        sourceDir: 's',
        sourceDateEpoch: 1,
        notes: { orig: 'o' },
      }).env;
    const off = await demo(`${GOOD_RECIPE}build:\n  debugSymbols: false\n  options: [nocheck]\n`);
    expect(envOf(off.recipe).DEB_BUILD_OPTIONS).toBe('noddebs nocheck');
    const root = repoWith({ 'recipes/demo/recipe.yaml': GOOD_RECIPE });
    writeFileSync(join(root, 'pkgtrack.yaml'), `${readFileSync(join(root, 'pkgtrack.yaml'), 'utf8')}debugSymbols: false\n`);
    const repoOff = await loadRecipe(await loadRecipesRepository(root), 'demo');
    expect(envOf(repoOff).DEB_BUILD_OPTIONS).toBe('noddebs');
    writeFileSync(join(root, 'recipes/demo/recipe.yaml'), `${GOOD_RECIPE}build:\n  debugSymbols: true\n`);
    expect(envOf(await loadRecipe(await loadRecipesRepository(root), 'demo')).DEB_BUILD_OPTIONS).toBe('');
  });

  it('writes each extra repository as a .sources with Signed-By, its keyring and a pin, for the install step only', () => {
    const key = Buffer.from('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n');
    const files = extraRepositoryFiles(bookworm, [
      { url: 'http://deb.debian.org/debian', suite: 'bookworm-backports', components: ['main'], priority: 500 },
      {
        url: 'http://127.0.0.1:8080/apt',
        suite: 'bookworm',
        components: ['main', 'contrib'],
        priority: 100,
        key: { bytes: key, armored: true },
      },
    ]);
    const decoded = new Map<string, string>();
    for (let i = 0; i < files.length; i += 2) decoded.set(files[i]!, Buffer.from(files[i + 1]!, 'base64').toString());
    expect([...decoded.keys()]).toEqual([
      '/etc/apt/sources.list.d/pkgtrack-extra-1.sources',
      '/etc/apt/preferences.d/pkgtrack-extra-1.pref',
      '/etc/apt/keyrings/pkgtrack-extra-2.asc',
      '/etc/apt/sources.list.d/pkgtrack-extra-2.sources',
      '/etc/apt/preferences.d/pkgtrack-extra-2.pref',
    ]);
    expect(decoded.get('/etc/apt/sources.list.d/pkgtrack-extra-1.sources')).toMatch(
      /URIs: http:\/\/deb\.debian\.org\/debian\nSuites: bookworm-backports\nComponents: main\n[\s\S]*Signed-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg/,
    );
    expect(decoded.get('/etc/apt/preferences.d/pkgtrack-extra-1.pref')).toBe(
      'Package: *\nPin: release a=bookworm-backports\nPin-Priority: 500\n\nPackage: *\nPin: release n=bookworm-backports\nPin-Priority: 500\n',
    );
    expect(decoded.get('/etc/apt/sources.list.d/pkgtrack-extra-2.sources')).toMatch(
      /Signed-By: \/etc\/apt\/keyrings\/pkgtrack-extra-2\.asc/,
    );
    expect(decoded.get('/etc/apt/keyrings/pkgtrack-extra-2.asc')).toBe(key.toString());
    const step = new DebBuilder().dependencyInstall(bookworm, ['foo'], { profiles: ['nocheck'] });
    expect(step.argv.slice(4)).toEqual(['--', '--build-profiles=nocheck', 'build-essential', 'fakeroot', 'debhelper', 'dpkg-dev', 'foo']);
  });

  it('reads a keyring from the recipes repository (its hash is a build input), and refuses one outside it or missing', async () => {
    const repo = (key: string) =>
      `${GOOD_RECIPE}targets:\n  - id: debian:bookworm\n    build:\n      extraRepositories:\n        - url: http://127.0.0.1:1/apt\n          suite: extra\n          key: ${key}\n`;
    const good = await demo(repo('keys/extra.asc'), { 'keys/extra.asc': '-----BEGIN PGP PUBLIC KEY BLOCK-----\n' });
    const settings = buildSettingsFor(good.recipe, good.recipe.targets[0]!);
    const request = await dependencyRequest(good.root, ['debhelper-compat (= 13)'], settings);
    expect(request.extras.repositories![0]!.key).toMatchObject({ armored: true });
    const inputs = dependencyInputs(request, settings);
    writeFileSync(join(good.root, 'keys/extra.asc'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\nother\n');
    expect(dependencyInputs(await dependencyRequest(good.root, ['debhelper-compat (= 13)'], settings), settings)).not.toEqual(inputs);

    for (const [path, code] of [
      ['../outside.asc', 'EXTRA_REPO_KEY_OUTSIDE'],
      ['/etc/passwd', 'EXTRA_REPO_KEY_OUTSIDE'],
      ['keys/none.asc', 'EXTRA_REPO_KEY_MISSING'],
    ] as const) {
      const bad = await demo(repo(path));
      mkdirSync(join(bad.root, 'keys'), { recursive: true });
      const e = await dependencyRequest(bad.root, [], buildSettingsFor(bad.recipe, bad.recipe.targets[0]!)).catch((x) => x);
      expect(e).toBeInstanceOf(PkgtrackError);
      expect(e.code).toBe(code);
      expect(e.fix).toBeTruthy();
    }
  });
});
