import type { Migration } from '../store.js';

/**
 * What the web page in an output dir consists of, kept in that output dir's store
 * (<output>/.pkgtrack/state.db) so a publish rewrites only what changed:
 *  - site_packages: per package, the hash of what its badge, page and JSON are rendered from,
 *    and when that last changed (the first page lists the most recently changed);
 *  - site_files: every other file the site owns with its content hash; `previous` marks the
 *    last page's assets, kept one more round for browsers mid-load.
 */
export const siteRecordMigrations: Migration[] = [
  {
    id: '090-site-record',
    description: 'the web page files of an output dir, for incremental writes',
    sql: `
      CREATE TABLE site_packages (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        changed_at TEXT NOT NULL
      );
      CREATE TABLE site_files (
        path TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        previous INTEGER NOT NULL DEFAULT 0
      );
    `,
  },
];
