/**
 * The upstream tree a recipe's patches are applied to: the orig tarball (given, or fetched
 * through fetchSource) extracted safely, single top directory stripped, as dpkg-source does.
 */
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { inputError } from '../../core/errors.js';
import { exists } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import type { Recipe, RecipesRepository } from '../../recipe/load.js';
import { fetchSource } from '../fetch/fetch.js';
import { extractStripped } from './debian-source.js';
import { makeDirs } from '../../core/dirs.js';

export interface SourceChoice {
  /** Upstream version; default: the newest release. */
  version?: string;
  /** Use this orig tarball instead of fetching (offline, tests, local tarballs). */
  orig?: string;
  progress?: Progress;
}

export interface PreparedSource {
  version: string;
  origTarball: string;
  dir: string;
}

/** The version an orig tarball carries in its name (<name>_<version>.orig.tar.*), if any. */
export function versionFromOrigName(file: string): string | undefined {
  return (
    /^[^_]+_(.+?)\.orig\.tar\.[a-z0-9]+$/.exec(basename(file))?.[1] ?? /-(\d[^/]*?)\.(tar\.[a-z0-9]+|tgz|zip)$/.exec(basename(file))?.[1]
  );
}

/** Extract the recipe's upstream source for `choice` into `dest` (which must not exist). */
export async function prepareSource(
  recipesRepo: RecipesRepository,
  recipe: Recipe,
  dest: string,
  choice: SourceChoice,
): Promise<PreparedSource> {
  let origTarball: string;
  let version: string;
  if (choice.orig) {
    origTarball = resolve(choice.orig);
    if (!(await exists(origTarball)))
      throw inputError(
        'ORIG_NOT_FOUND',
        `${choice.orig} does not exist`,
        'Give the path of an upstream tarball, or drop --orig to fetch it.',
      );
    version = choice.version ?? versionFromOrigName(origTarball) ?? 'unknown';
  } else {
    const got = await fetchSource(recipesRepo, recipe, {
      ...(choice.version ? { version: choice.version } : {}),
      ...(choice.progress ? { progress: choice.progress } : {}),
    });
    origTarball = got.origTarball;
    version = got.version;
  }
  choice.progress?.step(`extracting ${basename(origTarball)}`);
  await extractStripped(origTarball, dest);
  return { version, origTarball, dir: dest };
}

/** A fresh work directory under the repository: .pkgtrack/work/<recipe>/<what>. */
export async function workDir(recipesRepo: RecipesRepository, recipe: Recipe, what: string): Promise<string> {
  const dir = join(recipesRepo.root, '.pkgtrack', 'work', recipe.name, what.replace(/[^A-Za-z0-9.+~_-]/g, '_'));
  await rm(dir, { recursive: true, force: true });
  await makeDirs(dir);
  return dir;
}
