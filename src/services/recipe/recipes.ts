/**
 * Recipe use-cases: list, show, validate, schema. Validation collects every problem in every
 * recipe (not just the first) so one run tells the packager everything to fix.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { PkgtrackError, PkgtrackErrors } from '../../core/errors.js';
import {
  findRecipesRepositoryRoot,
  listRecipeNames,
  loadRecipe,
  loadRecipesRepository,
  type Recipe,
  type RecipesRepository,
} from '../../recipe/load.js';
import { isFile } from '../../recipe/root.js';
import { recipeSchema, repositorySchema } from '../../recipe/schema.js';
import { parseSeries } from '../../patches/series.js';
import { describeUpstream } from '../../upstream/index.js';
import { openRecipesRepository } from '../shared/recipes-repository.js';

export interface RecipeSummary {
  name: string;
  summary?: string;
  upstream: string;
  targets: string[];
  channels: string[];
  patches: number;
  dir: string;
}

export interface ValidationProblem {
  code: string;
  message: string;
  fix?: string;
  file?: string;
  line?: number;
  column?: number;
  field?: string;
}

export interface RecipeValidation {
  name: string;
  file: string;
  valid: boolean;
  problems: ValidationProblem[];
}

export interface ValidationReport {
  repository: string;
  valid: boolean;
  recipes: RecipeValidation[];
  /** Problems in pkgtrack.yaml itself. */
  problems: ValidationProblem[];
}

/** Patch names listed in a recipe's series (empty when it has none). */
export async function readSeries(seriesFile: string | undefined): Promise<string[]> {
  if (!seriesFile) return [];
  return parseSeries(await readFile(seriesFile, 'utf8'), seriesFile).map((e) => e.name);
}

export async function summarize(r: Recipe): Promise<RecipeSummary> {
  const channels = [r.config.channels.stable.enabled ? 'stable' : undefined, r.config.channels.trunk?.enabled ? 'trunk' : undefined].filter(
    (c): c is string => !!c,
  );
  return {
    name: r.name,
    ...(r.config.summary ? { summary: r.config.summary } : {}),
    upstream: describeUpstream(r.config.upstream),
    targets: r.targets.map((t) => t.id),
    channels,
    patches: (await readSeries(r.seriesFile)).length,
    dir: r.dir,
  };
}

export async function listRecipes(recipesDir?: string): Promise<{ repository: string; recipes: RecipeSummary[] }> {
  const recipesRepo = await openRecipesRepository(recipesDir);
  const names = await listRecipeNames(recipesRepo);
  const recipes: RecipeSummary[] = [];
  for (const n of names) recipes.push(await summarize(await loadRecipe(recipesRepo, n)));
  return { repository: recipesRepo.root, recipes };
}

export async function showRecipe(
  name: string,
  recipesDir?: string,
): Promise<{ recipe: RecipeSummary; config: Recipe['config']; file: string }> {
  const recipesRepo = await openRecipesRepository(recipesDir);
  const r = await loadRecipe(recipesRepo, name);
  return { recipe: await summarize(r), config: r.config, file: r.file };
}

function toProblems(e: unknown): ValidationProblem[] {
  const one = (x: PkgtrackError): ValidationProblem => ({
    code: x.code,
    message: x.message,
    ...(x.fix ? { fix: x.fix } : {}),
    ...(x.details.file ? { file: String(x.details.file) } : {}),
    ...(x.details.line !== undefined ? { line: x.details.line } : {}),
    ...(x.details.column !== undefined ? { column: x.details.column } : {}),
    ...(x.details.field ? { field: String(x.details.field) } : {}),
  });
  if (e instanceof PkgtrackErrors) return e.errors.map(one);
  if (e instanceof PkgtrackError) return [one(e)];
  throw e;
}

