/**
 * `repo remove NAME...`: several packages leave a suite in one signed change (one new Release /
 * repomd.xml, their pool files gone, the rest kept), as reprepro's `remove` and aptly's `repo
 * remove` take many; a name that is not published refuses the whole change, naming it, and
 * leaves the suite byte for byte as it was. apt and yum alike. Needs dist/ (npm run build).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, publishCli, type TestKey } from './apt-helpers.js';
import { buildVersions } from './yum/harness.js';

let dir: string;
let key: TestKey;
let out: string;

beforeAll(() => {
  dir = tempDir('pkgtrack-remove-many-');
  key = makeKey(dir);
  out = join(dir, 'out');
});

type Removed = { removed: Array<{ name: string; version: string; arch: string; files: string[] }> };
type Listed = { packages: Array<{ suite: string; name: string; version: string }> };
const listed = async (suite: string) =>
  (JSON.parse((await pkgtrack(['repo', 'list', '--json', '--output', out, '--suite', suite], { cwd: dir })).stdout) as Listed).packages
    .map((p) => `${p.name} ${p.version}`)
    .sort();
const remove = (suite: string, names: string[], more: string[] = []) =>
  pkgtrack(['repo', 'remove', ...names, '--suite', suite, '--output', out, '--key', key.secret, '--json', ...more], { cwd: dir });

describe('repo remove with several names', () => {
  it('apt: removes them in one signed change, and refuses the whole change when one is not published', async () => {
    const debs = join(dir, 'debs');
    mkdirSync(debs, { recursive: true });
    for (const n of ['alpha', 'beta', 'gamma', 'delta']) buildDeb(debs, n, '1.0-1');
    buildDeb(debs, 'beta', '2.0-1');
    const p = await publishCli(dir, key, out, ['--suite', 'bookworm', '--keep', '0', debs]);
    expect(p.code, p.stderr).toBe(0);
    const suite = join(out, 'apt/dists/bookworm');
    const generation = () => readlinkSync(suite);

    const before = generation();
    const r = await remove('bookworm', ['alpha', 'beta']);
    expect(r.code, r.stderr).toBe(0);
    const removed = (JSON.parse(r.stdout) as Removed).removed;
    expect(removed.map((x) => `${x.name} ${x.version}`).sort()).toEqual(['alpha 1.0-1', 'beta 1.0-1', 'beta 2.0-1']);
    for (const f of removed.flatMap((x) => x.files)) expect(existsSync(join(out, 'apt', f)), f).toBe(false);
    expect(await listed('bookworm')).toEqual(['delta 1.0-1', 'gamma 1.0-1']);
    // One change: the suite moved to one new generation (not one per name), signed and whole.
    expect(generation()).not.toBe(before);
    const generations = readdirSync(join(out, 'apt/dists/.generations/bookworm'));
    expect(generations).toHaveLength(2);
    expect((await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub], { cwd: dir })).code).toBe(0);

    const release = readFileSync(join(suite, 'InRelease'));
    const refused = await remove('bookworm', ['gamma', 'nosuch', 'alpha']);
    expect(refused.code).toBe(2);
    const err = (
      JSON.parse(refused.stdout || refused.stderr) as { error: { code: string; message: string; details: { packages: string[] } } }
    ).error;
    expect(err.code).toBe('APT_PACKAGE_NOT_PUBLISHED');
    expect(err.details.packages).toEqual(['nosuch', 'alpha']);
    expect(err.message).toMatch(/nosuch, alpha are not published in bookworm; nothing was removed/);
    expect(readFileSync(join(suite, 'InRelease')).equals(release)).toBe(true);
    expect(await listed('bookworm')).toEqual(['delta 1.0-1', 'gamma 1.0-1']);
  });

  it('yum: the same, one repomd.xml for every name, and nothing removed when one is not published', async () => {
    const rpms = [
      ...buildVersions(join(dir, 'rpmbuild'), ['1.0-1'], 'one', 'rm-one'),
      ...buildVersions(join(dir, 'rpmbuild'), ['1.0-1', '1.1-1'], 'two', 'rm-two'),
      ...buildVersions(join(dir, 'rpmbuild'), ['1.0-1'], 'three', 'rm-three'),
    ];
    const suite = 'fedora/41/x86_64';
    const p = await publishCli(dir, key, out, ['--suite', suite, '--keep', '0', ...rpms]);
    expect(p.code, p.stderr).toBe(0);
    const repodata = join(out, 'yum', suite, 'repodata');
    const before = readlinkSync(repodata);

    const r = await remove(suite, ['rm-one', 'rm-two']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Removed).removed.map((x) => `${x.name} ${x.version}`).sort()).toEqual([
      'rm-one 1.0-1',
      'rm-two 1.0-1',
      'rm-two 1.1-1',
    ]);
    expect(await listed(suite)).toEqual(['rm-three 1.0-1']);
    expect(readlinkSync(repodata)).not.toBe(before);

    const repomd = readFileSync(join(repodata, 'repomd.xml'));
    const refused = await remove(suite, ['rm-three', 'rm-one']);
    expect(refused.code).toBe(2);
    const err = (JSON.parse(refused.stdout || refused.stderr) as { error: { code: string; details: { packages: string[] } } }).error;
    expect(err.code).toBe('YUM_PACKAGE_NOT_PUBLISHED');
    expect(err.details.packages).toEqual(['rm-one']);
    expect(readFileSync(join(repodata, 'repomd.xml')).equals(repomd)).toBe(true);
    expect(await listed(suite)).toEqual(['rm-three 1.0-1']);
  });
});
