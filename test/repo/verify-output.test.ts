/**
 * `pkgtrack repo verify <output folder>` checks every repository in it: the apt suites under
 * apt/ and each yum repository under yum/, as it does for a bucket. --suite picks among them; a
 * damaged yum file is named below the output folder; a yum-only output is not "no suites".
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debFile, makeDeb } from '../../bench/scale/make-debs.js';
import { primaryHref } from './yum/compare.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { keyedRecipesRepo } from './apt-helpers.js';
import { corpusRpms } from './yum/corpus.js';

const YUM = 'fedora/41/x86_64';
let rpms: string[];

beforeAll(() => {
  rpms = corpusRpms();
}, 300_000);

async function published(name: string, what: { deb?: boolean; rpm?: boolean }): Promise<string> {
  const dir = tempDir(`pkgtrack-verify-out-${name}-`);
  const repo = keyedRecipesRepo(dir, name);
  if (what.deb) {
    mkdirSync(join(dir, 'debs'));
    const deb = join(dir, 'debs', debFile('vo-pkg'));
    writeFileSync(deb, makeDeb('vo-pkg'));
    const r = await pkgtrack(['publish', '--suite', 'bookworm', deb], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
  }
  if (what.rpm) {
    const r = await pkgtrack(['publish', '--suite', YUM, rpms[0]!], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
  }
  return repo;
}

const verify = (repo: string, ...args: string[]) => pkgtrack(['repo', 'verify', 'public', '--json', ...args], { cwd: repo });
const files = (r: Awaited<ReturnType<typeof verify>>) => (r.json().signatures as Array<{ file: string; ok: boolean }>).map((s) => s.file);

describe('repo verify on an output folder', () => {
  it('checks the apt suites and every yum repository; --suite picks among them', async () => {
    const repo = await published('both', { deb: true, rpm: true });
    const all = await verify(repo);
    expect(all.code, all.stdout).toBe(0);
    expect(all.json().ok).toBe(true);
    expect(files(all).some((f) => /apt\/dists\/bookworm\/InRelease$/.test(f))).toBe(true);
    expect(files(all).some((f) => f.endsWith(`yum/${YUM}/repodata/repomd.xml.asc`))).toBe(true);

    const yumOnly = await verify(repo, '--suite', YUM);
    expect(yumOnly.code).toBe(0);
    expect(files(yumOnly).every((f) => f.includes('/yum/'))).toBe(true);
    const aptOnly = await verify(repo, '--suite', 'bookworm');
    expect(aptOnly.code).toBe(0);
    expect(files(aptOnly).every((f) => f.startsWith('dists/'))).toBe(true);

    const none = await verify(repo, '--suite', 'sid');
    expect(none.code).toBe(11);
    expect(JSON.stringify(none.json().problems)).toContain('dists/sid/InRelease');
    const noYum = await verify(repo, '--suite', 'fedora/40/x86_64');
    expect(noYum.code).toBe(11);
    expect(JSON.stringify(noYum.json().problems)).toContain('yum/fedora/40/x86_64/repodata/repomd.xml');
  }, 300_000);

  it('names a damaged yum file below the output folder, with exit 11', async () => {
    const repo = await published('damaged', { deb: true, rpm: true });
    const yum = join(repo, 'public', 'yum', YUM);
    appendFileSync(join(yum, primaryHref(yum)), 'x');
    const r = await verify(repo);
    expect(r.code).toBe(11);
    const problems = r.json().problems as Array<{ file: string }>;
    expect(problems.some((p) => p.file.includes(`yum/${YUM}/repodata/`) && p.file.includes('primary'))).toBe(true);
  }, 300_000);

  it('a yum-only output is checked, not reported as having no suites', async () => {
    const repo = await published('yum-only', { rpm: true });
    const r = await verify(repo);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().checkedFiles).toBeGreaterThan(1);
    const apt = await verify(repo, '--suite', 'bookworm');
    expect(apt.code).toBe(11);
    expect(JSON.stringify(apt.json().problems)).toContain('none of bookworm is published here');
  }, 300_000);
});
