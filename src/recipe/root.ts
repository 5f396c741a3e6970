/**
 * Finding the recipes repository (the folder with pkgtrack.yaml). Kept apart from loading it:
 * commands that may run without one (publish --key, repo verify) check here first and load
 * the config (zod, yaml: a fifth of a short command's start-up) only when there is one.
 */
import { type Stats, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { notFound } from '../core/errors.js';

export const REPOSITORY_FILE = 'pkgtrack.yaml';

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** For many small checks in a row (one await each through the thread pool costs more than the stat): what is at `p`, if anything can be read there. */
function statSyncOrNone(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export const isFileSync = (p: string): boolean => statSyncOrNone(p)?.isFile() ?? false;
export const isDirSync = (p: string): boolean => statSyncOrNone(p)?.isDirectory() ?? false;

/** Find the repository root: `explicit`, else $PKGTRACK_REPO, else the nearest parent with pkgtrack.yaml. */
export async function findRecipesRepositoryRoot(explicit?: string, start = process.cwd()): Promise<string> {
  const given = explicit ?? process.env.PKGTRACK_REPO;
  if (given) {
    const root = resolve(given);
    if (await isFile(join(root, REPOSITORY_FILE))) return root;
    throw notFound(
      'REPO_NOT_FOUND',
      `no ${REPOSITORY_FILE} in ${root}`,
      `Run \`pkgtrack init ${given}\` to create a recipes repository there.`,
    );
  }
  let dir = resolve(start);
  for (;;) {
    if (await isFile(join(dir, REPOSITORY_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw notFound(
    'REPO_NOT_FOUND',
    `no ${REPOSITORY_FILE} in ${start} or any parent folder`,
    'Run pkgtrack inside a recipes repository, pass --repo DIR, or create one with `pkgtrack init`.',
  );
}
