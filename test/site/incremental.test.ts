/**
 * The web page at any size: the first page stays bounded (the most recently changed packages
 * per suite, a search box, no row per package), and a write after a change rewrites only what
 * changed: the changed package's badge, page and JSON, the package index and the first page.
 * Real files in a temporary output dir; the record is the output dir's state store.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSite } from '../../src/services/site/site.js';
import type { SiteModel, SitePackage, SiteSuite } from '../../src/site/model.js';
import { FIRST_PAGE_ROWS, renderIndexHtml } from '../../src/site/render-page.js';
import { siteParts } from '../../src/site/render-site.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function pkg(i: number, version = '1.0-1'): SitePackage {
  const name = `pkg-${String(i).padStart(6, '0')}`;
  return {
    name,
    binaries: [name],
    version,
    upstreamVersion: version.replace(/-.*/, ''),
    architectures: ['amd64'],
    channel: 'stable',
    summary: `package number ${i}, a reasonably long one-line summary as Debian packages have`,
    freshness: { state: 'up-to-date', latest: version.replace(/-.*/, '') },
    buildLinks: [],
  };
}

function suite(name: string, n: number): SiteSuite {
  return {
    kind: 'apt',
    repoPath: 'apt',
    suite: name,
    target: `debian:${name}`,
    channel: 'stable',
    components: ['main'],
    architectures: ['amd64'],
    updatedAt: NOW.toISOString(),
    metadataHref: `apt/dists/${name}/InRelease`,
    packages: Array.from({ length: n }, (_, i) => pkg(i)),
  };
}

function model(suites: SiteSuite[], now = NOW): SiteModel {
  return {
    name: 'big',
    label: 'A big repository',
    maintainer: 'Big <big@example.org>',
    url: 'https://pkgs.example.org/big',
    key: {
      fingerprint: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
      expires: null,
      userIds: ['Big <big@example.org>'],
      href: 'keys/big-archive-keyring.asc',
      armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n',
    },
    suites,
    generatedAt: now.toISOString(),
    generator: 'pkgtrack test',
  };
}

const firstPage = (m: SiteModel) => renderIndexHtml(m, { stylesheet: 'site-assets/style.css', icon: 'site-assets/icon.svg' });

