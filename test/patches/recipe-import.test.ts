/**
 * recipe import round trip on the real Debian packages: import the .dsc, check the recipe
 * loads and validates, export debian/ again and compare it file for file with the debian/ that
 * dpkg-source -x unpacks. Also: a source tree, a debian/ folder, and a .spec with PatchN lines.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { parseSeries } from '../../src/patches/series.js';
import { exportDebianDir, importRecipe } from '../../src/services/recipe/import.js';
import { DEBIAN_TEST_PACKAGES, ensureDebianSource } from '../../scripts/fetch-debian-sources.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

let work: string;
let repo: string;
const dscs = new Map<string, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-import-'));
  repo = join(work, 'repo');
  await mkdir(repo);
  await writeFile(join(repo, 'pkgtrack.yaml'), 'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\n');
  for (const p of DEBIAN_TEST_PACKAGES) dscs.set(p, await ensureDebianSource(p));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('recipe import round trip (.dsc → recipe → debian/)', () => {
  for (const pkg of DEBIAN_TEST_PACKAGES) {
    it(pkg, async () => {
      const dsc = dscs.get(pkg)!;
      const ref = join(work, `${pkg}-ref`);
      await run('dpkg-source', ['--no-check', '--skip-patches', '-x', dsc, ref], { cwd: work });
      const r = await importRecipe(dsc, { recipesDir: repo });
      const recipe = await loadRecipe(await loadRecipesRepository(repo), r.recipe);
      expect(recipe.seriesFile).toBeDefined();
      const series = parseSeries(await readFile(recipe.seriesFile!, 'utf8'));
      expect(series.map((e) => e.name)).toEqual(r.patches);
      expect(r.patches.length).toBeGreaterThan(0);
      const out = join(work, `${pkg}-export`);
      await exportDebianDir(recipe.dir, out);
      expect(diffSnapshots(await treeSnapshot(join(ref, 'debian')), await treeSnapshot(out))).toEqual([]);
    });
  }
});

describe('other import sources', () => {
  it('imports debian:<package>/<suite> straight from the archive (signed Sources index)', async () => {
    const saved = process.env.PKGTRACK_CACHE;
    process.env.PKGTRACK_CACHE = join(import.meta.dirname, '..', '..', '.cache', 'pkgtrack-cache');
    try {
      const r = await importRecipe('debian:sl/trixie', { recipesDir: repo, name: 'sl-archive' });
      expect(r.from).toBe('debian-archive');
      expect(r.upstream).toMatchObject({ kind: 'github', repo: 'mtoyoda/sl' });
      const fromDsc = await importRecipe(dscs.get('sl')!, { recipesDir: repo, name: 'sl-dsc' });
      const repoObj = await loadRecipesRepository(repo);
      const a = await loadRecipe(repoObj, 'sl-archive');
      const b = await loadRecipe(repoObj, 'sl-dsc');
      expect(diffSnapshots(await treeSnapshot(join(a.dir, 'patches')), await treeSnapshot(join(b.dir, 'patches')))).toEqual([]);
      expect(fromDsc.patches).toEqual(r.patches);
    } finally {
      if (saved === undefined) delete process.env.PKGTRACK_CACHE;
      else process.env.PKGTRACK_CACHE = saved;
    }
  });

  it('refuses unknown sources with a typed error, leaving no recipe behind', async () => {
    await expect(importRecipe(join(work, 'nope.dsc'), { recipesDir: repo })).rejects.toMatchObject({ code: 'IMPORT_SOURCE_NOT_FOUND' });
    await expect(importRecipe('debian:no-such-package-pkgtrack/trixie', { recipesDir: repo })).rejects.toMatchObject({
      code: 'DEBIAN_VERSION_NOT_FOUND',
    });
    await expect(importRecipe(join(work, 'missing-dir'), { recipesDir: repo })).rejects.toMatchObject({ code: 'IMPORT_SOURCE_NOT_FOUND' });
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(join(repo, 'recipes'))).filter((n) => n.startsWith('nope') || n.startsWith('missing'))).toEqual([]);
    expect(await readdir(join(repo, '.pkgtrack', 'work')).catch(() => [])).toEqual([]);
  });

  it('imports an unpacked source tree and a bare debian/ folder', async () => {
    const dsc = dscs.get('sl')!;
    const tree = join(work, 'sl-tree');
    await run('dpkg-source', ['--no-check', '-x', dsc, tree], { cwd: work });
    const a = await importRecipe(tree, { recipesDir: repo, name: 'sl-from-tree' });
    expect(a.from).toBe('source-tree');
    expect(a.upstream).toMatchObject({ kind: 'github', repo: 'mtoyoda/sl' });
    const b = await importRecipe(join(tree, 'debian'), { recipesDir: repo, name: 'sl-from-debian' });
    expect(b.from).toBe('debian-dir');
    const recipe = await loadRecipe(await loadRecipesRepository(repo), 'sl-from-debian');
    expect(recipe.config.versions.tagPattern).toBe('^v?(?<version>\\d\\S+)$');
    await expect(importRecipe(tree, { recipesDir: repo, name: 'sl-from-tree' })).rejects.toMatchObject({ code: 'RECIPE_EXISTS' });
  });

  it('imports a .spec: PatchN lines and their comments become a series with DEP-3 headers', async () => {
    const d = join(work, 'spec');
    await mkdir(d);
    await writeFile(
      join(d, 'foo.spec'),
      [
        '%global upver 1.2',
        'Name: foo',
        'Version: %{upver}',
        'Release: 3%{?dist}',
        'Summary: a foo',
        'License: MIT',
        'URL: https://example.org/foo',
        'Source0: https://example.org/dl/foo-%{version}.tar.gz',
        '# Fix the build with GCC 14',
        '# (sent upstream)',
        'Patch0: foo-gcc14.patch',
        'Patch1: foo-p0.patch',
        '',
        '%prep',
        '%setup -q',
        '%patch -P 0 -p1',
        '%patch1 -p0',
        '',
      ].join('\n'),
    );
    await writeFile(join(d, 'foo-gcc14.patch'), '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n');
    await writeFile(join(d, 'foo-p0.patch'), 'Description: already has a header\n---\n--- x.c.orig\n+++ x.c\n@@ -1 +1 @@\n-b\n+c\n');
    const r = await importRecipe(join(d, 'foo.spec'), { recipesDir: repo });
    expect(r.patches).toEqual(['foo-gcc14.patch', 'foo-p0.patch']);
    const recipe = await loadRecipe(await loadRecipesRepository(repo), 'foo');
    expect(recipe.config.upstream).toMatchObject({ kind: 'http', url: 'https://example.org/dl/' });
    expect(recipe.config.source?.url).toBe('https://example.org/dl/foo-{version}.tar.gz');
    expect(recipe.config.revision).toBe('3');
    expect(await readFile(recipe.seriesFile!, 'utf8')).toBe('foo-gcc14.patch\nfoo-p0.patch -p0\n');
    expect(await readFile(join(recipe.dir, 'patches', 'foo-gcc14.patch'), 'utf8')).toMatch(
      /^Description: Fix the build with GCC 14\n \(sent upstream\)\nOrigin: foo.spec Patch0\n---\n--- a\/x.c/,
    );
    expect(await readFile(join(recipe.dir, 'patches', 'foo-p0.patch'), 'utf8')).toMatch(/^Description: already has a header\n/);
  });
});
