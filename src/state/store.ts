/**
 * The embedded state store: one SQLite file inside the recipes repository
 * (`.pkgtrack/state.db`, node:sqlite), no server. Holds upstream observations, build records,
 * publish history and index caches. Schema changes are numbered migrations applied in order
 * at open time; each concept adds its own in src/state/migrations/.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  /** Unique and stable, e.g. "003-apt-index". Applied once, in MIGRATIONS order. */
  id: string;
  description: string;
  sql: string;
}

export const STATE_DIR = '.pkgtrack';

export class StateStore {
  /** The SQLite connection: for src/state/ (migrations, tables.ts) only; a test enforces it. */
  readonly connection: DatabaseSync;

  private constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.connection = new DatabaseSync(path);
    this.connection.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;');
    this.migrate();
  }

  /** Open (creating and migrating as needed) the store of the repository at `root`. */
  static open(root: string): StateStore {
    return new StateStore(join(root, STATE_DIR, 'state.db'));
  }

  static inMemory(): StateStore {
    return new StateStore(':memory:');
  }

  /** Ids of the migrations applied, in order. */
  get appliedMigrations(): string[] {
    return (this.connection.prepare('SELECT id FROM schema_migrations ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
  }

  private migrate(): void {
    this.connection.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    const applied = new Set(this.appliedMigrations);
    for (const m of MIGRATIONS) {
      if (applied.has(m.id)) continue;
      this.connection.exec('BEGIN IMMEDIATE');
      try {
        this.connection.exec(m.sql);
        this.connection.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
        this.connection.exec('COMMIT');
      } catch (e) {
        this.connection.exec('ROLLBACK');
        throw e;
      }
    }
  }

  /** Run `fn` in one IMMEDIATE transaction, rolled back if it throws. */
  transaction<T>(fn: () => T): T {
    this.connection.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.connection.exec('COMMIT');
      return out;
    } catch (e) {
      this.connection.exec('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    this.connection.close();
  }
}
