/**
 * Items 5 and 6 of the backports issue with real podman, apt and dpkg-buildpackage on tiny
 * recipes: builds start from a buildd chroot (tzdata, build-essential); DEB_BUILD_OPTIONS and
 * DEB_BUILD_PROFILES reach debian/rules and apt's <!profile> restrictions; extra packages land
 * in the dependency image; a Build-Depends only bookworm-backports satisfies installs from an
 * extra repository with a keyring from the recipes repository, and fails without it.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseImageRef, ensureBaseImage, LABEL_MADE_FROM, LABEL_VARIANT } from '../../src/containers/base-image.js';
import { detectEngine } from '../../src/containers/detect.js';
import type { ContainerEngine } from '../../src/containers/engine.js';
import { silentProgress } from '../../src/core/progress.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import type { BuildSummary } from '../../src/services/build/build.js';
import { cli } from '../build/helpers.js';
import { tempDir } from '../helpers/cli.js';
import { TinyUpstream, writeAll } from '../helpers/tinyhello.js';
import { buildYaml, TINY_MAINTAINER, writeTinyRecipe } from './tiny-recipes.js';

let engine: ContainerEngine;
let repo: string;
let upstream: TinyUpstream;
const bookworm = resolveTarget('debian:bookworm')!;

/**
 * The rules of `opts`: fails unless terse is in DEB_BUILD_OPTIONS and bc (an extra package) and
 * tzdata (buildd) are there. (Not nocheck: dpkg-buildpackage adds that option for the nocheck profile.)
 */
const OPTS_RULES = [
  'override_dh_auto_build:',
  '\techo "seen: DEB_BUILD_OPTIONS=$$DEB_BUILD_OPTIONS DEB_BUILD_PROFILES=$$DEB_BUILD_PROFILES"',
  '\tcase " $$DEB_BUILD_OPTIONS " in *" terse "*) ;; *) echo "terse is not in DEB_BUILD_OPTIONS"; exit 1;; esac',
  '\ttest -x /usr/bin/bc',
  '\ttest -e /usr/share/zoneinfo/Europe/Paris',
  '\tdh_auto_build',
];

async function build(name: string): Promise<{ summary: BuildSummary; log: string }> {
  const r = await cli(['build', name, '--json'], { cwd: repo });
  const summary = JSON.parse(r.stdout) as BuildSummary;
  const b = summary.builds[0]!;
  return { summary, log: b.log ? readFileSync(b.log, 'utf8') : '' };
}

beforeAll(async () => {
  engine = await detectEngine();
  const up = tempDir('pkgtrack-buildd-up-');
  upstream = new TinyUpstream(up);
  upstream.release('1.0');
  repo = tempDir('pkgtrack-buildd-repo-');
  writeAll(repo, {
    'pkgtrack.yaml': `name: buildd-test\norigin: buildd-test\nlabel: buildd test\nmaintainer: ${TINY_MAINTAINER}\ntargets: [debian:bookworm]\n`,
  });
}, 60_000);

