/** What makes a build "the same": input hash, recipe hash, timestamps, changelog lines, network diagnosis. */
import { cpSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import {
  type BuildManifest,
  changelogChanges,
  inputHash,
  networkAttempt,
  recipeHash,
  recipeTimestamp,
} from '../../src/services/build/inputs.js';
import { ROOT } from './helpers.js';

async function copyRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-inputs-'));
  cpSync(join(ROOT, 'pkgtrack.yaml'), join(dir, 'pkgtrack.yaml'));
  cpSync(join(ROOT, 'recipes', 'hello'), join(dir, 'recipes', 'hello'), { recursive: true });
  const recipesRepo = await loadRecipesRepository(dir);
  return { dir, recipesRepo, recipe: await loadRecipe(recipesRepo, 'hello') };
}

describe('build inputs', () => {
  it('the recipe hash changes with any file of the recipe, and only then', async () => {
    const { dir, recipe } = await copyRepo();
    const h1 = await recipeHash(recipe);
    expect(await recipeHash(recipe)).toBe(h1);
    writeFileSync(join(dir, 'recipes/hello/patches/series'), 'readme-packaging-contact.patch\n');
    expect(await recipeHash(recipe)).not.toBe(h1);
  });

  it('the changelog timestamp is the newest recipe file outside git, stable across calls', async () => {
    const { dir, recipe } = await copyRepo();
    utimesSync(join(dir, 'recipes/hello/debian/rules'), 1_800_000_000, 1_800_000_000);
    expect(await recipeTimestamp(recipe)).toBe(1_800_000_000);
    expect(await recipeTimestamp(recipe)).toBe(1_800_000_000);
  });

  it('the input hash does not depend on key order and changes with each input', () => {
    const base = {
      recipe: 'hello',
      target: 'debian:bookworm',
      format: 'deb',
      upstreamVersion: '2.12.3',
      packageVersion: '2.12.3-1~deb12u1',
      upstreamSha256: 'a'.repeat(64),
      recipeHash: 'b'.repeat(64),
      maintainer: 'X <x@example.org>',
      pkgtrackVersion: '0.1.0',
      image: 'docker.io/library/debian:bookworm',
      versionSuffix: '~deb12u1',
    };
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as typeof base;
    expect(inputHash(reordered)).toBe(inputHash(base));
    for (const k of Object.keys(base) as Array<keyof typeof base>)
      expect(inputHash({ ...base, [k]: `${base[k]}x` })).not.toBe(inputHash(base));
  });

  it('changelog lines name the upstream version and the patch queue changes since the last build', () => {
    const t = resolveTarget('debian:trixie')!;
    const prev = { upstreamVersion: '2.12.1', patches: ['a.patch', 'old.patch'] } as BuildManifest;
    expect(changelogChanges('2.12.3', t, ['a.patch', 'new.patch'], prev)).toEqual([
      'New upstream version 2.12.3 (was 2.12.1).',
      'Built by pkgtrack for debian:trixie.',
      'Patch queue (2): a.patch, new.patch.',
      'Added patches: new.patch.',
      'Dropped patches: old.patch.',
    ]);
    expect(changelogChanges('2.12.3', t, [], undefined)).toEqual([
      'Upstream version 2.12.3.',
      'Built by pkgtrack for debian:trixie.',
      'No distribution patches.',
    ]);
  });

  it('recognises the ways builds fail without network', () => {
    expect(networkAttempt('x\ncurl: (6) Could not resolve host: deb.debian.org\nmake: *** Error 6')).toMatch(/Could not resolve host/);
    expect(networkAttempt("fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com")).toBeTruthy();
    expect(
      networkAttempt(
        'pip._vendor.urllib3.exceptions.NewConnectionError: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution',
      ),
    ).toBeTruthy();
    expect(networkAttempt('error: linker `cc` not found')).toBeUndefined();
  });
});
