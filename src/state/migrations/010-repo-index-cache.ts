import type { Migration } from '../store.js';

/**
 * The repository index cache: per input/pool file, identified by path + size + mtime + inode,
 * the metadata a format read from it (control data and hashes for a .deb). A hit means the file
 * is not opened again; any change of the four key parts is a miss. `kind` is versioned by the
 * format (e.g. "apt-deb-v1") so a new value shape never reads an old one.
 */
export const repoIndexCacheMigrations: Migration[] = [
  {
    id: '010-repo-index-cache',
    description: 'per-file package metadata cache for repository publishing',
    sql: `
      CREATE TABLE repo_index_cache (
        kind TEXT NOT NULL,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (kind, path)
      );
    `,
  },
];