describe('the first page', () => {
  it('stays under 300 KB with 10,000 packages, and is the same size with 50,000', () => {
    const ten = firstPage(model([suite('bookworm', 10_000)]));
    const fifty = firstPage(model([suite('bookworm', 50_000)]));
    expect(Buffer.byteLength(ten)).toBeLessThan(300 * 1024);
    // Bounded, not merely small: a five times larger repository gives the same page but for the count.
    expect(Math.abs(Buffer.byteLength(fifty) - Buffer.byteLength(ten))).toBeLessThan(100);
    expect((ten.match(/<tr>/g) ?? []).length).toBe(FIRST_PAGE_ROWS + 1); // + the header row
    expect(ten).toContain('holds 10,000 packages; the 20 most recently changed are listed');
    expect(ten).toMatch(/<form role="search" action="search.html" method="get"/);
    expect((ten.match(/<img /g) ?? []).length).toBe(FIRST_PAGE_ROWS);
    const v = new HtmlValidate({ extends: ['html-validate:recommended'] });
    const report = v.validateStringSync(ten);
    expect(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message} (line ${m.line})`))).toEqual([]);
  });

  it('lists the most recently changed packages first', () => {
    const m = model([suite('bookworm', 1000)]);
    const changedAt = new Map(m.suites[0]!.packages.map((p) => [p.name, '2026-11-01T00:00:00.000Z']));
    changedAt.set('pkg-000777', '2026-11-30T00:00:00.000Z');
    const page = siteParts(m).index({ changedAt }).at(-1)!.data as string;
    const rows = [...page.matchAll(/<th scope="row">(?:<a [^>]*>)?([a-z0-9-]+)/g)].map((r) => r[1]);
    expect(rows[0]).toBe('pkg-000777');
    expect(rows.slice(1, 4)).toEqual(['pkg-000000', 'pkg-000001', 'pkg-000002']);
  });
});

describe('writing the site incrementally', () => {
  let out: string;
  const N = 300;
  const stamp = (p: string) => {
    const s = statSync(join(out, p));
    return `${s.ino}:${s.mtimeMs}`;
  };
  const everyFile = (): Map<string, string> => {
    const m = new Map<string, string>();
    for (const e of readdirSync(out, { recursive: true, withFileTypes: true }))
      if (e.isFile() && !e.parentPath.includes('.pkgtrack')) {
        const rel = join(e.parentPath, e.name).slice(out.length + 1);
        m.set(rel, stamp(rel));
      }
    return m;
  };
  /** The files whose inode or mtime changed, plus new ones. */
  const touched = (before: Map<string, string>) =>
    [...everyFile()]
      .filter(([p, s]) => before.get(p) !== s)
      .map(([p]) => p)
      .sort();

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'pkgtrack-site-incr-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes everything once, then only the added package, the package index and the first page', async () => {
    const m = model([suite('bookworm', N)]);
    const first = await writeSite(out, m, [], { now: NOW });
    expect(first.written.length).toBe(3 * N + 7); // 3 per package; 3 assets, key, search page, index, first page
    expect(first.files).toEqual([...first.written].sort());

    const before = everyFile();
    const later = new Date(NOW.getTime() + 60_000);
    m.suites[0]!.packages.push(pkg(N));
    m.generatedAt = later.toISOString();
    const r = await writeSite(out, m, [], { now: later, trustRecord: true });
    const added = ['badges/pkg-000300.svg', 'packages/pkg-000300.html', 'packages/pkg-000300.json', 'packages.json', 'index.html'];
    expect([...r.written].sort()).toEqual([...added].sort());
    expect(touched(before)).toEqual([...added].sort());
    expect(r.removed).toEqual([]);
    // The new package heads the first page; the search index and its page know it.
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page.indexOf('pkg-000300')).toBeLessThan(page.indexOf('pkg-000000'));
    expect(JSON.parse(readFileSync(join(out, 'packages.json'), 'utf8'))).toHaveLength(N + 1);
    expect(JSON.parse(readFileSync(join(out, 'packages/pkg-000300.json'), 'utf8')).suites[0].version).toBe('1.0-1');
  });

  it('rewrites a package whose version changed, removes one that is gone, restores a deleted file', async () => {
    const m = model([suite('bookworm', N + 1)]);
    m.suites[0]!.packages[5] = pkg(5, '2.0-1');
    const gone = m.suites[0]!.packages.splice(7, 1)[0]!.name;
    rmSync(join(out, 'packages', 'pkg-000009.html'));
    const before = everyFile();
    const r = await writeSite(out, m, [], { now: new Date(NOW.getTime() + 120_000) });
    expect([...r.written].sort()).toEqual(
      [
        'badges/pkg-000005.svg',
        'packages/pkg-000005.html',
        'packages/pkg-000005.json',
        // Missing on disk: `pkgtrack site` checks and rewrites (publish trusts the record).
        'badges/pkg-000009.svg',
        'packages/pkg-000009.html',
        'packages/pkg-000009.json',
        'packages.json',
        'index.html',
      ].sort(),
    );
    expect(r.removed.sort()).toEqual([`badges/${gone}.svg`, `packages/${gone}.html`, `packages/${gone}.json`]);
    expect(touched(before).filter((p) => !p.startsWith('packages/pkg-000009'))).toEqual(
      [...r.written].filter((p) => !p.startsWith('packages/pkg-000009')).sort(),
    );
    expect(readFileSync(join(out, 'packages', 'pkg-000005.html'), 'utf8')).toContain('2.0-1');
    // The first page lists the changed package first (it changed last).
    const rows = [...readFileSync(join(out, 'index.html'), 'utf8').matchAll(/<th scope="row">(?:<a [^>]*>)?([a-z0-9-]+)/g)];
    expect(rows[0]![1]).toBe('pkg-000005');
  });
});
