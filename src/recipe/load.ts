/**
 * Loading a recipes repository from disk: `pkgtrack.yaml` at the root and one folder per recipe
 * under `recipes/`. Parsing and validation are pure (validate.ts); this file does the reading.
 */
import { ifExists } from '../core/fsutil.js';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { inputError, notFound, PkgtrackError, PkgtrackErrors } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { parsedYamlCache } from './parsed-cache.js';
import type { RecipeConfig, RecipesRepositoryConfig, TargetSpec } from './schema.js';
import { misspeltRelease, resolveTarget, type Target } from './targets.js';
import { isDirSync, isFileSync, REPOSITORY_FILE } from './root.js';

export { findRecipesRepositoryRoot, REPOSITORY_FILE } from './root.js';

export const RECIPE_FILE = 'recipe.yaml';

export interface RecipesRepository {
  /** Absolute path of the folder holding pkgtrack.yaml. */
  root: string;
  configFile: string;
  config: RecipesRepositoryConfig;
}

export interface Recipe {
  name: string;
  /** Absolute path of recipes/<name>/. */
  dir: string;
  file: string;
  config: RecipeConfig;
  /** Targets after applying the repository defaults. */
  targets: Target[];
  /** recipes/<name>/debian, when present. */
  debianDir?: string;
  /** recipes/<name>/<name>.spec, when present. */
  specFile?: string;
  /** recipes/<name>/patches/series, when present. */
  seriesFile?: string;
  /** false: build no -dbgsym packages (recipe `build.debugSymbols`, else pkgtrack.yaml `debugSymbols`). */
  debugSymbols?: boolean;
}

export async function loadRecipesRepository(root: string): Promise<RecipesRepository> {
  const configFile = join(root, REPOSITORY_FILE);
  const text = await readFile(configFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw notFound('REPO_NOT_FOUND', `cannot read ${configFile}: ${e.code ?? e.message}`, 'Create it with `pkgtrack init`.');
  });
  const config = await validated(root, 'repository', text, relative(process.cwd(), configFile) || configFile);
  // In GitHub Actions with no `url:`, the output is served by GitHub Pages at a known address:
  // the .repo files and the page's snippets get it instead of a runner path or a placeholder.
  if (!config.url) {
    const pages = githubPagesUrl(process.env);
    if (pages) config.url = pages;
  }
  return { root, configFile, config };
}

type Validated = { repository: RecipesRepositoryConfig; recipe: RecipeConfig };

/**
 * `text` parsed and validated as `kind`: from the repository's parsed cache when exactly these
 * bytes passed this schema before, else by the YAML parser and zod (loaded only then), whose
 * errors name file:line. Each call returns its own copy.
 */
async function validated<K extends keyof Validated>(root: string, kind: K, text: string, file: string): Promise<Validated[K]> {
  const cache = parsedYamlCache(root);
  const hit = cache.get(kind, text);
  if (hit !== undefined) return hit as Validated[K];
  const [{ parseYaml }, { recipeSchema, repositorySchema }] = await Promise.all([import('./validate.js'), import('./schema.js')]);
  const value = (
    kind === 'repository'
      ? parseYaml(text, file, repositorySchema, 'repository configuration')
      : parseYaml(text, file, recipeSchema, 'recipe')
  ) as Validated[K];
  cache.put(kind, text, value);
  return value;
}

/**
 * The GitHub Pages address of the repository a GitHub Actions run belongs to (github.com only;
 * Enterprise Pages hosts differ): `https://<owner>.github.io/<repo>`, or the user/organisation
 * site `https://<owner>.github.io` for a repository named `<owner>.github.io`.
 */
export function githubPagesUrl(env: Record<string, string | undefined>): string | undefined {
  if (env.GITHUB_ACTIONS !== 'true' || (env.GITHUB_SERVER_URL && env.GITHUB_SERVER_URL !== 'https://github.com')) return undefined;
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(env.GITHUB_REPOSITORY ?? '');
  if (!m) return undefined;
  const owner = m[1]!.toLowerCase();
  return m[2]!.toLowerCase() === `${owner}.github.io` ? `https://${owner}.github.io` : `https://${owner}.github.io/${m[2]}`;
}

