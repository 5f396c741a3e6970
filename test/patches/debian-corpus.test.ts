/**
 * The patch engine and the patch report on real Debian source packages: the CI sample of the
 * corpus in test/patches/debian-corpus.txt (the whole corpus runs in `npm run bench -- report`).
 * Packages are fetched from the Debian mirror into .cache/debian-corpus by
 * scripts/fetch-debian-corpus.ts, each file checked against its suite's signed Sources index.
 */
import { mapLimit } from '../../src/core/concurrency.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDsc } from '../../src/formats/deb-control.js';
import type { UpstreamTree } from '../../src/services/report/report.js';
import { type CorpusPackage, corpusSample, ensureCorpusPackage } from '../../scripts/fetch-debian-corpus.js';
import {
  baseVersionReport,
  compareWithLintian,
  corpusRepository,
  dpkgExtract,
  mergedClaims,
  treeDifferences,
  upstreamVersion,
} from './helpers/debian-corpus.js';
import { readFileSync } from 'node:fs';

const sample = corpusSample();
const dscs = new Map<string, string>();
const bases = new Map<string, { tree: string; version: string }>();
let work: string;

const key = (p: CorpusPackage) => `${p.suite}/${p.pkg}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-corpus-'));
  await mapLimit(sample, 4, async (p) => {
    const dsc = await ensureCorpusPackage(p);
    dscs.set(key(p), dsc);
    const tree = join(work, 'base', p.suite, p.pkg);
    await dpkgExtract(dsc, tree, true);
    bases.set(key(p), { tree, version: upstreamVersion(parseDsc(readFileSync(dsc, 'utf8'), dsc).version) });
  });
}, 900_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the CI sample of the real-Debian corpus', () => {
  it('has format-patch, quilt and multi-tarball packages', () => {
    expect(sample.length).toBeGreaterThanOrEqual(20);
    for (const kind of ['format-patch', 'quilt', 'multi-tarball'] as const)
      expect(sample.filter((p) => p.kinds.includes(kind)).length).toBeGreaterThanOrEqual(2);
    expect(new Set(sample.map((p) => p.suite))).toEqual(new Set(['bookworm', 'trixie', 'sid']));
  });
});

describe('(a) unpack + patch queue == dpkg-source -x, content and modes', () => {
  for (const p of sample) {
    it(key(p), { timeout: 300_000 }, async () => {
      const dir = join(work, 'a', p.suite, p.pkg);
      expect(await treeDifferences(dscs.get(key(p))!, dir)).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    });
  }
});

describe('(b) header verdicts against lintian', () => {
  for (const p of sample) {
    it(key(p), { timeout: 300_000 }, async () => {
      const c = await compareWithLintian(dscs.get(key(p))!, bases.get(key(p))!.tree);
      expect(c.patches.length).toBeGreaterThan(0);
      expect(c.invalidWithoutLintian).toEqual([]);
      expect(c.unexplained).toEqual([]);
      // Where lintian says "not forwarded", we say needs-forwarding unless a named rule applies.
      for (const name of c.lintianNotForwarded) expect(c.needsForwarding.has(name) || c.explained.has(name), name).toBe(true);
    });
  }
});

describe('(c) negative control: against its own base upstream version no patch is merged', () => {
  it('zero merged-upstream and zero probably-merged over the sample', { timeout: 600_000 }, async () => {
    const root = join(work, 'repo');
    corpusRepository(
      root,
      sample.map((p) => ({ pkg: p.pkg, tree: bases.get(key(p))!.tree })),
    );
    const trees: Record<string, UpstreamTree[]> = {};
    for (const p of sample) {
      const b = bases.get(key(p))!;
      trees[p.pkg] = [{ dir: b.tree, label: b.version, base: b.tree }];
    }
    const report = await baseVersionReport(root, trees);
    expect(report.total).toBeGreaterThanOrEqual(50);
    expect(mergedClaims(report).map((e) => `${e.recipe}/${e.file}: ${e.status} ${e.reason}`)).toEqual([]);
  });
});
