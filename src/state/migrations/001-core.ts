import type { Migration } from '../store.js';

export const coreMigrations: Migration[] = [
  {
    id: '001-core',
    description: 'upstream observations, builds, publishes',
    sql: `
      CREATE TABLE upstream_observations (
        id INTEGER PRIMARY KEY,
        recipe TEXT NOT NULL,
        source TEXT NOT NULL,
        version TEXT NOT NULL,
        tag TEXT,
        commit_sha TEXT,
        asset_url TEXT,
        asset_sha256 TEXT,
        observed_at TEXT NOT NULL
      );
      CREATE INDEX upstream_observations_recipe ON upstream_observations(recipe, version);
      CREATE TABLE builds (
        id INTEGER PRIMARY KEY,
        recipe TEXT NOT NULL,
        target TEXT NOT NULL,
        version TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        out_dir TEXT,
        manifest TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX builds_key ON builds(recipe, target, input_hash);
      CREATE TABLE publishes (
        id INTEGER PRIMARY KEY,
        repo_dir TEXT NOT NULL,
        kind TEXT NOT NULL,
        suite TEXT NOT NULL,
        summary TEXT NOT NULL,
        published_at TEXT NOT NULL
      );
    `,
  },
];
