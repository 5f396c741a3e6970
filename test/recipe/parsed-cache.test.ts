/**
 * The parsed-YAML cache (recipe/parsed-cache.ts): a file whose exact bytes passed this schema is
 * taken from <root>/.pkgtrack/parsed-yaml.json; any other text is parsed and validated as
 * always, errors at file:line included. A stale schema stamp, a damaged cache file, or an edit
 * of one byte never lets an old value through.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackErrors } from '../../src/core/errors.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { parsedCacheFile, ParsedYamlCache, saveParsedYamlCaches } from '../../src/recipe/parsed-cache.js';
import { GOOD_RECIPE, GOOD_REPO, writeTree } from './fixtures.js';

const cacheOf = (root: string) =>
  JSON.parse(readFileSync(parsedCacheFile(root), 'utf8')) as { stamp: string; entries: Record<string, unknown> };

const savedCacheDir = process.env.PKGTRACK_CACHE_DIR;
beforeAll(() => {
  process.env.PKGTRACK_CACHE_DIR = mkdtempSync(join(tmpdir(), 'pkgtrack-parsed-cache-'));
});
afterAll(() => {
  if (savedCacheDir === undefined) delete process.env.PKGTRACK_CACHE_DIR;
  else process.env.PKGTRACK_CACHE_DIR = savedCacheDir;
});

describe('parsed YAML cache', () => {
  it('keeps what was validated, and takes it for the same bytes only', async () => {
    const root = writeTree({ 'pkgtrack.yaml': GOOD_REPO, 'recipes/demo/recipe.yaml': GOOD_RECIPE });
    const first = await loadRecipesRepository(root);
    await loadRecipe(first, 'demo');
    saveParsedYamlCaches();
    const file = cacheOf(root);
    expect(
      Object.keys(file.entries)
        .sort()
        .map((k) => k.split(':')[0]),
    ).toEqual(['recipe', 'repository']);
    // The same bytes: the cached value, equal to a fresh parse (and a copy each time).
    const again = await loadRecipesRepository(root);
    expect(again.config).toEqual(first.config);
    again.config.label = 'changed by a caller';
    expect((await loadRecipesRepository(root)).config.label).toBe('Test repository');
    // A cache entry is what the loader returns for those bytes: proof that it is read at all.
    const [key] = Object.keys(file.entries).filter((k) => k.startsWith('repository:'));
    file.entries[key!] = { ...(file.entries[key!] as object), label: 'from the cache' };
    writeFileSync(parsedCacheFile(root), JSON.stringify(file));
    expect((await new ParsedYamlCache(root).get('repository', GOOD_REPO)) as { label: string }).toMatchObject({ label: 'from the cache' });
    // One byte more: parsed again, the edit is seen.
    writeFileSync(join(root, 'pkgtrack.yaml'), GOOD_REPO.replace('label: Test repository', 'label: Test repository 2'));
    expect((await loadRecipesRepository(root)).config.label).toBe('Test repository 2');
  });

  it('still refuses a broken file at file:line after its good version was cached', async () => {
    const root = writeTree({ 'pkgtrack.yaml': GOOD_REPO });
    await loadRecipesRepository(root);
    saveParsedYamlCaches();
    writeFileSync(join(root, 'pkgtrack.yaml'), `${GOOD_REPO}lable: typo\n`);
    const e = await loadRecipesRepository(root).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PkgtrackErrors);
    expect((e as PkgtrackErrors).errors[0]?.details).toMatchObject({ line: 6 });
  });

  it('ignores a cache of another schema, and a damaged cache file', () => {
    const root = writeTree({ 'pkgtrack.yaml': GOOD_REPO });
    const c = new ParsedYamlCache(root);
    c.put('repository', GOOD_REPO, { label: 'kept' });
    c.save();
    expect(new ParsedYamlCache(root).get('repository', GOOD_REPO)).toEqual({ label: 'kept' });
    const file = cacheOf(root);
    writeFileSync(parsedCacheFile(root), JSON.stringify({ ...file, stamp: 'another schema' }));
    expect(new ParsedYamlCache(root).get('repository', GOOD_REPO)).toBeUndefined();
    writeFileSync(parsedCacheFile(root), '{ not json');
    expect(new ParsedYamlCache(root).get('repository', GOOD_REPO)).toBeUndefined();
  });

  it('never reads a cache file inside the repository (one a pull request could commit)', async () => {
    const root = writeTree({ 'pkgtrack.yaml': GOOD_REPO });
    const c = new ParsedYamlCache(root);
    c.put('repository', GOOD_REPO, { label: 'from a committed file' });
    c.save();
    const planted = readFileSync(parsedCacheFile(root), 'utf8');
    rmSync(parsedCacheFile(root));
    mkdirSync(join(root, '.pkgtrack'), { recursive: true });
    writeFileSync(join(root, '.pkgtrack', 'parsed-yaml.json'), planted);
    expect(parsedCacheFile(root).startsWith(root)).toBe(false);
    expect((await loadRecipesRepository(root)).config.label).toBe('Test repository');
  });

  it('does not keep a value that JSON would change', () => {
    const root = writeTree({});
    const c = new ParsedYamlCache(root);
    c.put('recipe', 'a', { when: new Date(0) });
    c.put('recipe', 'b', { gone: undefined });
    c.put('recipe', 'c', { n: 1 });
    expect(c.get('recipe', 'a')).toBeUndefined();
    expect(c.get('recipe', 'b')).toBeUndefined();
    expect(c.get('recipe', 'c')).toEqual({ n: 1 });
  });
});
