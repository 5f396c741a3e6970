/**
 * Per-table accessors: the only SQL outside migrations. Services call these with plain values
 * and get plain rows back; the domain rules (what a moved tag means, which build a page shows)
 * stay in the services.
 */
import type { StatementSync } from 'node:sqlite';
import type { StateStore } from './store.js';

/** Up to this many bound values per IN (...) list. */
const IN_CHUNK = 500;

/** `list` in pieces of at most IN_CHUNK, one IN (...) list each. */
export function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IN_CHUNK) out.push(list.slice(i, i + IN_CHUNK));
  return out;
}

function groupByRecipe<T extends { recipe: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.recipe);
    if (list) list.push(r);
    else out.set(r.recipe, [r]);
  }
  return out;
}

// ---- upstream_observations ----------------------------------------------------------------

export interface ObservationRow {
  version: string;
  tag: string | null;
  commit_sha: string | null;
  asset_url: string | null;
  asset_sha256: string | null;
  observed_at: string;
  last_seen_at: string | null;
}

export interface NewObservation {
  recipe: string;
  source: string;
  version: string;
  tag: string | null;
  commitSha: string | null;
  assetUrl: string | null;
  assetSha256: string | null;
  at: string;
}

/** What was seen of upstream, per recipe: one row per (tag, commit, asset) as first seen. */
export class ObservationsTable {
  private readonly lastStmt: StatementSync;
  private readonly touchStmt: StatementSync;
  private readonly insertStmt: StatementSync;
  private readonly ofRecipeStmt: StatementSync;

  constructor(private readonly store: StateStore) {
    const db = store.connection;
    this.lastStmt = db.prepare(
      `SELECT id, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at FROM upstream_observations
       WHERE recipe = ? AND source = ? AND coalesce(tag, version) = ? ORDER BY id DESC LIMIT 1`,
    );
    this.touchStmt = db.prepare('UPDATE upstream_observations SET last_seen_at = ? WHERE id = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO upstream_observations (recipe, source, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.ofRecipeStmt = db.prepare(
      'SELECT version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at FROM upstream_observations WHERE recipe = ? ORDER BY id',
    );
  }

  /** The newest row for a tag (or a version without one). */
  last(recipe: string, source: string, tagOrVersion: string): (ObservationRow & { id: number }) | undefined {
    return this.lastStmt.get(recipe, source, tagOrVersion) as (ObservationRow & { id: number }) | undefined;
  }

  touch(id: number, at: string): void {
    this.touchStmt.run(at, id);
  }

  insert(o: NewObservation): void {
    this.insertStmt.run(o.recipe, o.source, o.version, o.tag, o.commitSha, o.assetUrl, o.assetSha256, o.at, o.at);
  }

  /** Every row of a recipe, oldest first. */
  ofRecipe(recipe: string): ObservationRow[] {
    return this.ofRecipeStmt.all(recipe) as unknown as ObservationRow[];
  }

  /** The recipes with any observation. */
  recipes(): string[] {
    return (this.store.connection.prepare('SELECT DISTINCT recipe FROM upstream_observations').all() as Array<{ recipe: string }>).map(
      (r) => r.recipe,
    );
  }

  /** Every row, grouped by recipe, oldest first (one query for a page of thousands of packages). */
  byRecipe(): Map<string, ObservationRow[]> {
    const rows = this.store.connection
      .prepare(
        'SELECT recipe, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at FROM upstream_observations ORDER BY id',
      )
      .all() as unknown as Array<ObservationRow & { recipe: string }>;
    return groupByRecipe(rows);
  }

  /** Run `fn` in one transaction (one fsync for many recipes). */
  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  /** Changes whenever a row is added or deleted (rows are only touched in place: last_seen_at). */
  stamp(): string {
    const r = this.store.connection.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS m FROM upstream_observations').get() as {
      n: number;
      m: number;
    };
    return `${r.n}/${r.m}`;
  }
}

// ---- upstream_http_cache ------------------------------------------------------------------

/** The upstream APIs' ETag cache (structurally upstream/http-cache.ts's HttpCache). */
export function httpCacheTable(store: StateStore) {
  const db = store.connection;
  return {
    get(url: string): { etag: string; body: string } | undefined {
      const row = db.prepare('SELECT etag, body FROM upstream_http_cache WHERE url = ?').get(url) as
        | { etag: string; body: string }
        | undefined;
      return row ? { etag: row.etag, body: row.body } : undefined;
    },
    set(url: string, entry: { etag: string; body: string }): void {
      db.prepare(
        'INSERT INTO upstream_http_cache (url, etag, body, fetched_at) VALUES (?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at',
      ).run(url, entry.etag, entry.body, new Date().toISOString());
    },
  };
}

// ---- builds -------------------------------------------------------------------------------

