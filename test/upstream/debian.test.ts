/**
 * The debian source against a local archive on loopback (apt-ftparchive + a throwaway gpg key)
 * and, in one test, the real Debian mirror with debian-archive-keyring.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { tagToVersion } from '../../src/formats/versions.js';
import { DebianSource } from '../../src/upstream/debian.js';
import type { RecipeUpstream } from '../../src/upstream/source.js';
import { type ArchiveFixture, buildArchive } from './debian-archive.js';
import { serveDir } from './helpers.js';

let dir: string;
let archive: ArchiveFixture;
let server: Awaited<ReturnType<typeof serveDir>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-debian-'));
  archive = buildArchive(join(dir, 'archive'), 'unstable', [
    { name: 'hello', version: '2.10-3' },
    { name: 'hello', version: '2.12-1' },
    { name: 'pkg-epoch', version: '1:0.9~rc1-2' },
    { name: 'other', version: '5.0-1' },
  ]);
  server = await serveDir(archive.root);
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const recipe = (pkg: string, extra: Record<string, unknown> = {}): RecipeUpstream => ({
  recipe: pkg,
  config: {
    kind: 'debian',
    package: pkg,
    suite: 'unstable',
    component: 'main',
    archive: server.url,
    keyring: archive.keyring,
    ...extra,
  } as RecipeUpstream['config'],
  tagToVersion: (t) => tagToVersion(t),
});

describe('debian source (local archive)', () => {
  it('reads versions from the verified, hash-checked Sources index, one download for all recipes', async () => {
    server.requests.splice(0);
    const got = await new DebianSource().releases([recipe('hello'), recipe('pkg-epoch'), recipe('absent')]);
    const hello = got.get('hello');
    if (!Array.isArray(hello)) throw hello;
    expect(hello.map((r) => [r.version, r.tag])).toEqual([
      ['2.12', '2.12-1'],
      ['2.10', '2.10-3'],
    ]);
    const orig = readFileSync(join(archive.root, 'pool/main/h/hello/hello_2.12.orig.tar.gz'));
    expect(hello[0]?.sha256).toBe(execFileSync('sha256sum', ['-'], { input: orig, encoding: 'utf8' }).split(' ')[0]);
    expect(hello[0]?.sourceUrl).toBe(`${server.url}/pool/main/h/hello/hello_2.12.orig.tar.gz`);
    expect((got.get('pkg-epoch') as Array<{ version: string }>)[0]?.version).toBe('0.9~rc1');
    expect(got.get('absent')).toEqual([]);
    expect(server.requests).toEqual(['/dists/unstable/InRelease', '/dists/unstable/main/source/Sources.xz']);
  });

  it('keeps extracted entries by the signed index hash: an unchanged index is not downloaded again', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pkgtrack-debian-cache-'));
    try {
      const src = new DebianSource({ indexCacheDir: cacheDir });
      server.requests.splice(0);
      const first = await src.releases([recipe('hello')]);
      expect(server.requests).toEqual(['/dists/unstable/InRelease', '/dists/unstable/main/source/Sources.xz']);
      server.requests.splice(0);
      const again = await new DebianSource({ indexCacheDir: cacheDir }).releases([recipe('hello')]);
      expect(server.requests).toEqual(['/dists/unstable/InRelease']);
      expect(again.get('hello')).toEqual(first.get('hello'));
      // A package not extracted before: one more download, and both are then cached.
      server.requests.splice(0);
      await src.releases([recipe('hello'), recipe('other'), recipe('absent')]);
      expect(server.requests).toContain('/dists/unstable/main/source/Sources.xz');
      server.requests.splice(0);
      const both = await src.releases([recipe('other'), recipe('hello'), recipe('absent')]);
      expect(server.requests).toEqual(['/dists/unstable/InRelease']);
      expect((both.get('other') as Array<{ version: string }>)[0]?.version).toBe('5.0');
      expect(both.get('absent')).toEqual([]);
      // A damaged cache file is not trusted: downloaded again.
      const [file] = readdirSync(join(cacheDir, 'debian-sources'));
      writeFileSync(join(cacheDir, 'debian-sources', file!), '{not json');
      server.requests.splice(0);
      expect((await src.releases([recipe('hello')])).get('hello')).toEqual(first.get('hello'));
      expect(server.requests).toContain('/dists/unstable/main/source/Sources.xz');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('refuses an InRelease not signed by the recipe keyring', async () => {
    const got = (await new DebianSource().releases([recipe('hello', { keyring: archive.otherKeyring })])).get('hello');
    expect(isPkgtrackError(got) && got.code === 'DEBIAN_INRELEASE_BAD_SIGNATURE' && got.kind === 'integrity').toBe(true);
  });

  it('refuses a Sources index whose hash differs from the signed Release', async () => {
    const path = '/dists/unstable/main/source/Sources.xz';
    const real = readFileSync(join(archive.root, path));
    const text = execFileSync('xz', ['-dc'], { input: real }).toString().replace('5.0-1', '9.9-1');
    server.overrides.set(path, execFileSync('xz', ['-c'], { input: text }));
    try {
      const got = (await new DebianSource().releases([recipe('other')])).get('other');
      expect(isPkgtrackError(got) && got.code === 'DEBIAN_INDEX_HASH_MISMATCH').toBe(true);
    } finally {
      server.overrides.delete(path);
    }
  });

  it('refuses an expired Release (Valid-Until in the past)', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'pkgtrack-debian-exp-'));
    const a2 = buildArchive(join(d2, 'archive'), 'unstable', [{ name: 'hello', version: '1.0-1' }], { validUntil: '3600' });
    const s2 = await serveDir(a2.root);
    try {
      const src = new DebianSource({ now: () => new Date(Date.now() + 2 * 3600_000) });
      const got = (
        await src.releases([
          { ...recipe('hello'), config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring } as RecipeUpstream['config'] },
        ])
      ).get('hello');
      expect(isPkgtrackError(got) && got.code === 'DEBIAN_RELEASE_EXPIRED').toBe(true);
      const ok = (
        await new DebianSource().releases([
          { ...recipe('hello'), config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring } as RecipeUpstream['config'] },
        ])
      ).get('hello');
      expect(Array.isArray(ok)).toBe(true);
      // checkValidUntil: false accepts the expired Release with a warning; the signature still counts.
      const warnings: string[] = [];
      const late = new DebianSource({
        now: () => new Date(Date.now() + 2 * 3600_000),
        progress: { step() {}, debug() {}, warn: (m) => warnings.push(m) },
      });
      const relaxed = (
        await late.releases([
          {
            ...recipe('hello'),
            config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring, checkValidUntil: false } as RecipeUpstream['config'],
          },
        ])
      ).get('hello');
      expect(Array.isArray(relaxed) && relaxed[0]?.version).toBe('1.0');
      expect(warnings.join('\n')).toMatch(/expired on .*accepted because upstream\.checkValidUntil is false/);
      const wrongKey = (
        await late.releases([
          {
            ...recipe('hello'),
            config: {
              ...recipe('hello').config,
              archive: s2.url,
              keyring: archive.keyring,
              checkValidUntil: false,
            } as RecipeUpstream['config'],
          },
        ])
      ).get('hello');
      expect(wrongKey).toBeInstanceOf(Error);

      // A strict and a lenient recipe on the same suite: one index download; each gets its verdict.
      const before = s2.requests.filter((p) => /\/source\/Sources/.test(p)).length;
      const both = await new DebianSource({
        now: () => new Date(Date.now() + 2 * 3600_000),
        indexCacheDir: mkdtempSync(join(d2, 'c-')),
      }).releases([
        { ...recipe('hello'), config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring } as RecipeUpstream['config'] },
        {
          ...recipe('hello'),
          recipe: 'hello-snapshot',
          config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring, checkValidUntil: false } as RecipeUpstream['config'],
        },
      ]);
      const strict = both.get('hello');
      expect(isPkgtrackError(strict) && strict.code === 'DEBIAN_RELEASE_EXPIRED').toBe(true);
      const snapshot = both.get('hello-snapshot');
      expect(Array.isArray(snapshot) && snapshot[0]?.version).toBe('1.0');
      expect(s2.requests.filter((p) => /\/source\/Sources/.test(p)).length - before).toBe(1);
      // Before it expires (and with no index cache): still one download for both.
      const fresh = s2.requests.filter((p) => /\/source\/Sources/.test(p)).length;
      const valid = await new DebianSource().releases([
        { ...recipe('hello'), config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring } as RecipeUpstream['config'] },
        {
          ...recipe('hello'),
          recipe: 'hello-snapshot',
          config: { ...recipe('hello').config, archive: s2.url, keyring: a2.keyring, checkValidUntil: false } as RecipeUpstream['config'],
        },
      ]);
      expect([...valid.values()].every((v) => Array.isArray(v) && v[0]?.version === '1.0')).toBe(true);
      expect(s2.requests.filter((p) => /\/source\/Sources/.test(p)).length - fresh).toBe(1);
    } finally {
      await s2.close();
      rmSync(d2, { recursive: true, force: true });
    }
  });
});

describe('debian source (real mirror)', () => {
  it('reads hello from sid on deb.debian.org, InRelease verified with debian-archive-keyring', async () => {
    // This machine's clock may run ahead of the mirror it can reach (a frozen snapshot): judge
    // Valid-Until at the Release's own Date, as a client living at that time would.
    const inRelease = await (await fetch('http://deb.debian.org/debian/dists/sid/InRelease')).text();
    const date = Date.parse(/^Date: (.+)$/m.exec(inRelease)?.[1] ?? '');
    const now = Number.isFinite(date) && date < Date.now() ? new Date(date + 3600_000) : new Date();
    const got = (
      await new DebianSource({ now: () => now }).releases([
        {
          recipe: 'hello',
          config: { kind: 'debian', package: 'hello', suite: 'sid', component: 'main', archive: 'http://deb.debian.org/debian' },
          tagToVersion: (t) => tagToVersion(t),
        },
      ])
    ).get('hello');
    if (!Array.isArray(got)) throw got;
    expect(got.length).toBeGreaterThan(0);
    expect(got[0]?.version).toMatch(/^\d+\.\d+/);
    expect(got[0]?.sourceUrl).toMatch(/^http:\/\/deb\.debian\.org\/debian\/pool\/main\/h\/hello\/hello_.*\.orig\.tar\./);
    expect(got[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);
});
