/**
 * IndexCache (repo/format.ts) over the state store's `repo_index_cache` table. Reads go to
 * SQLite directly; writes are buffered and flushed in one transaction (a cold publish of
 * thousands of packages would otherwise pay one commit per package).
 */
import type { FileKey, IndexCache } from '../../repo/format.js';
import type { StateStore } from '../../state/store.js';
import { IndexCacheTable } from '../../state/tables.js';

/** A buffered entry's key: one per (kind, path), as the table's primary key. */
const slot = (kind: string, path: string) => `${kind}\u0000${path}`;

export class StateIndexCache implements IndexCache {
  private readonly pending = new Map<string, [string, FileKey, string]>();
  private readonly table: IndexCacheTable;
  hits = 0;
  misses = 0;

  constructor(store: StateStore) {
    this.table = new IndexCacheTable(store);
  }

  /** Kinds the table holds no entry of (asked once per kind): a first publish asks no more. */
  private readonly emptyKinds = new Map<string, boolean>();

  knows(kind: string, path: string): boolean {
    if (this.pending.has(slot(kind, path))) return true;
    let empty = this.emptyKinds.get(kind);
    if (empty === undefined) this.emptyKinds.set(kind, (empty = this.table.isEmpty(kind)));
    return !empty && this.table.knows(kind, path);
  }

  get(kind: string, key: FileKey): string | undefined {
    const p = this.pending.get(slot(kind, key.path));
    if (p && p[1].size === key.size && p[1].ctimeUs === key.ctimeUs && p[1].ino === key.ino) return p[2];
    const value = this.table.get(kind, key);
    if (value !== undefined) this.hits++;
    else this.misses++;
    return value;
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
    this.table.putAll(this.pending.values());
    this.pending.clear();
  }
}

/** A cache that remembers nothing (dry runs that must not touch the store, tests). */
export const noIndexCache: IndexCache = { get: () => undefined, put: () => undefined, knows: () => false };
