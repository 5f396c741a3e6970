/**
 * The embedded state store: one SQLite file inside the recipes repository
 * (`.pkgtrack/state.db`, node:sqlite), no server. Holds upstream observations, build records,
 * publish history and index caches. Schema changes are numbered migrations applied in order
 * at open time; each concept adds its own in src/state/migrations/.
 *
 * Several pkgtrack processes share it (parallel publishes, a build beside a check): every
 * statement waits up to `busyTimeoutMs` for another's write to end, and opening retries the
 * steps SQLite does not wait on by itself (switching to WAL, recovering after a kill -9).
 * Failures say what they are: STATE_BUSY, STATE_CORRUPT or STATE_UNWRITABLE, never a bug.
 * The file is private to its owner (0600, like the keys): it records what was built and from where.
 */
import { chmodSync, closeSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { isSqliteBusy, sqliteFailure } from '../core/errors.js';
import { isDurable } from '../core/fsutil.js';
import { MIGRATIONS } from './migrations/index.js';
import { makeDirsSync } from '../core/dirs.js';

export interface Migration {
  /** Unique and stable, e.g. "003-apt-index". Applied once, in MIGRATIONS order. */
  id: string;
  description: string;
  sql: string;
}

export interface StateStoreOptions {
  /** How long a statement waits for another process's write (default 30 s). */
  busyTimeoutMs?: number;
}

export const STATE_DIR = '.pkgtrack';
const DEFAULT_BUSY_TIMEOUT_MS = 30_000;

/** Create the file private (SQLite would use 0644) and make an existing one private. */
function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  try {
    chmodSync(path, 0o600);
  } catch {
    /* not ours to change (e.g. a shared CI cache owned by another user): SQLite says if it cannot write */
  }
}

export class StateStore {
  /** The SQLite connection: for src/state/ (migrations, tables.ts) only; a test enforces it. */
  readonly connection: DatabaseSync;

  private constructor(
    readonly path: string,
    opts: StateStoreOptions = {},
  ) {
    const timeout = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    try {
      if (path !== ':memory:') {
        makeDirsSync(dirname(path));
        privateFile(path);
      }
      // The busy timeout is set before the first statement, so even the WAL switch waits.
      this.connection = new DatabaseSync(path, { timeout });
    } catch (e) {
      throw sqliteFailure(e, path) ?? e;
    }
    try {
      this.retryBusy(timeout, () => {
        this.connection.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
        // A scratch copy's store is read back by this process only (core/fsutil.ts markScratch).
        if (path !== ':memory:' && !isDurable(path)) this.connection.exec('PRAGMA synchronous = OFF;');
        this.migrate();
      });
    } catch (e) {
      this.connection.close();
      throw sqliteFailure(e, path) ?? e;
    }
  }

  private readonly statements = new Map<string, StatementSync>();

  /** `sql` prepared once for this store: for a query asked many times in a run (once per package of a page). */
  statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.connection.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Open (creating and migrating as needed) the store of the repository at `root`. */
  static open(root: string, opts: StateStoreOptions = {}): StateStore {
    return new StateStore(join(root, STATE_DIR, 'state.db'), opts);
  }

  static inMemory(): StateStore {
    return new StateStore(':memory:');
  }

  /** Ids of the migrations applied, in order. */
  get appliedMigrations(): string[] {
    return (this.connection.prepare('SELECT id FROM schema_migrations ORDER BY rowid').all() as Array<{ id: string }>).map((r) => r.id);
  }

  /**
   * Run `fn` again while SQLite answers "busy" without having waited (it does not wait where
   * waiting could deadlock, e.g. two connections both switching the journal mode), up to `timeoutMs`.
   */
  private retryBusy(timeoutMs: number, fn: () => void): void {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      try {
        fn();
        return;
      } catch (e) {
        if (!isSqliteBusy(e) || Date.now() >= deadline) throw e;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
      }
    }
  }

  private migrate(): void {
    this.connection.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    if (MIGRATIONS.every((m) => this.appliedMigrations.includes(m.id))) return;
    // One writer migrates; the others wait here and then find the work done.
    this.connection.exec('BEGIN IMMEDIATE');
    try {
      const applied = new Set(this.appliedMigrations);
      for (const m of MIGRATIONS) {
        if (applied.has(m.id)) continue;
        this.connection.exec(m.sql);
        this.connection.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(m.id, new Date().toISOString());
      }
      this.connection.exec('COMMIT');
    } catch (e) {
      if (this.connection.isTransaction) this.connection.exec('ROLLBACK');
      throw e;
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
