/**
 * What the state store remembers about upstream: every (tag, commit, asset digest) seen per
 * recipe, with first and last time seen, so a force-moved tag or a replaced release asset is
 * noticed; the ETag cache for upstream APIs; and the version a recipe is packaged at.
 */
import type { StateStore } from '../../state/store.js';
import type { HttpCache } from '../../upstream/http-cache.js';
import type { UpstreamRelease } from '../../upstream/source.js';
import { checkDebVersion } from '../../formats/version-deb.js';
import { checkRpmEvr } from '../../formats/version-rpm.js';
import { compareUpstreamVersions } from '../../formats/versions.js';

export interface ObservationRow {
  version: string;
  tag: string | null;
  commit_sha: string | null;
  asset_url: string | null;
  asset_sha256: string | null;
  observed_at: string;
  last_seen_at: string | null;
}

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
  const last = store.db.prepare(
    `SELECT id, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at FROM upstream_observations
     WHERE recipe = ? AND source = ? AND coalesce(tag, version) = ? ORDER BY id DESC LIMIT 1`,
  );
  const touch = store.db.prepare('UPDATE upstream_observations SET last_seen_at = ? WHERE id = ?');
  const insert = store.db.prepare(
    `INSERT INTO upstream_observations (recipe, source, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  store.db.exec('BEGIN IMMEDIATE');
  try {
    for (const { recipe, source, releases } of seen) {
      const warnings: string[] = [];
      out.set(recipe, warnings);
      for (const r of releases) {
        const key = r.tag ?? r.version;
        const prev = last.get(recipe, source, key) as (ObservationRow & { id: number }) | undefined;
        const commit = r.commit ?? null;
        const sha = r.sha256 ?? null;
        const url = r.sourceUrl ?? null;
        if (prev && (prev.commit_sha ?? null) === commit && (prev.asset_sha256 ?? null) === sha && (prev.asset_url ?? null) === url) {
          touch.run(at, prev.id);
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
        insert.run(recipe, source, r.version, r.tag ?? null, commit, url, sha, at, at);
      }
    }
    store.db.exec('COMMIT');
  } catch (e) {
    store.db.exec('ROLLBACK');
    throw e;
  }
  return out;
}

export function observationsOf(store: StateStore, recipe: string): ObservationRow[] {
  return store.db
    .prepare(
      'SELECT version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at FROM upstream_observations WHERE recipe = ? ORDER BY id',
    )
    .all(recipe) as unknown as ObservationRow[];
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
  const rows = store.db
    .prepare("SELECT DISTINCT version FROM builds WHERE recipe = ? AND result = 'ok' AND version <> ''")
    .all(recipe) as Array<{ version: string }>;
  let best: string | undefined;
  for (const { version } of rows) {
    if (best === undefined || compareUpstreamVersions(upstreamOfPackageVersion(version), upstreamOfPackageVersion(best)) > 0)
      best = version;
  }
  return best;
}

/** The upstream ETag cache in the state store. */
export function storeHttpCache(store: StateStore): HttpCache {
  return {
    get(url) {
      const row = store.db.prepare('SELECT etag, body FROM upstream_http_cache WHERE url = ?').get(url) as
        | { etag: string; body: string }
        | undefined;
      return row ? { etag: row.etag, body: row.body } : undefined;
    },
    set(url, entry) {
      store.db
        .prepare(
          'INSERT INTO upstream_http_cache (url, etag, body, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at',
        )
        .run(url, entry.etag, entry.body, new Date().toISOString());
    },
  };
}
