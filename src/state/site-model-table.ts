/**
 * The web page's stored model (migration 095-site-model): suites with the stamp of the metadata
 * their rows were read from, one row per indexed binary, and the context key. Plain values in and
 * out; what a row means and when the model is trusted is services/site/model-sync.ts's business.
 */
import type { StateStore } from './store.js';
import { chunks } from './tables.js';

export interface StoredSuite {
  stamp: string;
  /** JSON of the suite's header (the page's SiteSuite without packages). */
  header: string;
}

export interface StoredBinary {
  suite: string;
  name: string;
  source: string;
  /** JSON of the page's IndexedBinary. */
  row: string;
}

export interface SiteModelChange {
  /** New context key; absent: unchanged. */
  context?: string;
  /** The day the changed pages are rendered on; absent: unchanged. */
  day?: string;
  /** The packages this page write changes (kept until `clearPending`). */
  pending: readonly string[];
  /** Suites whose every row goes (a suite gone, or one read again whole). */
  suitesCleared: string[];
  /** Suites gone from the output dir. */
  suitesRemoved: string[];
  suitesUpserted: Array<[suite: string, stamp: string, header: string]>;
  /** Rows of these binary names in these suites go (a publish's changed names). */
  namesCleared: Array<[suite: string, names: readonly string[]]>;
  rowsInserted: StoredBinary[];
}

export interface SiteModelDump {
  context: string | undefined;
  day: string | undefined;
  pending: string[];
  suites: Array<[suite: string, stamp: string, header: string]>;
  rows: StoredBinary[];
}

/**
 * A big suite's most recently changed sources, newest first, then by name: the walk goes down
 * the site_packages_recent index (migration 096), in this order, and stops at the limit.
 */
export const RECENT_SOURCES_SQL = `SELECT p.name AS name, p.changed_at AS at FROM site_packages p
  WHERE EXISTS (SELECT 1 FROM site_binaries b WHERE b.source = p.name AND b.suite = ?)
  ORDER BY p.changed_at DESC, p.name ASC LIMIT ?`;

const CONTEXT = 'context';
/** The day the package pages were rendered on (their freshness counts whole days). */
const DAY = 'day';
const PENDING = 'pending';