export interface BuildRow {
  id: number;
  recipe: string;
  target: string;
  version: string;
  input_hash: string;
  result: string;
  out_dir: string | null;
  manifest: string | null;
  finished_at: string | null;
}

export interface NewBuild {
  recipe: string;
  target: string;
  version: string;
  inputHash: string;
  result: 'ok' | 'failed';
  outDir: string | null;
  manifest: string | null;
  startedAt: string;
  finishedAt: string;
}

export const buildsTable = (store: StateStore) => ({
  /** The newest successful build of (recipe, target), of these inputs when `inputHash` is given. */
  lastOk(recipe: string, target: string, inputHash?: string): BuildRow | undefined {
    const db = store.connection;
    const row = inputHash
      ? db
          .prepare("SELECT * FROM builds WHERE recipe = ? AND target = ? AND input_hash = ? AND result = 'ok' ORDER BY id DESC LIMIT 1")
          .get(recipe, target, inputHash)
      : db.prepare("SELECT * FROM builds WHERE recipe = ? AND target = ? AND result = 'ok' ORDER BY id DESC LIMIT 1").get(recipe, target);
    return row as BuildRow | undefined;
  },
  insert(b: NewBuild): void {
    store.connection
      .prepare(
        'INSERT INTO builds (recipe, target, version, input_hash, result, out_dir, manifest, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(b.recipe, b.target, b.version, b.inputHash, b.result, b.outDir, b.manifest, b.startedAt, b.finishedAt);
  },
  /** Versions a recipe was built at successfully (any target). */
  okVersions(recipe: string): string[] {
    const rows = store.connection
      .prepare("SELECT DISTINCT version FROM builds WHERE recipe = ? AND result = 'ok' AND version <> ''")
      .all(recipe) as Array<{ version: string }>;
    return rows.map((r) => r.version);
  },
  /** Every recipe's finished successful builds, newest first (one query for a whole page). */
  finishedOkByRecipe(): Map<string, BuildRow[]> {
    const rows = store.connection
      .prepare("SELECT * FROM builds WHERE result = 'ok' AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC")
      .all() as unknown as BuildRow[];
    return groupByRecipe(rows);
  },
  /** Changes whenever a build is recorded or forgotten (rows are written once). */
  stamp(): string {
    const r = store.connection.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS m FROM builds').get() as { n: number; m: number };
    return `${r.n}/${r.m}`;
  },
  /** A recipe's finished successful builds, newest first. */
  finishedOk(recipe: string): BuildRow[] {
    return store
      .statement("SELECT * FROM builds WHERE recipe = ? AND result = 'ok' AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC")
      .all(recipe) as unknown as BuildRow[];
  },
});

// ---- publishes ----------------------------------------------------------------------------

export function recordPublish(store: StateStore, p: { repoDir: string; kind: string; suite: string; summary: unknown }): void {
  store.connection
    .prepare('INSERT INTO publishes (repo_dir, kind, suite, summary, published_at) VALUES (?, ?, ?, ?, ?)')
    .run(p.repoDir, p.kind, p.suite, JSON.stringify(p.summary), new Date().toISOString());
}

// ---- key_rotations ------------------------------------------------------------------------

export interface RotationRow {
  id: number;
  old_fingerprint: string;
  new_fingerprint: string;
  new_key_file: string;
  started_at: string;
  finished_at: string | null;
}

export const keyRotationsTable = (store: StateStore) => ({
  open(): RotationRow | undefined {
    return store.connection.prepare('SELECT * FROM key_rotations WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1').get() as
      | RotationRow
      | undefined;
  },
  start(oldFingerprint: string, newFingerprint: string, newKeyFile: string): void {
    store.connection
      .prepare('INSERT INTO key_rotations (old_fingerprint, new_fingerprint, new_key_file, started_at) VALUES (?, ?, ?, ?)')
      .run(oldFingerprint, newFingerprint, newKeyFile, new Date().toISOString());
  },
  finish(newFingerprint: string): void {
    store.connection
      .prepare('UPDATE key_rotations SET finished_at = ? WHERE new_fingerprint = ? AND finished_at IS NULL')
      .run(new Date().toISOString(), newFingerprint);
  },
});

// ---- repo_index_cache ---------------------------------------------------------------------

/** A published file's identity as the index cache keys it (structurally repo/format.ts's FileKey). */
export interface IndexCacheKey {
  path: string;
  size: number;
  /** ctime in µs: every write sets it and nothing can set it back (cp -p and touch -d set mtime). */
  ctimeUs: number;
  ino: number;
}

export class IndexCacheTable {
  private readonly getStmt: StatementSync;
  private readonly entryStmt: StatementSync;

  constructor(private readonly store: StateStore) {
    this.getStmt = store.connection.prepare(
      'SELECT value FROM repo_index_cache WHERE kind = ? AND path = ? AND size = ? AND ctime_us = ? AND ino = ?',
    );
    this.entryStmt = store.connection.prepare('SELECT size, ctime_us, ino, value FROM repo_index_cache WHERE kind = ? AND path = ?');
  }

  /** What is stored for `path` under `kind`, with the key it was stored under. */
  entry(kind: string, path: string): { key: IndexCacheKey; value: string } | undefined {
    const r = this.entryStmt.get(kind, path) as { size: number; ctime_us: number; ino: number; value: string } | undefined;
    return r && { key: { path, size: r.size, ctimeUs: r.ctime_us, ino: r.ino }, value: r.value };
  }

  /** No entry of `kind` at all. */
  isEmpty(kind: string): boolean {
    return this.store.connection.prepare('SELECT 1 FROM repo_index_cache WHERE kind = ? LIMIT 1').get(kind) === undefined;
  }

  get(kind: string, key: IndexCacheKey): string | undefined {
    return (this.getStmt.get(kind, key.path, key.size, key.ctimeUs, key.ino) as { value: string } | undefined)?.value;
  }

  /** Write many entries in one transaction. */
  putAll(entries: Iterable<[kind: string, key: IndexCacheKey, value: string]>): void {
    const ins = this.store.connection.prepare(
      'INSERT OR REPLACE INTO repo_index_cache (kind, path, size, ctime_us, ino, value) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.store.transaction(() => {
      for (const [kind, k, v] of entries) ins.run(kind, k.path, k.size, k.ctimeUs, k.ino, v);
    });
  }
}

