/**
 * Chained builds in one run: a recipe whose Build-Depends name a binary package another recipe
 * of the run makes is built after it, against it (as Launchpad builds against a PPA's own
 * packages). Recipes are ordered topologically, the given order kept otherwise.
 */
import { builderFor } from '../../builders/registry.js';
import { inputError } from '../../core/errors.js';
import type { Recipe } from '../../recipe/load.js';

export interface RecipeOrder {
  ordered: Recipe[];
  /** Recipe name → names of the recipes of the run whose packages it build-depends on. */
  needs: Map<string, string[]>;
}

/** The recipes in build order (Debian packaging read; a recipe without debian/ needs nothing). */
export async function orderByBuildDepends(recipes: readonly Recipe[]): Promise<RecipeOrder> {
  const deb = builderFor('deb');
  const names = new Map<string, { binaries: string[]; buildDepends: string[] }>();
  const none = { binaries: [], buildDepends: [] };
  // Packaging that cannot be read orders as needing nothing: its own build reports the problem.
  for (const r of recipes) names.set(r.name, r.debianDir && deb.packageNames ? await deb.packageNames(r).catch(() => none) : none);
  return orderRecipes(recipes, names);
}

/** Topological order by build dependency (pure); a cycle is refused, naming it. */
export function orderRecipes<R extends { name: string }>(
  recipes: readonly R[],
  names: ReadonlyMap<string, { binaries: string[]; buildDepends: string[] }>,
): { ordered: R[]; needs: Map<string, string[]> } {
  const maker = new Map<string, string>();
  for (const r of recipes) for (const b of names.get(r.name)?.binaries ?? []) maker.set(b, r.name);
  const needs = new Map<string, string[]>();
  for (const r of recipes) {
    const from = (names.get(r.name)?.buildDepends ?? []).map((d) => maker.get(d)).filter((m): m is string => !!m && m !== r.name);
    needs.set(r.name, [...new Set(from)]);
  }
  const byName = new Map(recipes.map((r) => [r.name, r]));
  const ordered: R[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      throw inputError(
        'BUILD_DEPENDS_CYCLE',
        `the recipes build-depend on each other in a cycle: ${cycle.join(' → ')}`,
        "Build one of them first on its own (with a build profile that drops the other's Build-Depends, e.g. <!stage1>), then the rest.",
        { field: 'Build-Depends' },
      );
    }
    state.set(name, 'visiting');
    for (const n of needs.get(name) ?? []) visit(n, [...path, name]);
    state.set(name, 'done');
    ordered.push(byName.get(name)!);
  };
  for (const r of recipes) visit(r.name, []);
  return { ordered, needs };
}
