/**
 * Chained backports in one run, with real podman and apt: recipe `usefoo` build-depends on
 * libfoo-dev, which recipe `libfoo` makes. Asked for in the wrong order, the build sorts them,
 * builds libfoo first and installs its freshly built libfoo-dev into usefoo's dependency image;
 * the pure ordering refuses a cycle, naming it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import type { BuildSummary } from '../../src/services/build/build.js';
import { orderRecipes } from '../../src/services/build/order.js';
import { cli } from '../build/helpers.js';
import { tempDir } from '../helpers/cli.js';
import { TinyUpstream, writeAll } from '../helpers/tinyhello.js';
import { TINY_MAINTAINER, writeTinyRecipe } from './tiny-recipes.js';

let repo: string;

beforeAll(() => {
  const upstream = new TinyUpstream(tempDir('pkgtrack-chain-up-'));
  upstream.release('1.0');
  repo = tempDir('pkgtrack-chain-repo-');
  writeAll(repo, {
    'pkgtrack.yaml': `name: chain-test\norigin: chain-test\nlabel: chain test\nmaintainer: ${TINY_MAINTAINER}\ntargets: [debian:bookworm]\n`,
  });
  writeTinyRecipe(repo, upstream.dir, {
    name: 'libfoo',
    binaries: { 'libfoo-dev': 'foo development header' },
    rules: [
      'override_dh_auto_install:',
      '\tdh_auto_install',
      '\tmkdir -p debian/libfoo-dev/usr/include',
      "\techo '#define FOO 1' > debian/libfoo-dev/usr/include/foo.h",
    ],
  });
  writeTinyRecipe(repo, upstream.dir, {
    name: 'usefoo',
    buildDepends: ['libfoo-dev (>= 1.0)'],
    rules: ['override_dh_auto_build:', '\tgrep -q "define FOO" /usr/include/foo.h', '\tdh_auto_build'],
  });
}, 60_000);

describe('chained builds in one run', () => {
  it('orders recipes by Build-Depends on each other and refuses a cycle', () => {
    const names = new Map([
      ['b', { binaries: ['b-bin'], buildDepends: ['libfoo-dev', 'debhelper-compat'] }],
      ['a', { binaries: ['libfoo-dev'], buildDepends: ['debhelper-compat'] }],
      ['c', { binaries: ['c'], buildDepends: [] }],
    ]);
    const r = orderRecipes([{ name: 'b' }, { name: 'a' }, { name: 'c' }], names);
    expect(r.ordered.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(r.needs.get('b')).toEqual(['a']);
    names.set('a', { binaries: ['libfoo-dev'], buildDepends: ['b-bin'] });
    const e = (() => {
      try {
        orderRecipes([{ name: 'b' }, { name: 'a' }], names);
      } catch (x) {
        return x as PkgtrackError;
      }
    })();
    expect(e).toBeInstanceOf(PkgtrackError);
    expect(e!.code).toBe('BUILD_DEPENDS_CYCLE');
    expect(e!.message).toContain('b → a → b');
  });

  it('builds libfoo, then usefoo against the libfoo-dev it just built', { timeout: 30 * 60_000 }, async () => {
    const r = await cli(['build', 'usefoo', 'libfoo', '--json'], { cwd: repo });
    const summary = JSON.parse(r.stdout) as BuildSummary;
    expect(
      summary.builds.map((b) => [b.recipe, b.result]),
      r.stderr.slice(-3000),
    ).toEqual([
      ['libfoo', 'built'],
      ['usefoo', 'built'],
    ]);
    const out = summary.builds[1]!.outDir!;
    const buildinfo = readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.buildinfo'))!), 'utf8');
    expect(buildinfo).toMatch(/^ libfoo-dev \(= 1\.0-1~deb12u1\),?$/m);
  });
});
