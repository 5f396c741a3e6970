/**
 * Reading .debs through the index cache (repo/apt/artifacts.ts readDeb), in-process: a path the
 * cache has never seen is read at once and keyed by the file as it was read; a known one is
 * looked up by a stat first. (The worker-thread path is covered through the CLI in
 * apt-many.test.ts.)
 */
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { getField } from '../../src/formats/deb822.js';
import { readDeb } from '../../src/repo/apt/artifacts.js';
import type { FileKey, IndexCache } from '../../src/repo/format.js';
import { tempDir } from '../helpers/cli.js';
import { buildDeb } from './apt-helpers.js';

/** An IndexCache in memory that counts lookups and stores. */
function memoryCache() {
  const entries = new Map<string, { key: FileKey; value: string }>();
  const calls = { get: 0, put: 0, counted: 0 };
  const cache: IndexCache = {
    knows: (_kind, path) => entries.has(path),
    get: (_kind, key) => {
      calls.get++;
      const e = entries.get(key.path);
      return e && e.key.size === key.size && e.key.ctimeUs === key.ctimeUs && e.key.ino === key.ino ? e.value : undefined;
    },
    put: (_kind, key, value) => {
      calls.put++;
      entries.set(key.path, { key, value });
    },
    countRead: () => {
      calls.counted++;
    },
  };
  return { cache, entries, calls };
}

describe('readDeb and the index cache', () => {
  it('reads a path it has never seen without a lookup, keyed by the file read; then hits; re-reads a touched file', async () => {
    const dir = tempDir('pkgtrack-artifacts-');
    const deb = buildDeb(dir, 'cached', '1.0-1');
    const { cache, entries, calls } = memoryCache();

    const first = await readDeb(deb, { cache, rebuild: false });
    expect(getField(first.control, 'Package')).toBe('cached');
    expect(calls).toEqual({ get: 0, put: 1, counted: 1 });
    const st = statSync(deb);
    expect(entries.get(deb)!.key).toEqual({ path: deb, size: st.size, ctimeUs: Math.trunc(st.ctimeMs * 1000), ino: st.ino });

    const second = await readDeb(deb, { cache, rebuild: false });
    expect(second).toEqual(first);
    expect(calls).toEqual({ get: 1, put: 1, counted: 1 }); // a hit: nothing read, nothing stored

    utimesSync(deb, new Date(), new Date(Date.now() + 5000));
    await readDeb(deb, { cache, rebuild: false });
    expect(calls).toEqual({ get: 2, put: 2, counted: 1 }); // known path, other ctime (utimes sets it): a miss, read again
  });

  it('names a missing file ARTIFACT_NOT_FOUND, whether the cache knew its path or not', async () => {
    const dir = tempDir('pkgtrack-artifacts-');
    const gone = join(dir, 'gone_1.0-1_amd64.deb');
    for (const knows of [false, true]) {
      const cache: IndexCache = { knows: () => knows, get: () => undefined, put: () => undefined };
      const err = await readDeb(gone, { cache, rebuild: false }).catch((e: unknown) => e);
      expect(isPkgtrackError(err) && err.code, String(err)).toBe('ARTIFACT_NOT_FOUND');
    }
  });
});
