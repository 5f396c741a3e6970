/**
 * Every migration, in the order it is applied. Each concept keeps its migrations in a file of
 * its own here and adds one line below. Never edit a shipped migration; add a new one.
 */
import type { Migration } from '../store.js';
import { coreMigrations } from './001-core.js';
import { repoIndexCacheMigrations } from './010-repo-index-cache.js';
import { upstreamMigrations } from './030-upstream.js';
import { keyRotationMigrations } from './070-key-rotation.js';
import { indexCacheCtimeMigrations } from './075-index-cache-ctime.js';
import { siteRecordMigrations } from './090-site-record.js';
import { siteModelMigrations } from './095-site-model.js';
import { siteRecentIndexMigrations } from './096-site-recent-index.js';

export const MIGRATIONS: Migration[] = [
  ...coreMigrations,
  ...repoIndexCacheMigrations,
  ...upstreamMigrations,
  ...keyRotationMigrations,
  ...indexCacheCtimeMigrations,
  ...siteRecordMigrations,
  ...siteModelMigrations,
  ...siteRecentIndexMigrations,
];
