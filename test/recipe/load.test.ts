import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { findRecipesRepositoryRoot, listRecipeNames, loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { recipeSchema } from '../../src/recipe/schema.js';
import { resolveTarget } from '../../src/recipe/targets.js';
import { parseYaml } from '../../src/recipe/validate.js';
import { GOOD_RECIPE, problems, repoWith } from './fixtures.js';

describe('recipe loading', () => {
  it('loads a good recipe with defaults filled in', async () => {
    const root = repoWith();
    const recipesRepo = await loadRecipesRepository(root);
    expect(recipesRepo.config.retention.keep).toBe(3);
    expect(recipesRepo.config.validDays).toBe(14);
    const r = await loadRecipe(recipesRepo, 'demo');
    expect(r.config.upstream).toMatchObject({ kind: 'github', repo: 'example/demo', use: 'releases', prereleases: false });
    expect(r.config.revision).toBe('1');
    expect(r.targets.map((t) => t.id)).toEqual(['debian:bookworm']);
    expect(r.targets[0]).toMatchObject({ format: 'deb', versionSuffix: '~deb12u1', publishPath: 'bookworm' });
    expect(r.debianDir).toBe(join(root, 'recipes/demo/debian'));
    expect(r.seriesFile).toBe(join(root, 'recipes/demo/patches/series'));
  });

  it('refuses a signatureUrl template on a debian upstream (it would be applied to the archive URL and 404)', () => {
    const errs = problems(
      'name: demo\nupstream:\n  kind: debian\n  package: demo\nsource:\n  signatureUrl: "{url}.sig"\n  upstreamKey: debian/upstream/signing-key.asc\n',
    );
    expect(errs.map((e) => [e.details.field, e.details.line])).toContainEqual(['source.signatureUrl', 6]);
  });

  it('lists the recipes: folders holding a recipe.yaml file, sorted; nothing else', async () => {
    const root = repoWith();
    const recipes = join(root, 'recipes');
    for (const n of ['zeta', 'alpha', 'mid']) {
      mkdirSync(join(recipes, n), { recursive: true });
      writeFileSync(join(recipes, n, 'recipe.yaml'), `name: ${n}\n`);
    }
    mkdirSync(join(recipes, 'no-recipe'), { recursive: true }); // a folder without one
    mkdirSync(join(recipes, 'folder-named-recipe', 'recipe.yaml'), { recursive: true }); // not a file
    writeFileSync(join(recipes, 'loose.yaml'), 'name: loose\n'); // not a folder
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    writeFileSync(join(root, 'elsewhere', 'recipe.yaml'), 'name: linked\n');
    symlinkSync(join(root, 'elsewhere'), join(recipes, 'linked')); // a symlinked folder is not listed (as before)
    expect(await listRecipeNames(await loadRecipesRepository(root))).toEqual(['alpha', 'demo', 'mid', 'zeta']);
  });

  it('finds the repository root from a nested folder', async () => {
    const root = repoWith();
    expect(await findRecipesRepositoryRoot(undefined, join(root, 'recipes/demo/debian'))).toBe(root);
  });

  it('names file:line:column, the field path and a did-you-mean fix for an unknown key', () => {
    const [e] = problems(`${GOOD_RECIPE}revison: "2"\n`);
    expect(e!.details).toMatchObject({ file: 'recipe.yaml', line: 8, column: 1, field: 'revison' });
    expect(e!.message).toContain('unknown field "revison"');
    expect(e!.fix).toBe('Did you mean "revision"?');
  });

  it('points at a wrong discriminator value and suggests the right one', () => {
    const [e] = problems('name: demo\nupstream:\n  kind: gitub\n  repo: a/b\n');
    expect(e!.details).toMatchObject({ line: 3, column: 9, field: 'upstream.kind' });
    expect(e!.message).toBe('expected one of github, git, debian, http, got "gitub"');
    expect(e!.fix).toBe('Did you mean "github"?');
  });

  it('reports a missing required field at its parent', () => {
    const [e] = problems('name: demo\nupstream:\n  kind: github\n');
    expect(e!.details.field).toBe('upstream.repo');
    expect(e!.message).toMatch(/required field is missing/);
    expect(e!.fix).toMatch(/Add "repo:"/);
  });

  it('reports every problem at once, each at its own line', () => {
    const errs = problems('name: Bad Name\nupstream:\n  kind: http\n  url: not-a-url\n  pattern: "(["\ntargets: [plan9:4]\n');
    const fields = errs.map((e) => e.details.field).sort();
    expect(fields).toEqual(['name', 'targets.0', 'upstream.pattern', 'upstream.url']);
    expect(errs.find((e) => e.details.field === 'upstream.pattern')!.details.line).toBe(5);
    expect(errs.find((e) => e.details.field === 'targets.0')!.message).toMatch(/unknown distro/);
  });

  it('refuses a tagPattern without the version group, and a summary with a newline', () => {
    const errs = problems(`${GOOD_RECIPE.replace(/tagPattern: .*/, () => "tagPattern: '^v(.*)$'")}license: "two\\nlines"\n`);
    expect(errs.map((e) => e.message).join('\n')).toMatch(/named group \(\?<version>/);
    expect(errs.map((e) => e.message).join('\n')).toMatch(/single line/);
  });

  it('takes build.memory as a container size and points at a bad one', () => {
    expect(parseYaml(`${GOOD_RECIPE}build:\n  memory: 16g\n`, 'recipe.yaml', recipeSchema, 'recipe').build.memory).toBe('16g');
    const [e] = problems(`${GOOD_RECIPE}build:\n  memory: lots\n`);
    expect(e!.details).toMatchObject({ line: 9, field: 'build.memory' });
    expect(e!.message).toMatch(/a size such as 8g or 12000m/);
  });

  it('reports YAML syntax errors with a position', () => {
    const errs = problems('name: demo\nupstream: [\n');
    expect(errs[0]!.code).toBe('YAML_SYNTAX');
    expect(errs[0]!.details.line).toBeGreaterThan(1);
  });

  it('refuses a recipe whose name does not match its folder', async () => {
    const root = repoWith({ 'recipes/demo/recipe.yaml': GOOD_RECIPE.replace('name: demo', 'name: other') });
    const recipesRepo = await loadRecipesRepository(root);
    await expect(loadRecipe(recipesRepo, 'demo')).rejects.toThrow(/does not match its folder/);
  });

  it('suggests the closest recipe name for a typo', async () => {
    const recipesRepo = await loadRecipesRepository(repoWith());
    const err = await loadRecipe(recipesRepo, 'dmeo').catch((e: PkgtrackError) => e);
    expect(err).toBeInstanceOf(PkgtrackError);
    expect((err as PkgtrackError).fix).toBe('Did you mean "demo"?');
  });
});

describe('targets', () => {
  it('maps known distros to formats, images and pool-safe suffixes', () => {
    expect(resolveTarget('debian:trixie')).toMatchObject({
      format: 'deb',
      versionSuffix: '~deb13u1',
      image: 'docker.io/library/debian:trixie',
    });
    expect(resolveTarget('ubuntu:noble')).toMatchObject({ format: 'deb', versionSuffix: '~ubuntu24.04.1' });
    expect(resolveTarget('fedora:41')).toMatchObject({ format: 'rpm', versionSuffix: '.fc41', publishPath: 'fedora/41' });
    expect(resolveTarget('plan9:4')).toBeUndefined();
    expect(resolveTarget('plan9:4', { format: 'deb', image: 'localhost/plan9' })).toMatchObject({
      format: 'deb',
      image: 'localhost/plan9',
    });
  });
});