/** Checks beyond the schema: the files a recipe's targets need exist and the series is consistent. */
async function checkRecipeFiles(r: Recipe): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  const rel = (p: string) => relative(process.cwd(), p) || p;
  const formats = new Set(r.targets.map((t) => t.format));
  if (formats.has('deb')) {
    if (!r.debianDir || !(await isFile(join(r.debianDir, 'control')))) {
      problems.push({
        code: 'RECIPE_DEBIAN_MISSING',
        message: `deb targets (${r.targets
          .filter((t) => t.format === 'deb')
          .map((t) => t.id)
          .join(', ')}) need debian/control`,
        fix: `Add ${rel(join(r.dir, 'debian'))}/ with control and rules, or run \`pkgtrack recipe import\` on existing packaging.`,
        file: rel(r.file),
        field: 'targets',
      });
    } else if (!(await isFile(join(r.debianDir, 'rules')))) {
      problems.push({
        code: 'RECIPE_DEBIAN_RULES_MISSING',
        message: 'debian/rules is missing',
        fix: 'Add debian/rules (usually `dh $@`).',
        file: rel(r.debianDir),
      });
    }
  }
  if (formats.has('rpm') && !r.specFile) {
    problems.push({
      code: 'RECIPE_SPEC_MISSING',
      message: `rpm targets (${r.targets
        .filter((t) => t.format === 'rpm')
        .map((t) => t.id)
        .join(', ')}) need ${r.name}.spec`,
      fix: `Add ${rel(join(r.dir, `${r.name}.spec`))}, or drop the rpm targets.`,
      file: rel(r.file),
      field: 'targets',
    });
  }
  if (r.seriesFile) {
    const seriesRel = rel(r.seriesFile);
    try {
      for (const entry of parseSeries(await readFile(r.seriesFile, 'utf8'), seriesRel)) {
        if (!(await isFile(join(r.dir, 'patches', entry.name)))) {
          problems.push({
            code: 'SERIES_PATCH_MISSING',
            message: `patch "${entry.name}" is listed but does not exist`,
            fix: `Add patches/${entry.name} or remove the line from series.`,
            file: seriesRel,
            line: entry.line,
            column: 1,
          });
        }
      }
    } catch (e) {
      problems.push(...toProblems(e));
    }
  }
  return problems;
}

export async function validateRecipes(names: readonly string[], recipesDir?: string): Promise<ValidationReport> {
  const root = await findRecipesRepositoryRoot(recipesDir);
  let recipesRepo: RecipesRepository;
  try {
    recipesRepo = await loadRecipesRepository(root);
  } catch (e) {
    return { repository: root, valid: false, recipes: [], problems: toProblems(e) };
  }
  const wanted = names.length ? [...names] : await listRecipeNames(recipesRepo);
  const recipes: RecipeValidation[] = [];
  for (const name of wanted) {
    const file = relative(process.cwd(), join(root, 'recipes', name, 'recipe.yaml'));
    try {
      const r = await loadRecipe(recipesRepo, name);
      const problems = await checkRecipeFiles(r);
      recipes.push({ name, file, valid: problems.length === 0, problems });
    } catch (e) {
      if (e instanceof PkgtrackError && e.code === 'RECIPE_NOT_FOUND' && names.length) throw e;
      recipes.push({ name, file, valid: false, problems: toProblems(e) });
    }
  }
  return { repository: root, valid: recipes.every((r) => r.valid), recipes, problems: [] };
}

/** JSON Schemas for recipe.yaml and pkgtrack.yaml, for editor completion. */
export function recipeJsonSchema(which: 'recipe' | 'repository'): Record<string, unknown> {
  const schema = which === 'recipe' ? recipeSchema : repositorySchema;
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...json,
    $id: `https://pkgtrack.dev/schema/${which === 'recipe' ? 'recipe' : 'pkgtrack'}.json`,
    title: which === 'recipe' ? 'pkgtrack recipe.yaml' : 'pkgtrack.yaml',
  };
}
