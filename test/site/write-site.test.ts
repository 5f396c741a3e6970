/**
 * Writing the site next to a published repository: repository files are never touched, the
 * page switches only after everything it references is in place, an interrupted write leaves
 * the old page, stale badges go, and `pkgtrack site` works as a real process (--json shape,
 * --out, a typed error outside a recipes repository).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSite, writeSite } from '../../src/services/site/site.js';
import { gatherSiteModel, publishedPatchSummaries, readSiteKey } from '../../src/services/site/gather.js';
import { armorPublicKeys } from '../../src/sign/keys.js';
import { generateSigningKey, readKeys } from '../../src/sign/keys.js';
import { loadRecipesRepository } from '../../src/recipe/load.js';
import { StateStore } from '../../src/state/store.js';
import { pkgtrack } from '../helpers/cli.js';
import { makeSiteFixture, patchReport, type SiteFixture, sh } from './fixture.js';

let tmp: string;
let fx: SiteFixture;

/** sha256 of every file under dir, by relative path. */
function snapshot(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(p);
      else out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Vitest sets NODE_ENV=test, which makes oclif look for TypeScript sources and warn. */
const AS_USER = { NODE_ENV: undefined, VITEST: undefined };

const SITE_OWNED = /^(index\.html|search\.html|packages\.json|packages|badges|site-assets|keys|builds|\.pkgtrack)(\/|$)/;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-site-write-'));
  fx = await makeSiteFixture(tmp, 'https://pkgs.example.org/demo', new Date());
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('writeSite', () => {
  it('adds the site without touching a single repository file', async () => {
    const before = snapshot(fx.outputDir);
    const r = await generateSite({ recipesRoot: fx.repoRoot });
    const after = snapshot(fx.outputDir);
    for (const [path, hash] of Object.entries(before)) expect(after[path], path).toBe(hash);
    const added = Object.keys(after).filter((p) => !(p in before));
    expect(
      added.every((p) => SITE_OWNED.test(p)),
      added.join(', '),
    ).toBe(true);
    expect(r.files).toContain('index.html');
    expect(readdirSync(fx.outputDir).filter((n) => n.startsWith('.site-staging-'))).toEqual([]);
  });

  it('keeps the old page when a write fails half-way, and cleans up next time', async () => {
    await generateSite({ recipesRoot: fx.repoRoot });
    const oldIndex = readFileSync(join(fx.outputDir, 'index.html'), 'utf8');
    const recipesRepo = await loadRecipesRepository(fx.repoRoot);
    const store = StateStore.open(fx.repoRoot);
    const { model } = await gatherSiteModel(recipesRepo, fx.outputDir, store, { now: new Date(Date.now() + 86_400_000) });
    store.close();
    model.description = 'a new description';
    // A directory where a badge must go: renaming the badge over it fails mid-switch.
    rmSync(join(fx.outputDir, 'badges', 'tool.svg'));
    mkdirSync(join(fx.outputDir, 'badges', 'tool.svg', 'blocker'), { recursive: true });
    await expect(writeSite(fx.outputDir, model)).rejects.toThrow();
    expect(readFileSync(join(fx.outputDir, 'index.html'), 'utf8')).toBe(oldIndex);
    expect(readdirSync(fx.outputDir).filter((n) => n.startsWith('.site-staging-'))).toEqual([]);
    // Every asset the old page names is still there.
    for (const m of oldIndex.matchAll(/(?:href|src)="(site-assets\/[^"]+|badges\/[^"]+)"/g)) {
      if (m[1] !== 'badges/tool.svg') expect(existsSync(join(fx.outputDir, m[1]!)), m[1]).toBe(true);
    }
    rmSync(join(fx.outputDir, 'badges', 'tool.svg'), { recursive: true });
    // A stale staging folder from a killed run is removed by the next one.
    mkdirSync(join(fx.outputDir, '.site-staging-deadbeef', 'badges'), { recursive: true });
    await writeSite(fx.outputDir, model);
    expect(readFileSync(join(fx.outputDir, 'index.html'), 'utf8')).toContain('a new description');
    expect(readdirSync(fx.outputDir).filter((n) => n.startsWith('.site-staging-'))).toEqual([]);
  });

  it('removes the badge of a package that is gone, keeps the last assets one round', async () => {
    const recipesRepo = await loadRecipesRepository(fx.repoRoot);
    const store = StateStore.open(fx.repoRoot);
    const { model } = await gatherSiteModel(recipesRepo, fx.outputDir, store);
    store.close();
    await writeSite(fx.outputDir, model);
    const firstCss = readdirSync(join(fx.outputDir, 'site-assets')).filter((n) => n.endsWith('.css'));
    expect(firstCss).toHaveLength(1);
    for (const s of model.suites) s.packages = s.packages.filter((p) => p.name !== 'lonely');
    const r = await writeSite(fx.outputDir, model);
    expect(r.removed).toContain('badges/lonely.svg');
    expect(existsSync(join(fx.outputDir, 'badges', 'lonely.svg'))).toBe(false);
    expect(existsSync(join(fx.outputDir, 'badges', 'hello.svg'))).toBe(true);
    // Same stylesheet content, same name: nothing to keep around.
    expect(readdirSync(join(fx.outputDir, 'site-assets')).filter((n) => n.endsWith('.css'))).toEqual(firstCss);
  });

  it("links a build's manifest only while its folder still holds the build of the version the pool has", async () => {
    const recipesRepo = await loadRecipesRepository(fx.repoRoot);
    const links = async () => {
      const store = StateStore.open(fx.repoRoot);
      try {
        const { model } = await gatherSiteModel(recipesRepo, fx.outputDir, store);
        const hello = model.suites.find((s) => s.suite === 'bookworm')!.packages.find((p) => p.name === 'hello')!;
        return hello.buildLinks.map((l) => l.label);
      } finally {
        store.close();
      }
    };
    expect(await links()).toEqual(['manifest', 'build log']);
    // A later build (not published) reuses the folder: its manifest is not the pool's 2.10-1~deb12u1.
    const manifest = join(fx.buildDir, 'manifest.json');
    const published = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, published.replaceAll('2.10-1~deb12u1', '2.12-1~deb12u1'));
    try {
      expect(await links()).toEqual([]);
    } finally {
      writeFileSync(manifest, published);
    }
  });

  it('never lets a site path escape the output folder or enter the repository', async () => {
    const recipesRepo = await loadRecipesRepository(fx.repoRoot);
    const store = StateStore.open(fx.repoRoot);
    const { model } = await gatherSiteModel(recipesRepo, fx.outputDir, store);
    store.close();
    for (const path of ['../evil', 'apt/dists/bookworm/Release', 'yum/x', 'dists/x', '/etc/passwd', 'a/./b']) {
      await expect(writeSite(fx.outputDir, model, [{ path, data: 'x' }])).rejects.toMatchObject({ code: 'SITE_PATH_UNSAFE' });
    }
    expect(readFileSync(join(fx.outputDir, 'apt', 'dists', 'bookworm', 'Release'), 'utf8')).toMatch(/^Origin|^Date|^Suite/m);
  });
});

