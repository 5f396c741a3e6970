/**
 * Backports publishing rules: a version below the published one is refused (as reprepro does)
 * unless --allow-downgrade, which warns; a backports channel (channels.stable.backports) is
 * published to <release>-backports with NotAutomatic + ButAutomaticUpgrades, so real apt pins
 * it at 100: never installed by itself, upgraded once chosen with `apt install -t`.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { findDowngrades } from '../../src/repo/format.js';
import { compareDebVersions } from '../../src/formats/version-deb.js';
import { type AptRoot, aptRoot, buildDeb, expectAptOk, makeKey, type StaticServer, serveDir, type TestKey } from './apt-helpers.js';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-aptbpo-');
  key = makeKey(dir);
}, 60_000);

/** A recipes repository whose stable channel is a backports channel (or not). */
function repoWith(name: string, backports: boolean): string {
  const repo = join(dir, name);
  mkdirSync(repo);
  copyFileSync(key.secret, join(repo, 'key.asc'));
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    `name: test\norigin: Test\nlabel: Test\nmaintainer: Test <test@example.org>\nsigning:\n  key: key.asc\n${backports ? 'channels:\n  stable:\n    backports: true\n' : ''}`,
  );
  return repo;
}

describe('downgrades', () => {
  it('findDowngrades names each added package below the newest published one of the same name and arch', () => {
    const before = [
      { name: 'a', arch: 'amd64', version: '1.2-1' },
      { name: 'a', arch: 'amd64', version: '1.0-1' },
      { name: 'a', arch: 'source', version: '1.2-1' },
      { name: 'b', arch: 'all', version: '1:0.9-1' },
    ];
    const added = [
      { name: 'a', arch: 'amd64', version: '1.1-1' },
      { name: 'a', arch: 'arm64', version: '1.1-1' },
      { name: 'a', arch: 'source', version: '1.2-1~bpo12+1' },
      { name: 'b', arch: 'all', version: '2.0-1' },
    ];
    expect(findDowngrades(before, added, compareDebVersions)).toEqual([
      { name: 'a', arch: 'amd64', version: '1.1-1', published: '1.2-1' },
      { name: 'a', arch: 'source', version: '1.2-1~bpo12+1', published: '1.2-1' },
      { name: 'b', arch: 'all', version: '2.0-1', published: '1:0.9-1' },
    ]);
  });

  it('publishing a lower version is refused, naming both versions, and the suite is left as it was', async () => {
    const repo = repoWith('downgrade', false);
    expect((await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'dg', '2.0-1')], { cwd: repo })).code).toBe(0);
    const inrelease = readFileSync(join(repo, 'public/apt/dists/bookworm/InRelease'));
    const r = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'dg', '1.5-1')], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUBLISH_DOWNGRADE/);
    expect(r.stderr).toMatch(/dg 1\.5-1 \(all\) < published 2\.0-1/);
    expect(r.stderr).toMatch(/--allow-downgrade/);
    expect(readFileSync(join(repo, 'public/apt/dists/bookworm/InRelease')).equals(inrelease)).toBe(true);
    expect(readFileSync(join(repo, 'public/apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8')).not.toMatch(/1\.5-1/);
  });

  it('--allow-downgrade publishes it with a loud warning', async () => {
    const repo = repoWith('downgrade-allowed', false);
    expect((await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'dga', '2.0-1')], { cwd: repo })).code).toBe(0);
    const r = await pkgtrack(['publish', '--allow-downgrade', '--suite', 'bookworm', buildDeb(dir, 'dga', '1.5-1')], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: DOWNGRADE in bookworm: dga 1\.5-1 \(all\) < published 2\.0-1/);
    expect(readFileSync(join(repo, 'public/apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8')).toMatch(/^Version: 1\.5-1$/m);
  });
});

describe('a backports channel', () => {
  let server: StaticServer;
  let apt: AptRoot;
  afterAll(async () => {
    await server?.close();
  });

  it('publishes <release>-backports with NotAutomatic + ButAutomaticUpgrades; apt keeps the release version until asked with -t, then upgrades from it', async () => {
    const repo = repoWith('bpo', true);
    expect((await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'tool', '1.0-1')], { cwd: repo })).code).toBe(0);
    const r = await pkgtrack(['publish', '--suite', 'bookworm-backports', buildDeb(dir, 'tool', '2.0-1~bpo12+1')], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const release = readFileSync(join(repo, 'public/apt/dists/bookworm-backports/Release'), 'utf8');
    expect(release).toMatch(/^NotAutomatic: yes$/m);
    expect(release).toMatch(/^ButAutomaticUpgrades: yes$/m);
    expect(readFileSync(join(repo, 'public/apt/dists/bookworm/Release'), 'utf8')).not.toMatch(/^NotAutomatic/m);

    server = await serveDir(join(repo, 'public/apt'));
    apt = aptRoot();
    apt.setSources([{ uri: server.url, suites: ['bookworm', 'bookworm-backports'] }], key.pub);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    expectAptOk(await apt.apt(['install', '-y', 'tool']), 'apt-get install');
    expect(apt.installed('tool')).toBe('1.0-1');
    expectAptOk(await apt.apt(['install', '-y', '-t', 'bookworm-backports', 'tool']), 'apt-get install -t');
    expect(apt.installed('tool')).toBe('2.0-1~bpo12+1');
    // ButAutomaticUpgrades: a newer backport reaches it with a plain upgrade.
    expect((await pkgtrack(['publish', '--suite', 'bookworm-backports', buildDeb(dir, 'tool', '2.0-1~bpo12+2')], { cwd: repo })).code).toBe(
      0,
    );
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    expectAptOk(await apt.apt(['upgrade', '-y']), 'apt-get upgrade');
    expect(apt.installed('tool')).toBe('2.0-1~bpo12+2');
  }, 120_000);

  it('the page tells users to install with apt install -t <suite>', async () => {
    const repo = join(dir, 'bpo');
    const r = await pkgtrack(['site'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(repo, 'public/index.html'), 'utf8')).toMatch(/apt install -t bookworm-backports/);
  });
});
