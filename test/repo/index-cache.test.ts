/**
 * The index cache over the state store (services/repo/index-cache.ts): a lookup after `knows`
 * takes the entry `knows` read (one query a file, not two), also when several lookups are in
 * flight at once, and still tells a changed file (size, ctime, inode) from the cached one.
 */
import { describe, expect, it } from 'vitest';
import { StateIndexCache } from '../../src/services/repo/index-cache.js';
import { StateStore } from '../../src/state/store.js';

const key = (path: string, size = 10, ctimeUs = 1000, ino = 7) => ({ path, size, ctimeUs, ino });

describe('StateIndexCache', () => {
  it('answers from what knows read, in any order, and misses a file that changed', () => {
    const store = StateStore.inMemory();
    try {
      const writer = new StateIndexCache(store);
      for (const p of ['/a.deb', '/b.deb', '/c.deb']) writer.put('deb', key(p), `value of ${p}`);
      writer.flush();

      const c = new StateIndexCache(store);
      expect(c.knows('other-kind', '/a.deb')).toBe(false);
      expect(c.knows('deb', '/new.deb')).toBe(false);
      // Three lookups in flight: each answered with its own entry.
      expect([c.knows('deb', '/a.deb'), c.knows('deb', '/b.deb'), c.knows('deb', '/c.deb')]).toEqual([true, true, true]);
      expect(c.get('deb', key('/c.deb'))).toBe('value of /c.deb');
      expect(c.get('deb', key('/b.deb', 10, 2000))).toBeUndefined(); // rewritten since: another ctime
      expect(c.get('deb', key('/a.deb'))).toBe('value of /a.deb');
      // Without knows first: the table is asked.
      expect(c.get('deb', key('/a.deb'))).toBe('value of /a.deb');
      expect(c.get('deb', key('/a.deb', 11))).toBeUndefined();
      expect({ hits: c.hits, misses: c.misses }).toEqual({ hits: 3, misses: 2 });

      // What this publish put is known before it is flushed.
      c.put('deb', key('/d.deb'), 'd');
      expect(c.knows('deb', '/d.deb')).toBe(true);
      expect(c.get('deb', key('/d.deb'))).toBe('d');
    } finally {
      store.close();
    }
  });
});