describe('the published key', () => {
  it('holds every key of a rotation window, as gpg reads it, with the primary first', async () => {
    const extra = await generateSigningKey({ type: 'ed25519', name: 'Next Key', expiresInSeconds: 3 * 365 * 86400, passphrase: 'x-x-x-x' });
    writeFileSync(join(fx.repoRoot, 'keys', 'next.asc'), extra.privateKey);
    const recipesRepo = await loadRecipesRepository(fx.repoRoot);
    recipesRepo.config.signing!.extraKeys = ['keys/next.asc'];
    const key = (await readSiteKey(recipesRepo))!;
    expect(key.fingerprint).toBe(fx.fingerprint);
    expect(key.rotation).toEqual([{ fingerprint: extra.fingerprint, expires: expect.any(String) }]);
    expect(key.armored).not.toContain('PRIVATE');
    const file = join(tmp, 'rotation.asc');
    writeFileSync(file, key.armored);
    mkdirSync(join(tmp, 'gnupg-rot'), { mode: 0o700 });
    const colons = sh('gpg', ['--homedir', join(tmp, 'gnupg-rot'), '--batch', '--no-autostart', '--with-colons', '--show-keys', file]);
    const primaries = colons.split('\n').filter((l, i, all) => l.startsWith('fpr:') && all[i - 1]?.startsWith('pub:'));
    expect(primaries.map((l) => l.split(':')[9])).toEqual([fx.fingerprint, extra.fingerprint]);
  });
});

