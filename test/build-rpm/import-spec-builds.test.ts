/**
 * `pkgtrack recipe import` of a Fedora-style .spec (%setup + %patchN) gives a recipe whose spec
 * template the rpm builder renders, and whose %prep (real rpmbuild -bp) unpacks the upstream
 * tarball and applies the imported queue.
 */
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpmBuilder } from '../../src/builders/rpm/index.js';
import { run } from '../../src/core/exec.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { importRecipe } from '../../src/services/recipe/import.js';
import { fedoraHelloSpec, helloOrig, queuedPatches, REPO_ROOT } from './helpers.js';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'pkgtrack-import-spec-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const fedoraSpec = fedoraHelloSpec({ version: '2.12.1', release: 4, patch0Comment: 'Point the README at HTTPS' });

describe('recipe import of a .spec', () => {
  it('produces a template the rpm builder renders and whose %prep applies the imported queue', async () => {
    const repoDir = join(base, 'repo');
    await mkdir(repoDir, { recursive: true });
    await copyFile(join(REPO_ROOT, 'pkgtrack.yaml'), join(repoDir, 'pkgtrack.yaml'));
    const srcDir = join(base, 'SOURCES');
    await cp(join(REPO_ROOT, 'recipes/hello/patches'), srcDir, { recursive: true });
    await writeFile(join(srcDir, 'hello.spec'), fedoraSpec);

    const imported = await importRecipe(join(srcDir, 'hello.spec'), { recipesDir: repoDir });
    expect(imported.patches).toEqual(['readme-https-distribution-point.patch', 'readme-packaging-contact.patch']);
    const template = await readFile(join(repoDir, 'recipes/hello/hello.spec'), 'utf8');
    expect(template).toMatch(/^%autosetup -p1$/m);
    expect(template).not.toMatch(/^(Patch\d*:|%patch)/m);

    const recipesRepo = await loadRecipesRepository(repoDir);
    const recipe = await loadRecipe(recipesRepo, 'hello');
    const orig = await helloOrig();
    const workDir = await mkdtemp(join(base, 'work-'));
    const target = {
      ...recipe.targets[0]!,
      id: 'fedora:41',
      distro: 'fedora',
      release: '41',
      format: 'rpm' as const,
      versionSuffix: '.fc41',
    };
    const prepared = await new RpmBuilder().prepare({
      recipe,
      target,
      upstreamVersion: orig.version,
      packageVersion: `${orig.version}-${recipe.config.revision}.fc41`,
      orig: { path: orig.path, sha256: orig.sha256 },
      patches: await queuedPatches(recipe),
      maintainer: recipesRepo.config.maintainer,
      changes: [],
      timestamp: 1_795_219_200,
      workDir,
    });
    const spec = join(workDir, prepared.notes.spec!);
    const rendered = await readFile(spec, 'utf8');
    expect(rendered).toContain('# Point the README at the HTTPS distribution site\nPatch0: readme-https-distribution-point.patch\n');
    expect(rendered).toMatch(new RegExp(`^Release:\\s+${recipe.config.revision}%\\{\\?dist\\}$`, 'm'));
    await run('rpmbuild', ['-bp', '--nodeps', '--define', `_topdir ${join(workDir, 'rpmbuild')}`, '--define', 'dist .fc41', spec], {
      env: { LC_ALL: 'C.UTF-8' },
    });
    const readme = await readFile(join(workDir, 'rpmbuild/BUILD', `hello-${orig.version}`, 'README'), 'utf8');
    expect(readme).toContain('https://ftp.gnu.org/gnu/hello/');
    expect(readme).toContain('packaged with pkgtrack');
  }, 300_000);
});