describe('the buildd chroot', () => {
  it('has tzdata (Priority: required) and build-essential, under a ref apt-variant images never had', {
    timeout: 30 * 60_000,
  }, async () => {
    const base = await ensureBaseImage(engine, bookworm, silentProgress, 'buildd');
    expect(base.ref).toBe(baseImageRef(bookworm, 'buildd'));
    expect(base.ref).not.toBe(baseImageRef(bookworm));
    const minimal = await ensureBaseImage(engine, bookworm, silentProgress);
    expect(await engine.imageLabels(base.ref)).toMatchObject({ [LABEL_VARIANT]: 'buildd', [LABEL_MADE_FROM]: minimal.id });
    const r = await engine.run({
      image: base.ref,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format, not a JS template
      argv: ['dpkg-query', '-W', '-f=${Package} ${Status}\n', 'tzdata', 'build-essential'],
      network: 'none',
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/^tzdata install ok installed$/m);
    expect(r.output).toMatch(/^build-essential install ok installed$/m);
  });
});

describe('build options, profiles and extra packages', () => {
  it('a profile skips a <!nocheck> Build-Depends, and a build whose rules need the terse option fails without it', {
    timeout: 30 * 60_000,
  }, async () => {
    writeTinyRecipe(repo, upstream.dir, {
      name: 'opts',
      buildDepends: ['pkgtrack-no-such-package <!nocheck>'],
      rules: OPTS_RULES,
      yaml: buildYaml('profiles: [nocheck]', 'extraPackages: [bc]'),
    });
    const { summary, log } = await build('opts');
    expect(summary.builds[0]).toMatchObject({ result: 'failed', error: { code: 'BUILD_FAILED' } });
    // The dependency install passed (the profile, bc); debian/rules refused: the option is missing.
    expect(log).toMatch(/^seen: DEB_BUILD_OPTIONS=.* DEB_BUILD_PROFILES=nocheck$/m);
    expect(log).toMatch(/^terse is not in DEB_BUILD_OPTIONS$/m);
  });

  it('builds once the target adds terse and parallel=3', { timeout: 30 * 60_000 }, async () => {
    writeTinyRecipe(repo, upstream.dir, {
      name: 'opts',
      buildDepends: ['pkgtrack-no-such-package <!nocheck>'],
      rules: OPTS_RULES,
      yaml: [
        'targets:',
        '  - id: debian:bookworm',
        '    build:',
        '      options: [terse, parallel=3]',
        ...buildYaml('profiles: [nocheck]', 'extraPackages: [bc]'),
      ],
    });
    const { summary, log } = await build('opts');
    expect(summary.builds[0], log.slice(-3000)).toMatchObject({ result: 'built' });
    const seen = /^seen: DEB_BUILD_OPTIONS=(.*) DEB_BUILD_PROFILES=(.*)$/m.exec(log);
    // dpkg-buildpackage sorts the words and adds nocheck for the nocheck profile.
    expect(seen?.[1]?.split(' ').sort()).toEqual(['nocheck', 'parallel=3', 'terse']);
    expect(seen?.[2]).toBe('nocheck');
    // rules ran `test -x /usr/bin/bc` (extra package) and found Europe/Paris (tzdata, buildd).
  });
});

describe('the memory limit', () => {
  it("a build killed by it says so and names --memory; the recipe's build.memory sets it, --memory gives it more", {
    timeout: 30 * 60_000,
  }, async () => {
    writeTinyRecipe(repo, upstream.dir, {
      name: 'memhog',
      // perl-base is essential: a 400 MB string, well past a 64m limit (and its swap).
      rules: ['override_dh_auto_build:', '\tperl -e \'$$x = "x" x (400 * 1024 * 1024); print length($$x), "\\n"\''],
      yaml: buildYaml('memory: 96m'),
    });
    const recipeLimit = await cli(['build', 'memhog', '--json'], { cwd: repo });
    const killed = (JSON.parse(recipeLimit.stdout) as BuildSummary).builds[0]!;
    expect(killed, recipeLimit.stderr).toMatchObject({ result: 'failed', error: { code: 'BUILD_FAILED' } });
    expect(killed.error!.fix).toMatch(/memory limit \(96m\).*--memory.*build\.memory/);
    const small = await cli(['build', 'memhog', '--json', '--memory', '64m'], { cwd: repo });
    const failed = (JSON.parse(small.stdout) as BuildSummary).builds[0]!;
    expect(failed, small.stderr).toMatchObject({ result: 'failed', error: { code: 'BUILD_FAILED' } });
    expect(failed.error!.fix).toMatch(/memory limit \(64m\).*--memory/);
    const big = await cli(['build', 'memhog', '--json', '--memory', '2g'], { cwd: repo });
    const built = (JSON.parse(big.stdout) as BuildSummary).builds[0]!;
    expect(built.result, big.stderr).toBe('built');
    expect(readFileSync(built.log!, 'utf8')).toMatch(/^419430400$/m);
    const bad = await cli(['build', 'memhog', '--memory', 'lots'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BUILD_MEMORY_INVALID.*--memory: lots is not a memory size/);
    expect(bad.stderr).toMatch(/such as 8g/);
  });
});

describe('extra repositories', () => {
  const recipe = (extra: string[]) => ({
    name: 'newdh',
    buildDepends: ['debhelper (>= 13.15)'],
    yaml: [...(extra.length ? ['targets:', '  - id: debian:bookworm', '    build:', ...extra] : []), ...buildYaml()],
  });

  it('a Build-Depends only bookworm-backports satisfies fails without it', { timeout: 30 * 60_000 }, async () => {
    writeTinyRecipe(repo, upstream.dir, recipe([]));
    const { summary } = await build('newdh');
    expect(summary.builds[0]).toMatchObject({ result: 'failed', error: { code: 'DEPS_INSTALL_FAILED' } });
    expect(summary.builds[0]!.error!.message).toMatch(/debhelper \(>= 13\.15\)/);
  });

  it('installs from bookworm-backports, signed by a keyring in the recipes repository', { timeout: 30 * 60_000 }, async () => {
    mkdirSync(join(repo, 'keys'), { recursive: true });
    copyFileSync('/usr/share/keyrings/debian-archive-keyring.gpg', join(repo, 'keys/debian.gpg'));
    writeTinyRecipe(
      repo,
      upstream.dir,
      recipe([
        '      extraRepositories:',
        '        - url: http://deb.debian.org/debian',
        '          suite: bookworm-backports',
        '          key: keys/debian.gpg',
      ]),
    );
    const { summary, log } = await build('newdh');
    expect(summary.builds[0], log.slice(-3000)).toMatchObject({ result: 'built' });
    const out = summary.builds[0]!.outDir!;
    const buildinfo = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.buildinfo'))!), 'utf8');
    expect(buildinfo).toMatch(/^ debhelper \(= [0-9.]+~bpo12\+\d+\),?$/m);
  });

  it('refuses a keyring that is not in the recipes repository, before any container runs', async () => {
    writeFileSync(
      join(repo, 'recipes/newdh/recipe.yaml'),
      readFileSync(join(repo, 'recipes/newdh/recipe.yaml'), 'utf8').replace('keys/debian.gpg', 'keys/gone.gpg'),
    );
    const { summary } = await build('newdh');
    expect(summary.builds[0]).toMatchObject({ result: 'failed', error: { code: 'EXTRA_REPO_KEY_MISSING' } });
    expect(summary.builds[0]!.error!.message).toContain('keys/gone.gpg');
  });
});
