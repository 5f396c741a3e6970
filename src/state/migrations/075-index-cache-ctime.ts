import type { Migration } from '../store.js';

/**
 * The index cache is keyed by the file's change time (ctime, microseconds) instead of its mtime:
 * a file rewritten in place with the same size keeps its inode, and `cp -p` or `touch -d` can
 * give it back its old mtime, but every write sets the ctime and nothing sets it back. Rows keyed
 * by mtime are dropped (a miss re-reads the file once).
 */
export const indexCacheCtimeMigrations: Migration[] = [
  {
    id: '075-index-cache-ctime',
    description: 'repository index cache keyed by ctime (a rewrite that restores the mtime is seen)',
    sql: `
      DELETE FROM repo_index_cache;
      ALTER TABLE repo_index_cache RENAME COLUMN mtime_ms TO ctime_us;
    `,
  },
];
