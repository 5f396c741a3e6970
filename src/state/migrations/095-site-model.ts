import type { Migration } from '../store.js';

/**
 * The web page's model of an output dir, kept beside its site record so that a publish updates
 * the page per changed package instead of reading every suite back (services/site/model-sync.ts):
 *  - site_suites: per published suite, the hash of its signed metadata (Release or repomd.xml)
 *    when its rows were taken, and its header (everything the page shows of it but packages);
 *  - site_binaries: one row per binary package an index lists (the page's IndexedBinary);
 *  - site_meta: what every package page depends on besides its own rows (the context key), and
 *    the packages a page write in progress changes (`pending`: redone if it is cut short).
 */
export const siteModelMigrations: Migration[] = [
  {
    id: '095-site-model',
    description: 'the web page model of an output dir, for per-package updates',
    sql: `
      CREATE TABLE site_suites (
        suite TEXT PRIMARY KEY,
        stamp TEXT NOT NULL,
        header TEXT NOT NULL
      );
      CREATE TABLE site_binaries (
        suite TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        row TEXT NOT NULL
      );
      CREATE INDEX site_binaries_name ON site_binaries(suite, name);
      CREATE INDEX site_binaries_suite_source ON site_binaries(suite, source);
      CREATE INDEX site_binaries_source ON site_binaries(source, suite);
      CREATE INDEX site_packages_changed ON site_packages(changed_at, name);
      CREATE TABLE site_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];
