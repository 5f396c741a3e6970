/** Small recipes repositories written into temp folders, good and broken. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type PkgtrackError, PkgtrackErrors } from '../../src/core/errors.js';
import { recipeSchema } from '../../src/recipe/schema.js';
import { parseYaml } from '../../src/recipe/validate.js';
import { tempDir } from '../helpers/cli.js';

/** The problems a recipe text is refused with (fails the test when it is accepted). */
export function problems(text: string): PkgtrackError[] {
  try {
    parseYaml(text, 'recipe.yaml', recipeSchema, 'recipe');
  } catch (e) {
    if (e instanceof PkgtrackErrors) return e.errors;
    throw e;
  }
  throw new Error('expected the recipe to be refused');
}

export const GOOD_REPO = `name: test-repo
origin: test-repo
label: Test repository
maintainer: Test Maintainer <test@example.org>
targets: [debian:bookworm]
`;

export const GOOD_RECIPE = `name: demo
summary: a demo package
upstream:
  kind: github
  repo: example/demo
versions:
  tagPattern: '^v(?<version>\\d+(\\.\\d+)*)$'
`;

export function writeTree(files: Record<string, string>): string {
  const root = tempDir();
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    if (rel.endsWith('/rules')) chmodSync(p, 0o755);
  }
  return root;
}

/** A valid repository with one recipe `demo`; override any file. */
export function repoWith(overrides: Record<string, string> = {}): string {
  return writeTree({
    'pkgtrack.yaml': GOOD_REPO,
    'recipes/demo/recipe.yaml': GOOD_RECIPE,
    'recipes/demo/debian/control': 'Source: demo\n\nPackage: demo\nArchitecture: all\nDescription: demo\n demo\n',
    'recipes/demo/debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'recipes/demo/patches/series': '# none\n',
    ...overrides,
  });
}
