/**
 * The index cache must not take a file rewritten in place for the one it read before: `cp -p`
 * over an artifact keeps its path and inode, and with the same size and the old mtime restored
 * the (path, size, mtime, inode) key of before matched, so publish indexed the old package's
 * control data and hash for the new bytes. The key is now the ctime, which every write sets.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-cache-rewrite-');
  key = makeKey(dir);
}, 60_000);

/** An uncompressed .deb (its size depends only on the lengths of what is in it). */
function plainDeb(version: string): string {
  const root = join(dir, `root-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/same'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: same\nVersion: ${version}\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n`,
  );
  writeFileSync(join(root, 'usr/share/same/VERSION'), `${version}\n`);
  const out = join(dir, `same_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Znone', '--uniform-compression', '-b', root, out], {
    stdio: 'ignore',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  return out;
}

describe('index cache and files rewritten in place', () => {
  it('reads a file again after cp -p put other bytes of the same size under its path and old mtime', async () => {
    const a = plainDeb('1.0-1');
    const b = plainDeb('1.0-2');
    expect(statSync(a).size).toBe(statSync(b).size);
    const artifact = join(dir, 'incoming.deb');
    execFileSync('cp', ['-p', a, artifact]);
    const out = join(dir, 'out');
    const first = await publishCli(dir, key, out, ['--suite', 'bookworm', '--keep', '0', '--json', artifact]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().reports[0].added.map((p: { version: string }) => p.version)).toEqual(['1.0-1']);

    // Nanoseconds as integers: mtimeMs / 1000 as a float loses the last digits (CI saw .2012 vs .2014).
    const before = statSync(artifact, { bigint: true });
    execFileSync('cp', ['-p', b, artifact]);
    const ns = before.mtimeNs;
    const exact = `@${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
    execFileSync('touch', ['-m', '-d', exact, artifact]);
    const after = statSync(artifact, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);

    const second = await publishCli(dir, key, out, ['--suite', 'bookworm', '--keep', '0', '--json', artifact]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json().reports[0].added.map((p: { version: string }) => p.version)).toEqual(['1.0-2']);
  });
});
