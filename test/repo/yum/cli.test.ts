/**
 * `pkgtrack publish` (spawned ./bin/run.js, built dist) places an .rpm in the yum repository of
 * its target and a .deb in the apt repository, in one run, from two build manifests; a second
 * run reads only the new rpm (index cache in the state store); `repo verify` checks the yum repo;
 * bad input exits non-zero with a typed error and publishes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRpmFile } from '../../../src/sign/rpm-sign.js';
import { FIXTURE_PASSPHRASE, gpgv, rsa4096Key, type TestKey } from '../../sign/helpers.js';
import { spawnAsync } from '../../helpers/process.js';
import { buildVersions, REPO_ROOT_DIR } from './harness.js';

let work: string;
let key: TestKey;
let rpms: string[];
let deb: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-yum-cli-'));
  key = await rsa4096Key();
  rpms = buildVersions(join(work, 'rpmbuild'), ['1.0-1', '1.1-1'], 'cli', 'pkgtrack-cli');
  for (const r of rpms) await signRpmFile(r, key.signer);
  const pkg = join(work, 'debroot');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  mkdirSync(join(pkg, 'usr/share/doc/pkgtrack-cli'), { recursive: true });
  writeFileSync(join(pkg, 'usr/share/doc/pkgtrack-cli/README'), 'cli\n');
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    'Package: pkgtrack-cli\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: cli test\n',
  );
  deb = join(work, 'out-deb', 'pkgtrack-cli_1.0-1_all.deb');
  mkdirSync(dirname(deb), { recursive: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', pkg, deb], { stdio: 'ignore' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function cli(args: string[]) {
  const r = await spawnAsync(process.execPath, [join(REPO_ROOT_DIR, 'bin/run.js'), ...args], {
    cwd: work,
    env: { ...process.env, PKGTRACK_KEY_PASSPHRASE: FIXTURE_PASSPHRASE },
  });
  return { ...r, status: r.code };
}

function manifest(dir: string, suite: string, files: string[]): string {
  mkdirSync(dir, { recursive: true });
  const m = join(dir, 'manifest.json');
  writeFileSync(m, JSON.stringify({ recipe: 'cli', suite, artifacts: files.map((f) => ({ path: f })) }));
  return m;
}

describe('pkgtrack publish with rpms', () => {
  it('publishes rpm to yum and deb to apt in one run, then adds one rpm reading only it', async () => {
    const out = join(work, 'public');
    const rpmManifest = manifest(join(work, 'm-rpm'), 'fedora/41/x86_64', [rpms[0]!]);
    const debManifest = manifest(join(work, 'm-deb'), 'bookworm', [deb]);
    const r = await cli(['publish', '--json', '--output', out, '--key', key.privateFile, '--keep', '0', rpmManifest, debManifest]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { reports: Array<{ kind: string; suite: string; added: unknown[] }> };
    expect(res.reports.map((x) => `${x.kind}:${x.suite}:${x.added.length}`).sort()).toEqual(['apt:bookworm:1', 'yum:fedora/41/x86_64:1']);
    const yumRepo = join(out, 'yum', 'fedora/41/x86_64');
    expect(readlinkSync(join(yumRepo, 'repodata'))).toMatch(/^\.repodata\//);
    expect(existsSync(join(yumRepo, 'Packages/p', basename(rpms[0]!)))).toBe(true);
    const sig = await gpgv(key.keyringFile, [join(yumRepo, 'repodata/repomd.xml.asc'), join(yumRepo, 'repodata/repomd.xml')]);
    expect(sig.code).toBe(0);
    expect(readFileSync(join(yumRepo, 'RPM-GPG-KEY-pkgtrack'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');

    // The same publish again changes nothing and writes nothing, in either repository.
    const link = readlinkSync(join(yumRepo, 'repodata'));
    const inRelease = readFileSync(join(out, 'apt/dists/bookworm/InRelease'));
    const same = await cli(['publish', '--json', '--output', out, '--key', key.privateFile, '--keep', '0', rpmManifest, debManifest]);
    expect(same.status, same.stderr).toBe(0);
    const sameReports = (JSON.parse(same.stdout) as { reports: Array<{ kind: string; noChange?: boolean; added: unknown[] }> }).reports;
    expect(sameReports.map((x) => `${x.kind}:${x.noChange}:${x.added.length}`).sort()).toEqual(['apt:true:0', 'yum:true:0']);
    expect(readlinkSync(join(yumRepo, 'repodata'))).toBe(link);
    expect(readFileSync(join(out, 'apt/dists/bookworm/InRelease')).equals(inRelease)).toBe(true);

    const again = await cli([
      'publish',
      '--json',
      '--output',
      out,
      '--key',
      key.privateFile,
      '--keep',
      '0',
      '--suite',
      'fedora/41/x86_64',
      rpms[1]!,
    ]);
    expect(again.status, again.stderr).toBe(0);
    const j = JSON.parse(again.stdout) as {
      cache: { hits: number; misses: number };
      reports: Array<{ added: Array<{ version: string }> }>;
    };
    expect(j.reports[0]!.added.map((a) => a.version)).toEqual(['1.1-1']);
    expect(j.cache.misses).toBe(1);
    expect(j.cache.hits).toBeGreaterThanOrEqual(1);

    const v = await cli(['repo', 'verify', '--json', yumRepo, '--keyring', key.keyringFile]);
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect((JSON.parse(v.stdout) as { ok: boolean }).ok).toBe(true);

    // repo refresh --kind yum: a new signed generation over the same packages.
    const before = readlinkSync(join(yumRepo, 'repodata'));
    await new Promise((r) => setTimeout(r, 1100)); // a new revision second
    const f = await cli(['repo', 'refresh', '--json', '--kind', 'yum', '--output', out, '--key', key.privateFile]);
    expect(f.status, f.stdout + f.stderr).toBe(0);
    expect((JSON.parse(f.stdout) as { refreshed: Array<{ kind: string; suite: string }> }).refreshed).toEqual([
      expect.objectContaining({ kind: 'yum', suite: 'fedora/41/x86_64' }),
    ]);
    expect(readlinkSync(join(yumRepo, 'repodata'))).not.toBe(before);
    const v2 = await cli(['repo', 'verify', '--json', yumRepo, '--keyring', key.keyringFile]);
    expect((JSON.parse(v2.stdout) as { ok: boolean }).ok, v2.stdout).toBe(true);

    // repo list / remove / refresh know yum repositories by their path-like names.
    type Listed = { packages: Array<{ suite: string; name: string; version: string }> };
    const all = JSON.parse((await cli(['repo', 'list', '--json', '--output', out])).stdout) as Listed;
    expect(all.packages.map((p) => `${p.suite} ${p.name} ${p.version}`).sort()).toEqual([
      'bookworm pkgtrack-cli 1.0-1',
      'fedora/41/x86_64 pkgtrack-cli 1.0-1',
      'fedora/41/x86_64 pkgtrack-cli 1.1-1',
    ]);
    const onlyYum = JSON.parse((await cli(['repo', 'list', '--json', '--output', out, '--suite', 'fedora/41/x86_64'])).stdout) as Listed;
    expect(onlyYum.packages.every((p) => p.suite === 'fedora/41/x86_64')).toBe(true);
    const rm = await cli([
      'repo',
      'remove',
      'pkgtrack-cli',
      '--version',
      '1.0-1',
      '--suite',
      'fedora/41/x86_64',
      '--json',
      '--output',
      out,
      '--key',
      key.privateFile,
    ]);
    expect(rm.status, rm.stdout + rm.stderr).toBe(0);
    expect(existsSync(join(yumRepo, 'Packages/p', basename(rpms[0]!)))).toBe(false);
    const left = JSON.parse((await cli(['repo', 'list', '--json', '--output', out])).stdout) as Listed;
    expect(left.packages.map((p) => `${p.suite} ${p.version}`).sort()).toEqual(['bookworm 1.0-1', 'fedora/41/x86_64 1.1-1']);
    // No --kind: every apt suite and yum repository is re-signed.
    const both = await cli(['repo', 'refresh', '--json', '--output', out, '--key', key.privateFile]);
    expect(both.status, both.stdout + both.stderr).toBe(0);
    expect(
      (JSON.parse(both.stdout) as { refreshed: Array<{ kind: string; suite: string }> }).refreshed
        .map((x) => `${x.kind}:${x.suite}`)
        .sort(),
    ).toEqual(['apt:bookworm', 'yum:fedora/41/x86_64']);
    const v3 = await cli(['repo', 'verify', '--json', yumRepo, '--keyring', key.keyringFile]);
    expect((JSON.parse(v3.stdout) as { ok: boolean }).ok, v3.stdout).toBe(true);
  });

  it('refuses a corrupt .rpm with a typed error naming the file; nothing is published', async () => {
    const out = join(work, 'public-bad');
    const bad = join(work, 'broken-1.0-1.noarch.rpm');
    writeFileSync(bad, Buffer.concat([readFileSync(rpms[0]!).subarray(0, 300)]));
    const r = await cli(['publish', '--json', '--output', out, '--key', key.privateFile, '--suite', 'fedora/41/x86_64', bad]);
    expect(r.status).not.toBe(0);
    const err = JSON.parse(r.stdout || r.stderr) as { error?: { code: string; details?: { file?: string } }; code?: string };
    const e = err.error ?? (err as { code: string; details?: { file?: string } });
    expect(e.code).toBe('RPM_MALFORMED');
    expect(e.details?.file).toBe(bad);
    expect(existsSync(join(out, 'yum', 'fedora/41/x86_64', 'repodata'))).toBe(false);
    expect(existsSync(join(out, 'yum', 'fedora/41/x86_64', 'Packages'))).toBe(false);
  });
});
