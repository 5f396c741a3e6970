import type { Migration } from '../store.js';

/** Upstream tracking: when an observation was last confirmed, and the ETag cache for upstream APIs. */
export const upstreamMigrations: Migration[] = [
  {
    id: '030-upstream',
    description: 'upstream observation last-seen time and lookup by tag; upstream HTTP ETag cache',
    sql: `
      ALTER TABLE upstream_observations ADD COLUMN last_seen_at TEXT;
      CREATE INDEX upstream_observations_tag ON upstream_observations(recipe, tag);
      CREATE TABLE upstream_http_cache (
        url TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        body TEXT NOT NULL,
        fetched_at TEXT NOT NULL
      );
    `,
  },
];