/** Names of the recipe folders (those holding a recipe.yaml), sorted. */
export async function listRecipeNames(recipesRepo: RecipesRepository): Promise<string[]> {
  const dir = join(recipesRepo.root, 'recipes');
  const entries = (await ifExists(readdir(dir, { withFileTypes: true }))) ?? [];
  // A stat each, synchronously: one await each through the thread pool kept a publish in a
  // repository of 2,000 recipes waiting ~0.15 s.
  const names = entries.filter((e) => e.isDirectory() && isFileSync(join(dir, e.name, RECIPE_FILE)));
  return names.map((e) => e.name).sort();
}

/**
 * Targets from recipe or command-line specs. `backports`: the repository's stable channel is a
 * backports channel, so a target without its own suffix takes the distro's backport suffix.
 * `arches`: the recipe's architectures, for targets that do not name their own.
 * A near miss of a known release (`debian:bookwrm`) is refused with the right name, before
 * anything is fetched or bootstrapped.
 */
export function resolveTargets(
  specs: readonly TargetSpec[],
  opts: { backports?: boolean | undefined; arches?: readonly string[] | undefined } = {},
): Target[] {
  return specs.map((spec) => {
    const id = typeof spec === 'string' ? spec : spec.id;
    const own = typeof spec === 'string' ? undefined : spec;
    const t = resolveTarget(id, { ...own, arches: own?.arches ?? opts.arches, backports: opts.backports });
    if (!t) throw new PkgtrackError({ code: 'TARGET_UNKNOWN', message: `unknown target ${JSON.stringify(spec)}` });
    const guess = misspeltRelease(t.distro, t.release);
    if (guess)
      throw inputError('TARGET_UNKNOWN', `${t.distro} has no release "${t.release}"`, `Did you mean ${t.distro}:${guess}?`, {
        field: 'target',
      });
    return t;
  });
}

export async function loadRecipe(recipesRepo: RecipesRepository, name: string): Promise<Recipe> {
  const dir = join(recipesRepo.root, 'recipes', name);
  const file = join(dir, RECIPE_FILE);
  // Small local files, read and checked synchronously: through the thread pool, one await each,
  // loading 2,000 recipes kept a command waiting ~0.9 s.
  if (!isFileSync(file)) {
    const names = await listRecipeNames(recipesRepo);
    const guess = closest(name, names);
    throw notFound(
      'RECIPE_NOT_FOUND',
      `no recipe "${name}" in ${join(recipesRepo.root, 'recipes')}`,
      guess
        ? `Did you mean "${guess}"?`
        : names.length
          ? `Known recipes: ${names.join(', ')}.`
          : 'Create one under recipes/<name>/recipe.yaml.',
    );
  }
  const text = readFileSync(file, 'utf8');
  const rel = relative(process.cwd(), file) || file;
  const config = await validated(recipesRepo.root, 'recipe', text, rel);
  if (config.name !== name) {
    throw new PkgtrackErrors('CONFIG_INVALID', `${rel}: the recipe name does not match its folder`, [
      new PkgtrackError({
        code: 'RECIPE_NAME_MISMATCH',
        message: `name is "${config.name}" but the folder is recipes/${name}`,
        fix: `Set name: ${name}, or rename the folder to recipes/${config.name}.`,
        details: { file: rel, line: lineOf(text, /^name:/m), column: 1, field: 'name' },
      }),
    ]);
  }
  const recipe: Recipe = {
    name,
    dir,
    file,
    config,
    targets: resolveTargets(config.targets ?? recipesRepo.config.targets, {
      backports: recipesRepo.config.channels.stable.backports,
      arches: config.arches,
    }),
  };
  if ((config.build.debugSymbols ?? recipesRepo.config.debugSymbols) === false) recipe.debugSymbols = false;
  if (isDirSync(join(dir, 'debian'))) recipe.debianDir = join(dir, 'debian');
  if (isFileSync(join(dir, `${name}.spec`))) recipe.specFile = join(dir, `${name}.spec`);
  if (isFileSync(join(dir, 'patches', 'series'))) recipe.seriesFile = join(dir, 'patches', 'series');
  return recipe;
}

function lineOf(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
}

/** Load the named recipes, or all of them when `names` is empty. */
export async function loadRecipes(recipesRepo: RecipesRepository, names: readonly string[] = []): Promise<Recipe[]> {
  const wanted = names.length ? names : await listRecipeNames(recipesRepo);
  const out: Recipe[] = [];
  for (const n of wanted) out.push(await loadRecipe(recipesRepo, n));
  return out;
}
