/**
 * Real apt against what `pkgtrack publish` writes: apt-get update verifies InRelease with the
 * key from a deb822 .sources `Signed-By`, installs (dpkg into an isolated root), sees and
 * upgrades to a newer published version; trunk suites get NotAutomatic/ButAutomaticUpgrades
 * priority; `repo verify`, `repo list`, `repo refresh`, `repo remove` on the same repository.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, pkgtrack, tempDir } from '../helpers/cli.js';
import {
  type AptRoot,
  aptRoot,
  buildDeb,
  expectAptOk,
  makeKey,
  publishCli,
  runAsync,
  type StaticServer,
  serveDir,
  type TestKey,
} from './apt-helpers.js';

let dir: string;
let key: TestKey;
let out: string;
let server: StaticServer;
let apt: AptRoot;

beforeAll(async () => {
  dir = tempDir('pkgtrack-aptclient-');
  key = makeKey(dir);
  out = join(dir, 'public');
  server = await serveDir(join(out, 'apt'));
  apt = aptRoot();
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('apt-get against a pkgtrack repository', () => {
  it('updates (signature verified via Signed-By) and installs the package', async () => {
    const deb = buildDeb(dir, 'pkgtrack-hello', '1.0-1');
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', deb]);
    expect(r.code, r.stderr).toBe(0);
    apt.setSources([{ uri: server.url, suites: ['bookworm'] }], key.pub);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    expect(server.requests).toContain('/dists/bookworm/InRelease');
    // apt fetched the index by hash (Acquire-By-Hash: yes), not by name.
    expect(server.requests.some((p) => p.includes('/by-hash/SHA256/'))).toBe(true);
    expectAptOk(await apt.apt(['install', '-y', 'pkgtrack-hello']), 'apt-get install');
    expect(apt.installed('pkgtrack-hello')).toBe('1.0-1');
    expect(readFileSync(join(apt.root, 'usr/share/pkgtrack-hello/VERSION'), 'utf8')).toMatch(/^1\.0-1/);
  });

  it('sees a newer version after publishing it, and apt-get upgrade installs it', async () => {
    const deb = buildDeb(dir, 'pkgtrack-hello', '1.1-1');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', deb])).code).toBe(0);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    const policy = await apt.apt(['policy', 'pkgtrack-hello'], 'apt-cache');
    expect(policy.stdout).toMatch(/Candidate: 1\.1-1/);
    expectAptOk(await apt.apt(['upgrade', '-y']), 'apt-get upgrade');
    expect(apt.installed('pkgtrack-hello')).toBe('1.1-1');
  });

  it('gives a -trunk suite NotAutomatic + ButAutomaticUpgrades (priority 100), so it never replaces stable by itself', async () => {
    const deb = buildDeb(dir, 'pkgtrack-hello', '2.0~git1-1');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm-trunk', deb])).code).toBe(0);
    const release = readFileSync(join(out, 'apt/dists/bookworm-trunk/Release'), 'utf8');
    expect(release).toMatch(/^NotAutomatic: yes$/m);
    expect(release).toMatch(/^ButAutomaticUpgrades: yes$/m);
    apt.setSources([{ uri: server.url, suites: ['bookworm', 'bookworm-trunk'] }], key.pub);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    const policy = (await apt.apt(['policy', 'pkgtrack-hello'], 'apt-cache')).stdout;
    expect(policy).toMatch(/2\.0~git1-1 100\n\s+100 http:\/\/127\.0\.0\.1:\d+ bookworm-trunk/);
  });

  it('writes the Release fields apt needs', async () => {
    const release = readFileSync(join(out, 'apt/dists/bookworm/Release'), 'utf8');
    const date = Date.parse(/^Date: (.*)$/m.exec(release)![1]!);
    const valid = Date.parse(/^Valid-Until: (.*)$/m.exec(release)![1]!);
    expect(release).toMatch(/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/m);
    expect(valid - date).toBe(14 * 86_400_000);
    expect(Math.abs(Date.now() - date)).toBeLessThan(600_000);
    expect(release).toMatch(/^Acquire-By-Hash: yes$/m);
    expect(release).toMatch(new RegExp(`^Signed-By: ${key.fingerprint}$`, 'm'));
    for (const f of ['Packages', 'Packages.gz', 'Packages.xz']) {
      expect(release).toMatch(new RegExp(`^ [0-9a-f]{64} +\\d+ main/binary-amd64/${f.replace('.', '\\.')}$`, 'm'));
    }
    // SHA256 alone, as Debian's archive: apt fetches by the strongest hash listed.
    expect(release).toMatch(/^SHA256:$/m);
    expect(release).not.toMatch(/^(SHA512|MD5Sum|SHA1):/m);
    expect(release).not.toMatch(/^NotAutomatic/m);
  });

  it('repo verify passes (gpg key), and fails on a tampered index or InRelease', async () => {
    const ok = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--json']);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.json().ok).toBe(true);
    const copy = tempDir('pkgtrack-tamper-');
    execFileSync('cp', ['-a', join(out, 'apt'), copy]);
    const inrel = join(copy, 'apt/dists/bookworm/InRelease');
    execFileSync('sh', ['-c', 'printf "Origin: evil\\n" >> "$1"', 'sh', inrel]);
    const gz = join(copy, 'apt/dists/bookworm/main/binary-amd64/Packages.gz');
    execFileSync('sh', ['-c', 'printf "x" >> "$1"', 'sh', gz]);
    const bad = await pkgtrack(['repo', 'verify', join(copy, 'apt'), '--keyring', key.pub, '--json']);
    expect(bad.code).toBe(11);
    const problems = bad.json().problems.map((p: { file: string }) => p.file);
    expect(problems).toContain('dists/bookworm/InRelease');
    expect(problems).toContain('dists/bookworm/main/binary-amd64/Packages.gz');
  });

  it('repo verify works over HTTP too (the URL a user would give)', async () => {
    const r = await runAsync(process.execPath, [BIN, 'repo', 'verify', server.url, '--suite', 'bookworm', '--keyring', key.pub, '--json'], {
      ...process.env,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(report.signatures.map((x: { file: string }) => x.file).sort()).toEqual([
      'dists/bookworm/InRelease',
      'dists/bookworm/Release.gpg',
    ]);
    expect(report.checkedFiles).toBeGreaterThanOrEqual(6 * 2); // each index and its by-hash copy
  });

  it('repo list shows what apt sees; repo refresh re-signs with a new Date and apt still updates', async () => {
    const list = await pkgtrack(['repo', 'list', '--output', out, '--json'], { cwd: dir });
    expect(list.code, list.stderr).toBe(0);
    const pk = list
      .json()
      .packages.filter((p: { suite: string }) => p.suite === 'bookworm')
      .map((p: { version: string }) => p.version);
    expect(pk.sort()).toEqual(['1.0-1', '1.1-1']);
    const before = readFileSync(join(out, 'apt/dists/bookworm/Release'), 'utf8');
    await new Promise((r) => setTimeout(r, 1100));
    const r = await pkgtrack(['repo', 'refresh', '--output', out, '--key', key.secret], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const after = readFileSync(join(out, 'apt/dists/bookworm/Release'), 'utf8');
    expect(/^Date: (.*)$/m.exec(after)![1]).not.toBe(/^Date: (.*)$/m.exec(before)![1]);
    expect(after.slice(after.indexOf('SHA256:'))).toBe(before.slice(before.indexOf('SHA256:')));
    expectAptOk(await apt.apt(['update']), 'apt-get update after refresh');
  });

  it('repo remove drops a version from the index and its pool file', async () => {
    const dry = await pkgtrack(
      ['repo', 'remove', 'pkgtrack-hello', '--version', '1.0-1', '--suite', 'bookworm', '--output', out, '--dry-run', '--json'],
      { cwd: dir },
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(readFileSync(join(out, 'apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8')).toMatch(/Version: 1\.0-1/);
    const r = await pkgtrack(
      ['repo', 'remove', 'pkgtrack-hello', '--version', '1.0-1', '--suite', 'bookworm', '--output', out, '--key', key.secret],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8')).not.toMatch(/Version: 1\.0-1/);
    expect(() => readFileSync(join(out, 'apt/pool/main/p/pkgtrack-hello/pkgtrack-hello_1.0-1_all.deb'))).toThrow();
    expectAptOk(await apt.apt(['update']), 'apt-get update after remove');
  });
});
