import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeftovers } from '../../src/repo/leftovers.js';
import { TMP_SUFFIX } from '../../src/repo/lock.js';
import { debFile, makeDeb } from '../../bench/scale/make-debs.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { keyedRecipesRepo } from './apt-helpers.js';

describe('findLeftovers (temporaries of interrupted publishes, anywhere in the tree)', () => {
  it('finds them at every depth and across many folders, sorted, with their bytes; not through symlinks', async () => {
    const root = tempDir('pkgtrack-leftovers-');
    const want: string[] = [];
    const put = (rel: string, bytes: number) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), 'x'.repeat(bytes));
    };
    // A pool of 300 source folders (listed many at once), a few with a leftover, at several depths.
    for (let i = 0; i < 300; i++) put(`pool/main/p/pkg-${i}/pkg-${i}_1.0_amd64.deb`, 10);
    for (const rel of [
      `pool/main/p/pkg-7/pkg-7_1.0_amd64.deb.abc${TMP_SUFFIX}`,
      `pool/main/p/pkg-299/x${TMP_SUFFIX}`,
      `dists/bookworm/Release${TMP_SUFFIX}`,
      `top${TMP_SUFFIX}`,
    ]) {
      put(rel, 100);
      want.push(join(root, rel));
    }
    // Not leftovers: the suffix inside a name, a folder named like one, and one behind a symlink.
    put(`pool/main/p/pkg-8/a${TMP_SUFFIX}.deb`, 1);
    mkdirSync(join(root, `pool/main/p/dir${TMP_SUFFIX}`));
    const outside = tempDir('pkgtrack-leftovers-outside-');
    writeFileSync(join(outside, `hidden${TMP_SUFFIX}`), 'x');
    symlinkSync(outside, join(root, 'pool/main/p/link'));

    const found = await findLeftovers(root);
    expect(found.files).toEqual([...want].sort());
    expect(found.bytes).toBe(400);
    expect(found.nested).toEqual([]);
    expect(await findLeftovers(join(root, 'missing'))).toEqual({ files: [], bytes: 0, nested: [] });
  });

  it('does not look into repositories nested in the root (their own .pkgtrack, their own lock): it names them', async () => {
    const root = tempDir('pkgtrack-leftovers-');
    for (const d of ['.pkgtrack', 'apt/.pkgtrack', 'apt/pool', 'yum/fedora/41/x86_64/.pkgtrack', 'badges'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, `badges/a.svg${TMP_SUFFIX}`), 'x');
    writeFileSync(join(root, `apt/pool/b.deb${TMP_SUFFIX}`), 'xy');
    writeFileSync(join(root, `yum/fedora/41/x86_64/c.rpm${TMP_SUFFIX}`), 'xyz');
    const found = await findLeftovers(root);
    expect(found.files).toEqual([join(root, `badges/a.svg${TMP_SUFFIX}`)]);
    expect(found.nested).toEqual([join(root, 'apt'), join(root, 'yum/fedora/41/x86_64')]);
    expect((await findLeftovers(join(root, 'apt'))).files).toEqual([join(root, `apt/pool/b.deb${TMP_SUFFIX}`)]);
  });
});

describe('repo verify and leftovers', () => {
  it('looks for none where pkgtrack never published: --fix there removes nothing and leaves no lock', async () => {
    const dir = tempDir('pkgtrack-leftovers-nonrepo-');
    mkdirSync(join(dir, 'other/deep'), { recursive: true });
    const other = join(dir, `other/deep/someone-else${TMP_SUFFIX}`);
    writeFileSync(other, 'a running publish of another repository');
    const v = await pkgtrack(['repo', 'verify', dir, '--json'], { cwd: dir });
    expect(v.json().leftovers).toBeUndefined();
    const f = await pkgtrack(['repo', 'verify', dir, '--fix', '--json'], { cwd: dir });
    expect(f.json().fixed).toMatchObject({ files: 0, bytes: 0, note: expect.stringMatching(/never published here/) });
    const text = await pkgtrack(['repo', 'verify', dir, '--fix'], { cwd: dir });
    expect(text.stdout).toMatch(/pkgtrack never published here \(no \.pkgtrack folder/);
    expect(existsSync(other)).toBe(true);
    expect(existsSync(join(dir, '.pkgtrack'))).toBe(false);
  });

  it('on an output folder, reports and sweeps those of its apt repository too, each under its own lock', async () => {
    const dir = tempDir('pkgtrack-leftovers-out-');
    const repo = keyedRecipesRepo(dir, 'left');
    const deb = join(dir, debFile('left-pkg'));
    writeFileSync(deb, makeDeb('left-pkg'));
    expect((await pkgtrack(['publish', '--suite', 'bookworm', deb], { cwd: repo })).code).toBe(0);
    const out = join(repo, 'public');
    const stale = join(out, `apt/pool/main/l/left-pkg/left-pkg_1.0-1_amd64.deb.dead${TMP_SUFFIX}`);
    writeFileSync(stale, 'killed');
    const v = await pkgtrack(['repo', 'verify', 'public', '--json'], { cwd: repo });
    expect(v.json().leftovers).toMatchObject({ files: 1, example: stale });
    const f = await pkgtrack(['repo', 'verify', 'public', '--fix', '--json'], { cwd: repo });
    expect(f.json().fixed).toMatchObject({ files: 1 });
    expect(existsSync(stale)).toBe(false);
  });
});
