/**
 * IndexCache (repo/format.ts) over the state store's `repo_index_cache` table. Reads go to
 * SQLite directly; writes are buffered and flushed in one transaction (a cold publish of
 * thousands of packages would otherwise pay one commit per package).
 */
import type { StatementSync } from 'node:sqlite';
import type { FileKey, IndexCache } from '../../repo/format.js';
import type { StateStore } from '../../state/store.js';

/** A buffered entry's key: one per (kind, path), as the table's primary key. */
const slot = (kind: string, path: string) => `${kind}\u0000${path}`;

export class StateIndexCache implements IndexCache {
  private readonly pending = new Map<string, [string, FileKey, string]>();
  private readonly getStmt: StatementSync;
  private readonly knowsStmt: StatementSync;
  hits = 0;
  misses = 0;

  constructor(private readonly store: StateStore) {
    this.getStmt = store.db.prepare(
      'SELECT value FROM repo_index_cache WHERE kind = ? AND path = ? AND size = ? AND ctime_us = ? AND ino = ?',
    );
    this.knowsStmt = store.db.prepare('SELECT 1 FROM repo_index_cache WHERE kind = ? AND path = ?');
  }

  knows(kind: string, path: string): boolean {
    return this.pending.has(slot(kind, path)) || this.knowsStmt.get(kind, path) !== undefined;
  }

  get(kind: string, key: FileKey): string | undefined {
    const p = this.pending.get(slot(kind, key.path));
    if (p && p[1].size === key.size && p[1].ctimeUs === key.ctimeUs && p[1].ino === key.ino) return p[2];
    const row = this.getStmt.get(kind, key.path, key.size, key.ctimeUs, key.ino) as { value: string } | undefined;
    if (row) this.hits++;
    else this.misses++;
    return row?.value;
  }

  countRead(): void {
    this.misses++;
  }

  put(kind: string, key: FileKey, value: string): void {
    this.pending.set(slot(kind, key.path), [kind, key, value]);
  }

  /** Write buffered entries in one transaction. */
  flush(): void {
    if (this.pending.size === 0) return;
    const ins = this.store.db.prepare(
      'INSERT OR REPLACE INTO repo_index_cache (kind, path, size, ctime_us, ino, value) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.store.db.exec('BEGIN IMMEDIATE');
    try {
      for (const [kind, k, v] of this.pending.values()) ins.run(kind, k.path, k.size, k.ctimeUs, k.ino, v);
      this.store.db.exec('COMMIT');
    } catch (e) {
      this.store.db.exec('ROLLBACK');
      throw e;
    }
    this.pending.clear();
  }
}

/** A cache that remembers nothing (dry runs that must not touch the store, tests). */
export const noIndexCache: IndexCache = { get: () => undefined, put: () => undefined, knows: () => false };
