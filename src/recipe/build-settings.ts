/**
 * The build settings of one (recipe, target): the recipe's `build:` options, profiles and extra
 * packages, with the target's own on top, and the target's extra apt repositories. Pure.
 */
import type { Recipe } from './load.js';
import type { TargetBuildSettingsConfig } from './schema.js';
import type { Target } from './targets.js';

export type ExtraRepository = NonNullable<TargetBuildSettingsConfig['extraRepositories']>[number];

export interface BuildSettings {
  /** DEB_BUILD_OPTIONS words of the recipe and target (pkgtrack's own not included). */
  options: string[];
  /** DEB_BUILD_PROFILES. */
  profiles: string[];
  /** Packages for the dependency image besides the Build-Depends. */
  extraPackages: string[];
  extraRepositories: ExtraRepository[];
}

/** The settings of a Debian-style target (rpm targets have none of these: empty). */
export function buildSettingsFor(recipe: Recipe, target: Target): BuildSettings {
  if (target.format !== 'deb') return { options: [], profiles: [], extraPackages: [], extraRepositories: [] };
  const r = recipe.config.build;
  const t = target.build ?? {};
  return {
    options: mergeBuildOptions(r.options ?? [], t.options ?? []),
    profiles: [...new Set([...(r.profiles ?? []), ...(t.profiles ?? [])])],
    extraPackages: [...new Set([...(r.extraPackages ?? []), ...(t.extraPackages ?? [])])],
    extraRepositories: t.extraRepositories ?? [],
  };
}

/**
 * DEB_BUILD_OPTIONS words of several sources, in order: a later word replaces an earlier one of
 * the same name (`parallel=2` then `parallel=8` gives `parallel=8`), first position kept.
 */
export function mergeBuildOptions(...lists: ReadonlyArray<readonly string[]>): string[] {
  const byName = new Map<string, string>();
  for (const list of lists) for (const word of list) byName.set(word.split('=')[0]!, word);
  return [...byName.values()];
}

/** The jobs a `parallel=N` option asks for, when one does. */
export function parallelJobs(options: readonly string[]): number | undefined {
  const word = options.find((o) => o.startsWith('parallel='));
  return word ? Number(word.slice('parallel='.length)) : undefined;
}