export const siteModelTable = (store: StateStore) => {
  const db = store.connection;
  return {
    context(): string | undefined {
      return (db.prepare('SELECT value FROM site_meta WHERE key = ?').get(CONTEXT) as { value: string } | undefined)?.value;
    },
    suites(): Map<string, StoredSuite> {
      const rows = db.prepare('SELECT suite, stamp, header FROM site_suites').all() as unknown as Array<{ suite: string } & StoredSuite>;
      return new Map(rows.map((r) => [r.suite, { stamp: r.stamp, header: r.header }]));
    },
    /** Every row of one suite, in the order they were stored. */
    rowsOfSuite(suite: string): StoredBinary[] {
      return db
        .prepare('SELECT suite, name, source, row FROM site_binaries WHERE suite = ? ORDER BY rowid')
        .all(suite) as unknown as StoredBinary[];
    },
    /** The sources of the rows of `names` in `suite`. */
    sourcesOfNames(suite: string, names: readonly string[]): string[] {
      const out = new Set<string>();
      for (const part of chunks(names)) {
        const sql = `SELECT DISTINCT source FROM site_binaries WHERE suite = ? AND name IN (${part.map(() => '?').join(',')})`;
        for (const r of db.prepare(sql).all(suite, ...part) as Array<{ source: string }>) out.add(r.source);
      }
      return [...out];
    },
    /** Every row, in any suite, of these sources. */
    rowsOfSources(sources: readonly string[]): StoredBinary[] {
      const out: StoredBinary[] = [];
      for (const part of chunks(sources)) {
        const sql = `SELECT suite, name, source, row FROM site_binaries WHERE source IN (${part.map(() => '?').join(',')}) ORDER BY rowid`;
        out.push(...(db.prepare(sql).all(...part) as unknown as StoredBinary[]));
      }
      return out;
    },
    /** How many sources a suite holds. */
    sourceCount(suite: string): number {
      return (db.prepare('SELECT count(DISTINCT source) AS n FROM site_binaries WHERE suite = ?').get(suite) as { n: number }).n;
    },
    /**
     * The `limit` sources of a suite whose page changed last (then by name), with when; sources
     * without a page record ('' : names that are not safe file names) come last. Walks the
     * record newest first and stops at `limit`: the first page lists a few of 100,000.
     */
    recentSources(suite: string, limit: number, small: boolean): Array<{ name: string; at: string }> {
      const recorded = small
        ? // A small suite in a big site: its few sources, not the whole record.
          db.prepare(
            `SELECT DISTINCT b.source AS name, p.changed_at AS at FROM site_binaries b JOIN site_packages p ON p.name = b.source
             WHERE b.suite = ? ORDER BY at DESC, name ASC LIMIT ?`,
          )
        : db.prepare(RECENT_SOURCES_SQL);
      const out = recorded.all(suite, limit) as Array<{ name: string; at: string }>;
      if (out.length < limit) {
        const rest = db
          .prepare(
            `SELECT DISTINCT source AS name, '' AS at FROM site_binaries
             WHERE suite = ? AND source NOT IN (SELECT name FROM site_packages) ORDER BY source ASC LIMIT ?`,
          )
          .all(suite, limit - out.length) as Array<{ name: string; at: string }>;
        out.push(...rest);
      }
      return out;
    },
    /** The alphabetically first binary name of a suite. */
    firstName(suite: string): string | undefined {
      return (db.prepare('SELECT min(name) AS n FROM site_binaries WHERE suite = ?').get(suite) as { n: string | null }).n ?? undefined;
    },
    /** Packages a page write changes, until it is done (set by `apply`, cleared by `clearPending`). */
    pending(): string[] {
      const v = (db.prepare('SELECT value FROM site_meta WHERE key = ?').get(PENDING) as { value: string } | undefined)?.value;
      return v ? (JSON.parse(v) as string[]) : [];
    },
    day(): string | undefined {
      return (db.prepare('SELECT value FROM site_meta WHERE key = ?').get(DAY) as { value: string } | undefined)?.value;
    },
    setContext(context: string, day: string): void {
      store.transaction(() => {
        db.prepare('INSERT OR REPLACE INTO site_meta (key, value) VALUES (?, ?)').run(CONTEXT, context);
        db.prepare('INSERT OR REPLACE INTO site_meta (key, value) VALUES (?, ?)').run(DAY, day);
      });
    },
    clearPending(): void {
      db.prepare('DELETE FROM site_meta WHERE key = ?').run(PENDING);
    },
    /** The whole model, to keep it beside a repository that has no output dir (object storage). */
    dump(): SiteModelDump {
      return {
        context: this.context(),
        day: this.day(),
        pending: this.pending(),
        suites: (
          db.prepare('SELECT suite, stamp, header FROM site_suites ORDER BY suite').all() as unknown as Array<
            { suite: string } & StoredSuite
          >
        ).map((r): [string, string, string] => [r.suite, r.stamp, r.header]),
        rows: db.prepare('SELECT suite, name, source, row FROM site_binaries ORDER BY rowid').all() as unknown as StoredBinary[],
      };
    },
    /** Replace the model with a dumped one (into an empty store: a publisher's scratch output). */
    load(d: SiteModelDump): void {
      store.transaction(() => {
        db.prepare('DELETE FROM site_binaries').run();
        db.prepare('DELETE FROM site_suites').run();
        db.prepare('DELETE FROM site_meta').run();
      });
      this.apply({
        ...(d.context !== undefined ? { context: d.context } : {}),
        ...(d.day !== undefined ? { day: d.day } : {}),
        pending: d.pending,
        suitesCleared: [],
        suitesRemoved: [],
        suitesUpserted: d.suites,
        namesCleared: [],
        rowsInserted: d.rows,
      });
    },
    /** Apply one sync in one transaction. */
    apply(c: SiteModelChange): void {
      store.transaction(() => {
        const meta = db.prepare('INSERT OR REPLACE INTO site_meta (key, value) VALUES (?, ?)');
        if (c.context !== undefined) meta.run(CONTEXT, c.context);
        if (c.day !== undefined) meta.run(DAY, c.day);
        meta.run(PENDING, JSON.stringify(c.pending));
        const clear = db.prepare('DELETE FROM site_binaries WHERE suite = ?');
        for (const s of [...c.suitesCleared, ...c.suitesRemoved]) clear.run(s);
        const drop = db.prepare('DELETE FROM site_suites WHERE suite = ?');
        for (const s of c.suitesRemoved) drop.run(s);
        const up = db.prepare('INSERT OR REPLACE INTO site_suites (suite, stamp, header) VALUES (?, ?, ?)');
        for (const [s, stamp, header] of c.suitesUpserted) up.run(s, stamp, header);
        const delName = db.prepare('DELETE FROM site_binaries WHERE suite = ? AND name = ?');
        for (const [s, names] of c.namesCleared) for (const n of names) delName.run(s, n);
        const ins = db.prepare('INSERT INTO site_binaries (suite, name, source, row) VALUES (?, ?, ?, ?)');
        for (const r of c.rowsInserted) ins.run(r.suite, r.name, r.source, r.row);
      });
    },
  };
};
