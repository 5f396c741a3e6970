/**
 * The trunk guardrail as a use-case: a snapshot version must sort above the last trunk build
 * (read from the published trunk state) and the last upstream release, and below any next
 * release, in dpkg and rpm. Shared by `nightly` and `build --trunk` (the CI fan-out path).
 */
import { resolve } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import { trunkVersionProblems } from './guardrail.js';
import type { Recipe, RecipesRepository } from '../../recipe/load.js';
import type { UpstreamSource } from '../../upstream/source.js';
import { toRecipeUpstream } from '../check/check.js';
import { readTrunkState } from './trunk-state.js';

export interface GuardOptions {
  /** Published output (default: pkgtrack.yaml `output`). */
  output?: string;
  stateUrl?: string;
  /** Previous trunk version when the caller already read the state (`ci matrix` hands it to the build job). */
  previous?: string;
  /**
   * The commit the snapshot is built from. The last trunk build of this very commit is no
   * constraint: a target whose cell failed is rebuilt from the commit the others published.
   */
  commit?: string;
}

export async function trunkGuardProblems(
  recipesRepo: RecipesRepository,
  recipe: Recipe,
  snapshot: string,
  source: UpstreamSource,
  o: GuardOptions = {},
): Promise<string[]> {
  let previous = o.previous;
  if (previous === undefined) {
    const state = await readTrunkState(recipe.name, {
      output: o.output ?? resolve(recipesRepo.root, recipesRepo.config.output),
      url: o.stateUrl,
    });
    if (state && !(o.commit && state.commit === o.commit)) previous = state.version;
  }
  const answer = (await source.releases([toRecipeUpstream(recipe)])).get(recipe.name);
  const release = answer instanceof Error ? undefined : answer?.find((x) => !x.prerelease)?.version;
  return trunkVersionProblems({ snapshot, ...(release ? { release } : {}), ...(previous ? { previous } : {}) });
}

export function trunkVersionRefused(recipe: Recipe, snapshot: string, problems: string[]): PkgtrackError {
  return new PkgtrackError({
    code: 'TRUNK_VERSION_REFUSED',
    kind: 'input',
    message: `snapshot version ${snapshot} would sort wrong: ${problems.join('; ')}`,
    fix: `Use a channels.trunk.versionPattern that starts with {release}+ (e.g. {release}+git{date}.{commits}.{sha7}) in recipes/${recipe.name}/recipe.yaml.`,
    details: { field: 'channels.trunk.versionPattern' },
  });
}
