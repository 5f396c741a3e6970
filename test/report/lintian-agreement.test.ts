/**
 * Our "needs forwarding" verdicts against lintian's `patch-not-forwarded-upstream` on real Debian
 * source packages (downloaded from the Debian mirror, cached under .cache/debian-sources).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_TEST_PACKAGES, ensureDebianSource } from '../../scripts/fetch-debian-sources.js';
import { parseSeries } from '../../src/patches/series.js';
import { classify } from '../../src/report/classify.js';
import { lintianNotForwarded, readDep3 } from '../../src/report/dep3.js';

interface Verdicts {
  pkg: string;
  patches: string[];
  lintian: Set<string>;
  ours: Set<string>;
  /** Patches we call distro-specific for their vendor origin while lintian asks to forward them. */
  vendorOrigin: Set<string>;
}

function lintianTags(dsc: string): Set<string> {
  const r = spawnSync('lintian', ['-I', '--tags', 'patch-not-forwarded-upstream', dsc], { encoding: 'utf8', timeout: 180_000 });
  expect(r.status, r.stderr).toBe(0);
  const tagged = new Set<string>();
  for (const m of r.stdout.matchAll(/patch-not-forwarded-upstream \[debian\/patches\/([^\]]+)\]/g)) tagged.add(m[1]!);
  return tagged;
}

async function verdicts(pkg: string): Promise<Verdicts> {
  const dsc = await ensureDebianSource(pkg);
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-lintian-'));
  const x = spawnSync('dpkg-source', ['--skip-patches', '-x', dsc, join(dir, 'src')], { encoding: 'utf8' });
  expect(x.status, x.stderr).toBe(0);
  const patchesDir = join(dir, 'src', 'debian', 'patches');
  const series = parseSeries(readFileSync(join(patchesDir, 'series'), 'utf8'));
  const v: Verdicts = { pkg, patches: series.map((e) => e.name), lintian: new Set(), ours: new Set(), vendorOrigin: new Set() };
  const all = lintianTags(dsc);
  for (const e of series) {
    if (all.has(e.name)) v.lintian.add(e.name);
    const facts = readDep3(readFileSync(join(patchesDir, e.name)));
    const c = classify(facts, { recipe: pkg, file: e.name });
    if (c.status === 'needs-forwarding') v.ours.add(e.name);
    if (lintianNotForwarded(facts) && c.status === 'distro-specific') v.vendorOrigin.add(e.name);
  }
  return v;
}

describe('needs-forwarding agrees with lintian on real Debian packages', () => {
  it('on at least 10 source packages with patch series', { timeout: 900_000 }, async () => {
    const results: Verdicts[] = [];
    for (const pkg of DEBIAN_TEST_PACKAGES) results.push(await verdicts(pkg));
    expect(results.length).toBeGreaterThanOrEqual(10);
    console.error(
      results
        .map((r) => `${r.pkg}: ${r.patches.length} patches, lintian ${r.lintian.size}, ours ${r.ours.size}, vendor ${r.vendorOrigin.size}`)
        .join('\n'),
    );
    const patches = results.reduce((n, r) => n + r.patches.length, 0);
    const flagged = results.reduce((n, r) => n + r.lintian.size, 0);
    // The comparison must have substance on both sides.
    expect(patches).toBeGreaterThanOrEqual(40);
    expect(flagged).toBeGreaterThanOrEqual(5);
    expect(patches - flagged).toBeGreaterThanOrEqual(5);
    for (const r of results) {
      // The only documented difference: `Origin: vendor` without Forwarded is distro-specific to us.
      const expected = [...r.lintian].filter((p) => !r.vendorOrigin.has(p)).sort();
      expect([...r.ours].sort(), r.pkg).toEqual(expected);
      // And the lintian-compatible reader itself agrees exactly.
      for (const p of r.vendorOrigin) expect(r.lintian.has(p), `${r.pkg}/${p}`).toBe(true);
    }
  });
});
