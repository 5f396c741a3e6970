/** The page model's queries on a store of real size: the first page's recent sources. */
import { describe, expect, it } from 'vitest';
import { RECENT_SOURCES_SQL, siteModelTable } from '../../src/state/site-model-table.js';
import { StateStore } from '../../src/state/store.js';
import { siteRecordTable } from '../../src/state/tables.js';
import { tempDir } from '../helpers/cli.js';

const SUITE = '["apt","apt","bookworm"]';

function storeWith(packages: Array<[name: string, changedAt: string]>): StateStore {
  const store = StateStore.open(tempDir('pkgtrack-site-model-'));
  siteRecordTable(store).apply({
    packagesUpserted: packages.map(([n, at]): [string, string, string] => [n, `hash-${n}`, at]),
    packagesRemoved: [],
    filesUpserted: [],
    filesRemoved: [],
  });
  siteModelTable(store).apply({
    pending: [],
    suitesCleared: [],
    suitesRemoved: [],
    suitesUpserted: [[SUITE, 'stamp', '{}']],
    namesCleared: [],
    rowsInserted: packages.map(([n]) => ({ suite: SUITE, name: n, source: n, row: '{}' })),
  });
  return store;
}

describe('recent sources of a suite', () => {
  it('lists the newest first, then by name, also when thousands changed at the same moment (a first publish)', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `pkg-${String(i).padStart(5, '0')}`).reverse();
    const store = storeWith([
      ...names.map((n): [string, string] => [n, '2026-12-01T00:00:00.000Z']),
      ['zz-newer', '2026-12-02T00:00:00.000Z'],
      ['aa-newest', '2026-12-03T00:00:00.000Z'],
    ]);
    try {
      const recent = siteModelTable(store).recentSources(SUITE, 5, false);
      expect(recent).toEqual([
        { name: 'aa-newest', at: '2026-12-03T00:00:00.000Z' },
        { name: 'zz-newer', at: '2026-12-02T00:00:00.000Z' },
        ...['pkg-00000', 'pkg-00001', 'pkg-00002'].map((name) => ({ name, at: '2026-12-01T00:00:00.000Z' })),
      ]);
    } finally {
      store.close();
    }
  });

  it('reads the index in the query order: no sort of the whole table before the limit', () => {
    const store = storeWith([['a', '2026-12-01T00:00:00.000Z']]);
    try {
      const plan = (store.connection.prepare(`EXPLAIN QUERY PLAN ${RECENT_SOURCES_SQL}`).all(SUITE, 20) as Array<{ detail: string }>).map(
        (r) => r.detail,
      );
      expect(plan.join('\n')).toContain('site_packages_recent');
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    } finally {
      store.close();
    }
  });
});
