/** `ci matrix`: one cell per (recipe, target, architecture), on the runner that builds it natively. */
import { describe, expect, it } from 'vitest';
import { loadRecipesRepository } from '../../src/recipe/load.js';
import { ciMatrix } from '../../src/services/ci/matrix.js';
import type { UpstreamSources } from '../../src/upstream/index.js';
import { GOOD_RECIPE, repoWith } from '../recipe/fixtures.js';

const fakeGithub = {
  releases: async (recipes: ReadonlyArray<{ recipe: string }>) => new Map(recipes.map((r) => [r.recipe, [{ version: '1.2.0' }]])),
} as unknown as UpstreamSources['github'];

describe('ci matrix with architectures', () => {
  it('emits a cell per arch with its runner; emulated where GitHub has no native runner', async () => {
    const root = repoWith({
      'recipes/demo/recipe.yaml': `${GOOD_RECIPE}targets:\n  - id: debian:bookworm\n    arches: [amd64, arm64, armhf]\n  - debian:trixie\n`,
      'recipes/demo/debian/control': 'Source: demo\n\nPackage: demo\nArchitecture: any\nDescription: demo\n demo\n',
    });
    const recipesRepo = await loadRecipesRepository(root);
    const r = await ciMatrix({ recipesRepo, channel: 'stable', output: `${root}/public`, sources: { github: fakeGithub } });
    expect(r.skipped).toEqual([]);
    expect(r.matrix.include.map((c) => [c.target, c.arch, c.runner, c.emulated])).toEqual([
      ['debian:bookworm', 'amd64', 'ubuntu-24.04', false],
      ['debian:bookworm', 'arm64', 'ubuntu-24.04-arm', false],
      ['debian:bookworm', 'armhf', 'ubuntu-24.04', true],
      ['debian:trixie', 'amd64', 'ubuntu-24.04', false],
    ]);
    expect(r.matrix.include.every((c) => c.version === '1.2.0')).toBe(true);
  });

  it('plans an Architecture: all only recipe on the first architecture alone (the build skips the others)', async () => {
    const root = repoWith({
      'recipes/demo/recipe.yaml': `${GOOD_RECIPE}targets:\n  - id: debian:bookworm\n    arches: [amd64, arm64]\n`,
    });
    const recipesRepo = await loadRecipesRepository(root);
    const r = await ciMatrix({ recipesRepo, channel: 'stable', output: `${root}/public`, sources: { github: fakeGithub } });
    expect(r.matrix.include.map((c) => `${c.target} ${c.arch}`)).toEqual(['debian:bookworm amd64']);
    expect(r.skipped).toEqual([
      { recipe: 'demo', target: 'debian:bookworm/arm64', reason: expect.stringMatching(/Architecture: all only/) },
    ]);
  });
});
