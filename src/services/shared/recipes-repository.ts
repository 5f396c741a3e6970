/**
 * Opening the recipes repository (pkgtrack.yaml + recipes/) that a command runs in: every
 * service that needs it comes here, so "where is the repository" is answered one way.
 */
import { isPkgtrackError } from '../../core/errors.js';
import { findRecipesRepositoryRoot, loadRecipe, loadRecipesRepository, type Recipe, type RecipesRepository } from '../../recipe/load.js';

/** The recipes repository at `dir` (or found upward from the working directory). */
export async function openRecipesRepository(dir?: string): Promise<RecipesRepository> {
  return loadRecipesRepository(await findRecipesRepositoryRoot(dir));
}

/** The repository when inside one (or when `dir` names one); undefined otherwise. */
export async function optionalRecipesRepository(dir?: string): Promise<RecipesRepository | undefined> {
  try {
    return await openRecipesRepository(dir);
  } catch (e) {
    if (!dir && isPkgtrackError(e) && e.code === 'REPO_NOT_FOUND') return undefined;
    throw e;
  }
}

/** The repository and one of its recipes, by name. */
export async function openRecipe(name: string, dir?: string): Promise<{ recipesRepo: RecipesRepository; recipe: Recipe }> {
  const recipesRepo = await openRecipesRepository(dir);
  return { recipesRepo, recipe: await loadRecipe(recipesRepo, name) };
}