// ---- site_files, site_packages (the web page's record, in the output's store) -------------

export interface SiteRecord {
  /** path → content hash, and whether it is a previous page's asset kept one more round. */
  files: Map<string, { hash: string; previous: boolean }>;
  /** package → hash of what its files were rendered from, and when that last changed. */
  packages: Map<string, { hash: string; changedAt: string }>;
}

export interface SiteRecordChange {
  packagesUpserted: ReadonlyArray<[name: string, hash: string, changedAt: string]>;
  packagesRemoved: readonly string[];
  filesUpserted: ReadonlyArray<[path: string, hash: string, previous: boolean]>;
  filesRemoved: readonly string[];
}

export const siteRecordTable = (store: StateStore) => ({
  read(): SiteRecord {
    const db = store.connection;
    const files = siteRecordTable(store).files();
    const packages = new Map<string, { hash: string; changedAt: string }>();
    for (const r of db.prepare('SELECT name, hash, changed_at FROM site_packages').all() as Array<{
      name: string;
      hash: string;
      changed_at: string;
    }>)
      packages.set(r.name, { hash: r.hash, changedAt: r.changed_at });
    return { files, packages };
  },
  /** The files other than package pages, badges and JSON. */
  files(): Map<string, { hash: string; previous: boolean }> {
    const files = new Map<string, { hash: string; previous: boolean }>();
    for (const r of store.connection.prepare('SELECT path, hash, previous FROM site_files').all() as Array<{
      path: string;
      hash: string;
      previous: number;
    }>)
      files.set(r.path, { hash: r.hash, previous: r.previous === 1 });
    return files;
  },
  /** The hash and change time of these packages (a write that changes a few reads only theirs). */
  packagesNamed(names: readonly string[]): Map<string, { hash: string; changedAt: string }> {
    const out = new Map<string, { hash: string; changedAt: string }>();
    for (const part of chunks(names)) {
      const sql = `SELECT name, hash, changed_at FROM site_packages WHERE name IN (${part.map(() => '?').join(',')})`;
      for (const r of store.connection.prepare(sql).all(...part) as Array<{ name: string; hash: string; changed_at: string }>)
        out.set(r.name, { hash: r.hash, changedAt: r.changed_at });
    }
    return out;
  },
  /** Apply one page write's changes in one transaction. */
  apply(c: SiteRecordChange): void {
    const db = store.connection;
    store.transaction(() => {
      const upPkg = db.prepare('INSERT OR REPLACE INTO site_packages (name, hash, changed_at) VALUES (?, ?, ?)');
      for (const [n, h, at] of c.packagesUpserted) upPkg.run(n, h, at);
      const delPkg = db.prepare('DELETE FROM site_packages WHERE name = ?');
      for (const n of c.packagesRemoved) delPkg.run(n);
      const upFile = db.prepare('INSERT OR REPLACE INTO site_files (path, hash, previous) VALUES (?, ?, ?)');
      for (const [p, h, prev] of c.filesUpserted) upFile.run(p, h, prev ? 1 : 0);
      const delFile = db.prepare('DELETE FROM site_files WHERE path = ?');
      for (const p of c.filesRemoved) delFile.run(p);
    });
  },
});
