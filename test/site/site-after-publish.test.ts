/**
 * Publish and `pkgtrack site` write the same page (the compiled CLI, 1,400 packages: 4,200
 * package files). Every package gets its badge, page and JSON, no staging folder is left, and the
 * record agrees with the files: `pkgtrack site` after a publish rewrites only the first page (it
 * says when it was generated). Both name the same generator, so neither re-renders the other's
 * pages (they did: 30,000 files at 10,000 packages, each way). 4,200 files are past the number
 * written inline (site-files.ts THREAD_AFTER): the rest go through the writer thread, in place
 * for the packages new to the site (the publish), staged and renamed in for the others (relabel),
 * and both in one batch (new packages between changed ones).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { debFile, debName, makeDeb } from '../../bench/scale/make-debs.js';
import { THREAD_AFTER } from '../../src/services/site/site-files.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { keyedRecipesRepo } from '../repo/apt-helpers.js';

/** 1,400 packages: 4,200 package files, over the 64 that get an fsync each (one `sync -f` instead). */
const N = 1400;
/** Changed packages, and as many new ones between them (the mixed batch test). */
const M = 800;
let repo: string;

beforeAll(() => {
  const dir = tempDir('pkgtrack-site-after-publish-');
  repo = keyedRecipesRepo(dir, 'many');
  mkdirSync(join(dir, 'debs'));
  for (let i = 0; i < N; i++) writeFileSync(join(dir, 'debs', debFile(debName(i))), makeDeb(debName(i)));
}, 120_000);

const names = (sub: string, ext: string) =>
  readdirSync(join(repo, 'public', sub))
    .filter((f) => f.endsWith(ext))
    .sort();

describe('the page after publish and after `pkgtrack site`', () => {
  it('writes every package its badge, page and JSON, leaves no staging, and the record agrees', async () => {
    expect(3 * N).toBeGreaterThan(2 * THREAD_AFTER);
    const r = await pkgtrack(['publish', '-q', '--suite', 'bookworm', join(repo, '..', 'debs')], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const want = Array.from({ length: N }, (_, i) => debName(i)).sort();
    expect(names('badges', '.svg')).toEqual(want.map((n) => `${n}.svg`));
    expect(names('packages', '.html')).toEqual(want.map((n) => `${n}.html`));
    expect(names('packages', '.json')).toEqual(want.map((n) => `${n}.json`));
    expect(readdirSync(join(repo, 'public')).filter((e) => e.startsWith('.site-staging-'))).toEqual([]);

    // Only the first page, which says when it was generated.
    const again = await pkgtrack(['site', '--json'], { cwd: repo });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().written).toEqual(['index.html']);
  }, 300_000);

  it('after one more package, the record still agrees with the files', async () => {
    const extra = join(repo, '..', debFile('zz-added'));
    writeFileSync(extra, makeDeb('zz-added'));
    const r = await pkgtrack(['publish', '-q', '--suite', 'bookworm', extra], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const site = await pkgtrack(['site', '--json'], { cwd: repo });
    expect(site.json().written).toEqual(['index.html']);
    expect(names('badges', '.svg')).toContain('zz-added.svg');
    expect(names('badges', '.svg')).toHaveLength(N + 1);
  }, 300_000);

  it('new packages (written in place) between changed ones (staged): each file where it belongs', async () => {
    // scale-000000a sorts right after scale-000000: every batch a writer thread gets mixes both.
    const dir = join(repo, '..', 'mixed');
    mkdirSync(dir);
    for (let i = 0; i < M; i++) {
      writeFileSync(join(dir, debFile(debName(i), '2.0-1')), makeDeb(debName(i), '2.0-1'));
      writeFileSync(join(dir, debFile(`${debName(i)}a`)), makeDeb(`${debName(i)}a`));
    }
    const r = await pkgtrack(['publish', '-q', '--suite', 'bookworm', dir], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    for (const i of [0, 1, M / 2, M - 1]) {
      const changed = debName(i);
      expect(readFileSync(join(repo, 'public/packages', `${changed}.json`), 'utf8'), changed).toContain('2.0-1');
      expect(readFileSync(join(repo, 'public/packages', `${changed}.html`), 'utf8'), changed).toContain('2.0-1');
      expect(readFileSync(join(repo, 'public/badges', `${changed}.svg`), 'utf8'), changed).toContain('2.0');
      expect(readFileSync(join(repo, 'public/packages', `${changed}a.json`), 'utf8')).toContain(`${changed}a`);
    }
    expect(names('badges', '.svg')).toHaveLength(N + 1 + M);
    expect(readdirSync(join(repo, 'public')).filter((e) => e.startsWith('.site-staging-'))).toEqual([]);
    expect((await pkgtrack(['site', '--json'], { cwd: repo })).json().written).toEqual(['index.html']);
  }, 300_000);

  it('a new label re-renders every page: staged and renamed in, nothing left behind', async () => {
    const config = join(repo, 'pkgtrack.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('label: Many', 'label: Many Relabelled'));
    const r = await pkgtrack(['site', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const written: string[] = r.json().written;
    expect(written.filter((p) => p.startsWith('packages/') && p.endsWith('.html'))).toHaveLength(N + 1 + M);
    // Every page, the first and the last the thread wrote.
    for (const n of [debName(0), debName(N - 1), 'zz-added'])
      expect(readFileSync(join(repo, 'public/packages', `${n}.html`), 'utf8'), n).toContain('Many Relabelled');
    expect(readdirSync(join(repo, 'public')).filter((e) => e.startsWith('.site-staging-'))).toEqual([]);
    expect((await pkgtrack(['site', '--json'], { cwd: repo })).json().written).toEqual(['index.html']);
  }, 300_000);
});

describe('the page on a machine whose `sync` cannot flush a file system', () => {
  it('falls back to an fsync per file, as the repository does: the publish and the page go through', async () => {
    const dir = tempDir('pkgtrack-site-nosync-');
    const small = keyedRecipesRepo(dir, 'nosync');
    mkdirSync(join(dir, 'debs'));
    // 25 packages: 75 page files, past the 64 that get an fsync each without asking `sync -f` first.
    for (let i = 0; i < 25; i++) writeFileSync(join(dir, 'debs', debFile(debName(i))), makeDeb(debName(i)));
    // A `sync` first on PATH that fails, as one without -f (busybox before 1.33) does.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sync'), `#!/bin/sh\necho "$@" >> ${join(bin, 'calls')}\nexit 1\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const r = await pkgtrack(['publish', '--suite', 'bookworm', join(dir, 'debs')], { cwd: small, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/web page was not updated/);
    expect(readFileSync(join(bin, 'calls'), 'utf8')).toMatch(/-f/);
    for (let i = 0; i < 25; i++) expect(readFileSync(join(small, 'public/badges', `${debName(i)}.svg`), 'utf8')).toContain('<svg');
    expect(readFileSync(join(small, 'public/packages', `${debName(24)}.html`), 'utf8')).toContain(debName(24));
  }, 120_000);
});