describe('the armored key file', () => {
  it('is read by gpg even when its base64 ends without padding (GnuPG T7071)', async () => {
    // Find key sets whose binary length is a multiple of 3 (no '=' padding): the case gpg 2.2
    // cannot decode without the CRC line. About one in three; bounded tries.
    const dir = join(tmp, 'armor');
    mkdirSync(join(dir, 'gnupg'), { recursive: true, mode: 0o700 });
    let checked = 0;
    for (let i = 0; i < 24 && checked < 2; i++) {
      const k = await generateSigningKey({ type: 'ed25519', name: `K${i}`, expiresInSeconds: 86400 * 400, passphrase: 'x-x-x-x' });
      const key = (await readKeys(k.privateKey, 'k')).map((x) => x.toPublic());
      if (key[0]!.write().length % 3 !== 0) continue;
      checked++;
      const file = join(dir, `k${i}.asc`);
      writeFileSync(file, armorPublicKeys(key));
      const out = sh('gpg', ['--homedir', join(dir, 'gnupg'), '--batch', '--no-autostart', '--with-colons', '--show-keys', file]);
      expect(/^fpr:+([0-9A-F]+):/m.exec(out)![1]).toBe(k.fingerprint);
    }
    expect(checked).toBe(2);
  });
});

describe('patch report pick-up', () => {
  it('reads counts per recipe from reports/patches.json, only next to reports/patches.html', async () => {
    const dir = join(tmp, 'patch-report');
    mkdirSync(join(dir, 'reports'), { recursive: true });
    writeFileSync(join(dir, 'reports', 'patches.json'), JSON.stringify(patchReport(new Date())));
    expect(await publishedPatchSummaries(dir)).toBeUndefined(); // no HTML to link to
    writeFileSync(join(dir, 'reports', 'patches.html'), '<!DOCTYPE html>');
    const summary = await publishedPatchSummaries(dir);
    expect(summary!('hello')).toEqual({
      counts: { 'forwarded-open': 1, 'needs-forwarding': 2 },
      reportHref: 'reports/patches.html#r-hello',
    });
    expect(summary!('tool')).toBeUndefined();
    writeFileSync(join(dir, 'reports', 'patches.json'), '{"recipes": [{"recipe": 1}, null]');
    expect(await publishedPatchSummaries(dir)).toBeUndefined();
    writeFileSync(
      join(dir, 'reports', 'patches.json'),
      '{"recipes": [{"recipe": "x"}, null, {"recipe": "y", "counts": {"a": "9", "b": 2}}]}',
    );
    expect((await publishedPatchSummaries(dir))!('y')!.counts).toEqual({ b: 2 });
  });
});

describe('pkgtrack site (built CLI)', () => {
  it('regenerates the page and reports it as JSON', async () => {
    const r = await pkgtrack(['site', '--json'], { cwd: fx.repoRoot, env: AS_USER });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j.outputDir).toBe(fx.outputDir);
    expect(j.url).toBe('https://pkgs.example.org/demo');
    expect(j.keyFingerprint).toBe(fx.fingerprint);
    expect(j.suites).toEqual([
      { kind: 'apt', suite: 'bookworm', packages: 3 },
      { kind: 'apt', suite: 'bookworm-trunk', packages: 1 },
      { kind: 'yum', suite: 'fedora/41/x86_64', packages: 1 },
    ]);
    expect(j.badges).toEqual(['badges/hello.svg', 'badges/lonely.svg', 'badges/tool.svg']);
  });

  it('writes to --out and prints a human summary', async () => {
    const out = join(tmp, 'elsewhere');
    const r = await pkgtrack(['site', '--out', out], { cwd: fx.repoRoot, env: AS_USER });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*elsewhere\/index\.html: 0 suite\(s\), 0 package\(s\), 0 badge\(s\); \d+ of \d+ file\(s\) changed$/m);
    expect(statSync(join(out, 'index.html')).isFile()).toBe(true);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Nothing has been published yet.');
  });

  it('fails with a typed error naming the file when the signing key is missing, writing nothing', async () => {
    const dir = join(tmp, 'no-key');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pkgtrack.yaml'), readFileSync(join(fx.repoRoot, 'pkgtrack.yaml')));
    const r = await pkgtrack(['site', '--json'], { cwd: dir, env: AS_USER });
    expect(r.code).toBe(2); // not-found: a bad input the user fixes
    expect(r.json().error).toMatchObject({
      code: 'SITE_KEY_MISSING',
      details: { file: join(dir, 'keys', 'signing.asc'), field: 'signing.key' },
    });
    expect(r.json().error.fix).toContain('pkgtrack key generate --out keys/signing.asc');
    expect(existsSync(join(dir, 'public', 'index.html'))).toBe(false);
  });

  it('fails with a typed error and a fix outside a recipes repository', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'README'), 'not a repo\n');
    const r = await pkgtrack(['site', '--json'], { cwd: empty, env: { ...AS_USER, PKGTRACK_REPO: undefined } });
    expect(r.code).not.toBe(0);
    expect(r.json().error).toMatchObject({ code: 'REPO_NOT_FOUND', kind: 'not-found' });
    expect(r.json().error.fix).toMatch(/pkgtrack init/);
  });
});
