/**
 * fetch against the real Debian archive (debian upstream kind): the Sources index is verified
 * with gpgv and debian-archive-keyring, and the orig tarball pkgtrack produces is byte-identical
 * to the one the archive serves (and to the one the .dsc test corpus downloaded).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDsc } from '../../src/formats/deb-control.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { fetchSource } from '../../src/services/fetch/fetch.js';
import { ensureDebianSource } from '../../scripts/fetch-debian-sources.js';

let work: string;
const savedCache = process.env.PKGTRACK_CACHE;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-fetchdeb-'));
  // Reuse the git-ignored cache between runs: the Sources index is ~10 MB.
  process.env.PKGTRACK_CACHE = resolve(import.meta.dirname, '..', '..', '.cache', 'pkgtrack-cache');
});
afterAll(async () => {
  if (savedCache === undefined) delete process.env.PKGTRACK_CACHE;
  else process.env.PKGTRACK_CACHE = savedCache;
  await rm(work, { recursive: true, force: true });
});

it('fetches sl from trixie byte-identical to the archive orig tarball', async () => {
  const dsc = await ensureDebianSource('sl');
  const meta = parseDsc(await readFile(dsc, 'utf8'), dsc);
  const orig = meta.files.find((f) => f.name.includes('.orig.tar.'))!;
  await mkdir(join(work, 'recipes', 'sl'), { recursive: true });
  await writeFile(join(work, 'pkgtrack.yaml'), 'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\n');
  await writeFile(
    join(work, 'recipes', 'sl', 'recipe.yaml'),
    "name: sl\nupstream:\n  kind: debian\n  package: sl\n  suite: trixie\nversions:\n  tagPattern: '^(?<version>.+)$'\n",
  );
  const recipesRepo = await loadRecipesRepository(work);
  const r = await fetchSource(recipesRepo, await loadRecipe(recipesRepo, 'sl'), { outDir: join(work, 'out') });
  expect(r.version).toBe(meta.version.replace(/-[^-]+$/, ''));
  expect(r.origName).toBe(orig.name);
  expect(r.sha256).toBe(orig.hashes.SHA256);
  expect(
    createHash('sha256')
      .update(await readFile(r.origTarball))
      .digest('hex'),
  ).toBe(orig.hashes.SHA256);
  expect(await readdir(join(work, 'out'))).toEqual([orig.name]);
});
