/**
 * Real data: Debian source packages with patch series, unpacked by dpkg-source -x and by
 * pkgtrack (safe extraction + patch engine); the trees must be identical file for file.
 * The packages are downloaded once into .cache/debian-sources (scripts/fetch-debian-sources.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { unpackDebianSource } from '../../src/services/patches/debian-source.js';
import { DEBIAN_TEST_PACKAGES, ensureDebianSource } from '../../scripts/fetch-debian-sources.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

const dscs = new Map<string, string>();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-debreal-'));
  for (const p of DEBIAN_TEST_PACKAGES) dscs.set(p, await ensureDebianSource(p));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('pkgtrack unpack + patch queue == dpkg-source -x', () => {
  it('has at least 10 real packages with patch series', () => {
    expect(DEBIAN_TEST_PACKAGES.length).toBeGreaterThanOrEqual(10);
  });
  for (const pkg of DEBIAN_TEST_PACKAGES) {
    it(pkg, async () => {
      const dsc = dscs.get(pkg)!;
      const ref = join(work, `${pkg}-dpkg`);
      const ours = join(work, `${pkg}-pkgtrack`);
      await run('dpkg-source', ['--no-check', '-x', dsc, ref], { cwd: work, env: { LC_ALL: 'C.UTF-8' } });
      const result = await unpackDebianSource(dsc, ours);
      expect(result.queue?.ok).toBe(true);
      expect(result.queue?.patches.length).toBeGreaterThan(0);
      const skip = (rel: string) => rel === '.pc' || rel.startsWith('.pc/');
      const diff = diffSnapshots(await treeSnapshot(ref, skip), await treeSnapshot(ours, skip));
      expect(diff).toEqual([]);
    });
  }
});
