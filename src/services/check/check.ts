/**
 * `pkgtrack check`: for each recipe, the packaged version, the newest upstream version and what
 * that means (up-to-date, newer-available, upstream-older — never a silent downgrade —,
 * not-found, error). Recipes are grouped by upstream kind so sources can batch (GitHub: one
 * GraphQL query per 100 repositories). Every observation is recorded in the state store, which
 * is how moved tags and replaced assets are noticed.
 */
import type { PkgtrackError } from '../../core/errors.js';
import { mapLimit } from '../../core/concurrency.js';
import { isPkgtrackError } from '../../core/errors.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { compareUpstreamVersions, tagToVersion } from '../../formats/versions.js';
import { findRecipesRepositoryRoot, listRecipeNames, loadRecipe, loadRecipesRepository, type Recipe } from '../../recipe/load.js';
import { StateStore } from '../../state/store.js';
import { cacheDir } from '../fetch/source-cache.js';
import { GithubRateLimited } from '../../upstream/github-client.js';
import {
  createUpstreamSources,
  describeUpstream,
  type UpstreamKind,
  type UpstreamSources,
  type UpstreamSourcesOptions,
} from '../../upstream/index.js';
import type { RecipeUpstream, UpstreamRelease } from '../../upstream/source.js';
import {
  packagedVersion,
  recordObservations,
  type SeenReleases,
  storeHttpCache,
  upstreamOfPackageVersion,
} from '../shared/observations.js';

export type CheckStatus = 'up-to-date' | 'newer-available' | 'upstream-older' | 'not-found' | 'error';

export interface CheckRow {
  recipe: string;
  /** Where versions come from, e.g. `github:cli/cli`. */
  source: string;
  status: CheckStatus;
  /** Last successfully built package version, if any. */
  packaged?: string;
  /** Newest upstream version. */
  latest?: string;
  tag?: string;
  commit?: string;
  sha256?: string;
  sourceUrl?: string;
  publishedAt?: string;
  /**
   * Debian upstreams: the latest version's source file that the suite's Sources index names
   * but the archive's pool does not serve (a mirror mid-sync, a snapshot): fetch would fail.
   */
  poolMissing?: { url: string; status: number };
  error?: { code: string; message: string; fix?: string };
  warnings: string[];
}

export interface CheckResult {
  recipes: CheckRow[];
  summary: Record<CheckStatus, number> & { total: number };
  /** Recipes that GitHub's rate limit kept us from checking, and when to retry. */
  notChecked?: { recipes: string[]; retryAt?: string };
  checkedAt: string;
}

export interface CheckOptions {
  /** Recipes repository root (default: found from the working directory). */
  recipesDir?: string;
  names?: readonly string[];
  progress?: Progress;
  /** Replace sources (tests). */
  sources?: Partial<UpstreamSources>;
  sourceOptions?: UpstreamSourcesOptions;
  now?: () => Date;
}

export function toRecipeUpstream(recipe: Recipe): RecipeUpstream {
  return {
    recipe: recipe.name,
    dir: recipe.dir,
    config: recipe.config.upstream,
    tagToVersion: (t) => tagToVersion(t, recipe.config.versions),
  };
}

function errorInfo(e: Error): NonNullable<CheckRow['error']> {
  const pe = isPkgtrackError(e) ? (e as PkgtrackError) : undefined;
  return { code: pe?.code ?? 'UPSTREAM_FAILED', message: e.message, ...(pe?.fix ? { fix: pe.fix } : {}) };
}

/** Status of one recipe from its packaged version and newest upstream release. Pure. */
export function statusOf(packaged: string | undefined, latest: UpstreamRelease | undefined): CheckStatus {
  if (!latest) return 'not-found';
  if (packaged === undefined) return 'newer-available';
  const c = compareUpstreamVersions(latest.version, upstreamOfPackageVersion(packaged));
  return c > 0 ? 'newer-available' : c < 0 ? 'upstream-older' : 'up-to-date';
}

/**
 * A Debian suite's Sources index can name a version whose files are not in the pool (a partial
 * or mid-sync mirror): ask the pool for the latest version's source (HEAD, a few at a time) and
 * say so, instead of reporting a version that fetch and build cannot get. An unreachable pool
 * proves nothing: only 404/410 count.
 */
async function probePool(rows: CheckRow[], recipes: readonly Recipe[], fetchImpl: typeof fetch): Promise<void> {
  const debian = new Map(recipes.filter((r) => r.config.upstream.kind === 'debian').map((r) => [r.name, r]));
  const wanted = rows.filter((r) => debian.has(r.recipe) && r.sourceUrl);
  await mapLimit(wanted, 8, async (row) => {
    const status = await fetchImpl(row.sourceUrl!, { method: 'HEAD', redirect: 'follow' }).then(
      (res) => res.status,
      () => 0,
    );
    if (status !== 404 && status !== 410) return;
    const up = debian.get(row.recipe)!.config.upstream as { suite?: string };
    row.poolMissing = { url: row.sourceUrl!, status };
    row.warnings.push(
      `${row.recipe}: ${up.suite ?? 'the suite'}'s Sources index names ${row.tag ?? row.latest} but ${row.sourceUrl} is missing from the pool (HTTP ${status}); fetch and build cannot get it until the mirror has it`,
    );
  });
}

