/**
 * IndexCache (repo/format.ts) over the state store's `repo_index_cache` table. Reads go to
 * SQLite directly; writes are buffered and flushed in one transaction (a cold publish of
 * thousands of packages would otherwise pay one commit per package).
 */
import type { FileKey, IndexCache } from '../../repo/format.js';
import type { StateStore } from '../../state/store.js';
import { IndexCacheTable } from '../../state/tables.js';

const sameKey = (a: FileKey, b: FileKey) => a.size === b.size && a.ctimeUs === b.ctimeUs && a.ino === b.ino;

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

  /** Entries `knows` read, each taken by the lookup that follows it instead of a second query (several are in flight at once). */
  private readonly known = new Map<string, { key: FileKey; value: string }>();

  knows(kind: string, path: string): boolean {
    if (this.pending.has(slot(kind, path))) return true;
    let empty = this.emptyKinds.get(kind);
    if (empty === undefined) this.emptyKinds.set(kind, (empty = this.table.isEmpty(kind)));
    if (empty) return false;
    const e = this.table.entry(kind, path);
    if (e) this.known.set(slot(kind, path), e);
    return e !== undefined;
  }

  get(kind: string, key: FileKey): string | undefined {
    const s = slot(kind, key.path);
    const p = this.pending.get(s);
    if (p && sameKey(p[1], key)) return p[2];
    const known = this.known.get(s);
    this.known.delete(s);
    const value = known ? (sameKey(known.key, key) ? known.value : undefined) : this.table.get(kind, key);
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
