/**
 * Opening the recipes repository (pkgtrack.yaml + recipes/) that a command runs in: every
 * service that needs it comes here, so "where is the repository" is answered one way.
 */
import { isPkgtrackError } from '../../core/errors.js';
import { findRepositoryRoot, loadRecipe, loadRepository, type Recipe, type Repository } from '../../recipe/load.js';

/** The recipes repository at `dir` (or found upward from the working directory). */
export async function openRepository(dir?: string): Promise<Repository> {
  return loadRepository(await findRepositoryRoot(dir));
}

/** The repository when inside one (or when `dir` names one); undefined otherwise. */
export async function optionalRepository(dir?: string): Promise<Repository | undefined> {
  try {
    return await openRepository(dir);
  } catch (e) {
    if (!dir && isPkgtrackError(e) && e.code === 'REPO_NOT_FOUND') return undefined;
    throw e;
  }
}

/** The repository and one of its recipes, by name. */
export async function openRecipe(name: string, dir?: string): Promise<{ repo: Repository; recipe: Recipe }> {
  const repo = await openRepository(dir);
  return { repo, recipe: await loadRecipe(repo, name) };
}