export async function checkRecipes(opts: CheckOptions = {}): Promise<CheckResult> {
  const progress = opts.progress ?? silentProgress;
  const root = await findRecipesRepositoryRoot(opts.recipesDir);
  const recipesRepo = await loadRecipesRepository(root);
  // Recipes load concurrently (file reads overlap); an unknown name still fails the whole check.
  const names = opts.names?.length ? [...opts.names] : await listRecipeNames(recipesRepo);
  const recipes = await Promise.all(names.map((n) => loadRecipe(recipesRepo, n)));
  const store = StateStore.open(root);
  const now = opts.now?.() ?? new Date();
  try {
    const sources: UpstreamSources = {
      ...createUpstreamSources({
        progress,
        ...opts.sourceOptions,
        github: { cache: storeHttpCache(store), progress, ...opts.sourceOptions?.github },
        debian: { indexCacheDir: await cacheDir(root), ...opts.sourceOptions?.debian },
      }),
      ...opts.sources,
    };
    const byKind = new Map<UpstreamKind, RecipeUpstream[]>();
    for (const r of recipes) byKind.set(r.config.upstream.kind, [...(byKind.get(r.config.upstream.kind) ?? []), toRecipeUpstream(r)]);
    progress.step(
      `checking ${recipes.length} recipe${recipes.length === 1 ? '' : 's'} (${[...byKind].map(([k, v]) => `${k}: ${v.length}`).join(', ')})`,
    );
    const answers = new Map<string, UpstreamRelease[] | Error>();
    await Promise.all(
      [...byKind].map(async ([kind, list]) => {
        try {
          for (const [name, v] of await sources[kind].releases(list)) answers.set(name, v);
        } catch (e) {
          for (const r of list) answers.set(r.recipe, e as Error);
        }
      }),
    );

    const rows: CheckRow[] = [];
    const limited: GithubRateLimited[] = [];
    const limitedNames: string[] = [];
    const seen: SeenReleases[] = [];
    for (const recipe of recipes) {
      const source = describeUpstream(recipe.config.upstream);
      const packaged = packagedVersion(store, recipe.name);
      const base = { recipe: recipe.name, source, ...(packaged ? { packaged } : {}), warnings: [] as string[] };
      const got = answers.get(recipe.name) ?? new Error('no answer from the upstream source');
      if (got instanceof Error) {
        if (got instanceof GithubRateLimited) {
          limited.push(got);
          limitedNames.push(recipe.name);
        }
        const status: CheckStatus = isPkgtrackError(got) && got.kind === 'not-found' ? 'not-found' : 'error';
        rows.push({ ...base, status, error: errorInfo(got) });
        continue;
      }
      // Newest first by version: sources sort, but never trust order for a downgrade decision.
      const releases = [...got].sort((a, b) => compareUpstreamVersions(b.version, a.version));
      const latest = releases[0];
      const row: CheckRow = { ...base, status: statusOf(packaged, latest) };
      if (latest) {
        row.latest = latest.version;
        if (latest.tag) row.tag = latest.tag;
        if (latest.commit) row.commit = latest.commit;
        if (latest.sha256) row.sha256 = latest.sha256;
        if (latest.sourceUrl) row.sourceUrl = latest.sourceUrl;
        if (latest.publishedAt) row.publishedAt = latest.publishedAt;
      } else {
        row.error = {
          code: 'NO_RELEASES',
          message: `no upstream release matched`,
          fix: 'Check versions.tagPattern (and upstream.use: tags for repositories without GitHub releases).',
        };
      }
      if (row.status === 'upstream-older') {
        row.warnings.push(
          `${recipe.name}: upstream's newest version ${row.latest} is older than the packaged ${packaged}; not downgrading`,
        );
      }
      seen.push({ recipe: recipe.name, source, releases: releases.slice(0, 20) });
      rows.push(row);
    }
    await probePool(rows, recipes, opts.sourceOptions?.debian?.fetch ?? fetch);
    const observed = recordObservations(store, seen, now);
    for (const row of rows) row.warnings.push(...(observed.get(row.recipe) ?? []));
    for (const row of rows) for (const w of row.warnings) progress.warn(w);

    const summary = { total: rows.length, 'up-to-date': 0, 'newer-available': 0, 'upstream-older': 0, 'not-found': 0, error: 0 };
    for (const r of rows) summary[r.status]++;
    const result: CheckResult = { recipes: rows, summary, checkedAt: now.toISOString() };
    if (limitedNames.length) {
      const retry = limited.map((e) => e.retryAt?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
      result.notChecked = { recipes: limitedNames, ...(retry ? { retryAt: new Date(retry).toISOString() } : {}) };
      progress.warn(
        `GitHub rate limit: ${limitedNames.length} recipe${limitedNames.length === 1 ? '' : 's'} not checked (${limitedNames.slice(0, 10).join(', ')}${limitedNames.length > 10 ? ', …' : ''})${retry ? `; retry after ${new Date(retry).toISOString()}` : ''}`,
      );
    }
    return result;
  } finally {
    store.close();
  }
}
