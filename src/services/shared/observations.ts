/**
 * What the state store remembers about upstream: every (tag, commit, asset digest) seen per
 * recipe, with first and last time seen, so a force-moved tag or a replaced release asset is
 * noticed; the ETag cache for upstream APIs; and the version a recipe is packaged at.
 */
import type { StateStore } from '../../state/store.js';
import { buildsTable, httpCacheTable, type ObservationRow, ObservationsTable } from '../../state/tables.js';
import type { HttpCache } from '../../upstream/http-cache.js';
import type { UpstreamRelease } from '../../upstream/source.js';
import { checkDebVersion } from '../../formats/version-deb.js';
import { checkRpmEvr } from '../../formats/version-rpm.js';
import { compareUpstreamVersions } from '../../formats/versions.js';

export type { ObservationRow } from '../../state/tables.js';

export interface SeenReleases {
  recipe: string;
  source: string;
  releases: readonly UpstreamRelease[];
}

/**
 * Record what was seen for many recipes in one transaction (one fsync, not one per recipe);
 * returns, per recipe, warnings for tags that moved and assets that changed.
 */
export function recordObservations(store: StateStore, seen: readonly SeenReleases[], now: Date): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const at = now.toISOString();
  const table = new ObservationsTable(store);
  table.transaction(() => {
    for (const { recipe, source, releases } of seen) {
      const warnings: string[] = [];
      out.set(recipe, warnings);
      for (const r of releases) {
        const key = r.tag ?? r.version;
        const prev = table.last(recipe, source, key);
        const commit = r.commit ?? null;
        const sha = r.sha256 ?? null;
        const url = r.sourceUrl ?? null;
        if (prev && (prev.commit_sha ?? null) === commit && (prev.asset_sha256 ?? null) === sha && (prev.asset_url ?? null) === url) {
          table.touch(prev.id, at);
          continue;
        }
        if (prev?.commit_sha && commit && prev.commit_sha !== commit) {
          warnings.push(
            `${recipe}: tag ${key} now points to ${commit.slice(0, 12)} (was ${prev.commit_sha.slice(0, 12)}, seen ${prev.last_seen_at ?? prev.observed_at}); upstream moved the tag`,
          );
        }
        if (prev?.asset_sha256 && sha && prev.asset_sha256 !== sha) {
          warnings.push(
            `${recipe}: the release asset of ${key} changed (sha256 ${sha.slice(0, 16)}…, was ${prev.asset_sha256.slice(0, 16)}…); upstream replaced it`,
          );
        }
        table.insert({ recipe, source, version: r.version, tag: r.tag ?? null, commitSha: commit, assetUrl: url, assetSha256: sha, at });
      }
    }
  });
  return out;
}

export function observationsOf(store: StateStore, recipe: string): ObservationRow[] {
  return new ObservationsTable(store).ofRecipe(recipe);
}

/** The upstream part of a package version (deb `1:2.3-1` or rpm `2.3-1.fc41` → `2.3`). */
export function upstreamOfPackageVersion(v: string): string {
  const d = checkDebVersion(v);
  if (d.ok) return d.version.upstream;
  const r = checkRpmEvr(v);
  return r.ok ? r.evr.version : v;
}

/** The highest version the recipe was successfully built at, if any. */
export function packagedVersion(store: StateStore, recipe: string): string | undefined {
  let best: string | undefined;
  for (const version of buildsTable(store).okVersions(recipe)) {
    if (best === undefined || compareUpstreamVersions(upstreamOfPackageVersion(version), upstreamOfPackageVersion(best)) > 0)
      best = version;
  }
  return best;
}

/** The upstream ETag cache in the state store. */
export function storeHttpCache(store: StateStore): HttpCache {
  return httpCacheTable(store);
}
