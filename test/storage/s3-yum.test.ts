/**
 * #19: yum repositories in object storage. `publish --to s3://…` with .rpm files against the
 * local S3-compatible server: `repodata` (a generation link locally) is uploaded as the plain
 * folder a static host serves, Packages first and repomd.xml last; the next publisher restores
 * only metadata, adopts that plain `repodata` after checking its signature, and uploads one
 * new package plus metadata. Real dnf (gpgcheck and repo_gpgcheck on) reads the bucket over HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yumRepoFile } from '../../src/formats/user-files.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { flipByte, overwriteObject } from '../helpers/s3-objects.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';
import { makeKey, type TestKey } from '../repo/apt-helpers.js';
import { buildVersions, dnfArgs } from '../repo/yum/harness.js';

let s3: S3Server;
let dir: string;
let key: TestKey;
let rpms: string[];
const REPO = 'fedora/41/x86_64';
const URL_ = 's3://pkgs/team/yumrepo';

interface S3Out {
  s3: { uploaded: string[]; downloadedFiles: number; alreadyThere: number };
}

const publish = async (files: string[]) =>
  await pkgtrack(['publish', '--key', key.secret, '--to', URL_, '--suite', REPO, '--json', ...files], { cwd: dir, env: s3.env });

/** The newest version of `name` dnf sees in the bucket, with signatures checked. */
const dnfLatest = async (name: string) => (await dnfQuery(name, ['--latest-limit', '1']))[0] ?? '';
/** Every version of `name` dnf sees in the bucket. */
const dnfVersions = (name: string) => dnfQuery(name, []);

async function dnfQuery(name: string, extra: string[]): Promise<string[]> {
  const reposd = mkdtempSync(join(dir, 'reposd-'));
  const base = s3.httpUrl(`team/yumrepo/yum/${REPO}`);
  writeFileSync(join(reposd, 's3.repo'), yumRepoFile({ id: 's3', name: 's3', baseurl: base, gpgkeys: [`${base}/RPM-GPG-KEY-pkgtrack`] }));
  const r = await spawnAsync(
    'dnf',
    dnfArgs({ root: mkdtempSync(join(dir, 'root-')), reposd, cache: mkdtempSync(join(dir, 'cache-')) }, [
      '-q',
      'repoquery',
      ...extra,
      '--qf',
      '%{version}-%{release}',
      name,
    ]),
  );
  if (r.code !== 0) throw new Error(`dnf: ${r.stdout}\n${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  s3 = await startS3Server('pkgs');
  dir = tempDir('pkgtrack-s3yum-');
  key = makeKey(dir);
  rpms = buildVersions(join(dir, 'build'), ['1.0-1', '2.0-1'], 'hello', 's3hello');
}, 120_000);

afterAll(async () => {
  await s3?.close();
});

describe('yum repositories in object storage', () => {
  it('publishes a signed yum repository that dnf reads over HTTP, repomd.xml last', { timeout: 180_000 }, async () => {
    const r = await publish([rpms[0]!]);
    expect(r.code, r.stderr).toBe(0);
    const up = (r.json() as S3Out).s3.uploaded;
    expect(up).toContain(`yum/${REPO}/Packages/s/s3hello-1.0-1.noarch.rpm`);
    expect(up.some((u) => u.includes('.repodata/'))).toBe(false);
    expect(up.at(-1)).toBe(`yum/${REPO}/repodata/repomd.xml`);
    expect(up.indexOf(`yum/${REPO}/repodata/repomd.xml.asc`)).toBeLessThan(up.length - 1);
    expect(up.findIndex((u) => u.includes('/repodata/'))).toBeGreaterThan(up.findIndex((u) => u.includes('/Packages/')));
    expect(await dnfLatest('s3hello')).toBe('1.0-1');
    // No `url:` here: the .repo file names the bucket's own address (not the publisher's scratch
    // folder), the warning says so, and dnf installs from the published .repo file as it is.
    expect(r.stderr).toMatch(/the \.repo files point at http:\/\/127\.0\.0\.1:\d+\/pkgs\/team\/yumrepo, the bucket's own address/);
    const repoFile = up.find((u) => u.endsWith('.repo'))!;
    const published = await (await fetch(s3.httpUrl(`team/yumrepo/${repoFile}`))).text();
    expect(published).toContain(`baseurl=${s3.httpUrl(`team/yumrepo/yum/${REPO}`)}`);
    const reposd = mkdtempSync(join(dir, 'reposd-published-'));
    writeFileSync(join(reposd, 'published.repo'), published);
    const q = await spawnAsync(
      'dnf',
      dnfArgs({ root: mkdtempSync(join(dir, 'root-')), reposd, cache: mkdtempSync(join(dir, 'cache-')) }, [
        '-q',
        'repoquery',
        '--qf',
        '%{version}-%{release}',
        's3hello',
      ]),
    );
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout.trim()).toBe('1.0-1');
    // The same file again next time: a publish that changes nothing uploads nothing.
    expect(((await publish([rpms[0]!])).json() as S3Out).s3.uploaded).toEqual([]);
  });

  it('the next publish restores only metadata, uploads the one new package, and dnf sees it', { timeout: 180_000 }, async () => {
    const r = await publish([rpms[1]!]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    expect(out.s3.uploaded.filter((u) => u.includes('/Packages/'))).toEqual([`yum/${REPO}/Packages/s/s3hello-2.0-1.noarch.rpm`]);
    expect(out.s3.uploaded.at(-1)).toBe(`yum/${REPO}/repodata/repomd.xml`);
    expect(await dnfLatest('s3hello')).toBe('2.0-1');
    // Both versions stay installable (retention keeps 3).
    const again = await publish([rpms[1]!]);
    expect(again.code, again.stderr).toBe(0);
    expect((again.json() as S3Out).s3.uploaded.filter((u) => u.includes('/Packages/'))).toEqual([]);
  });

  it('repo verify s3://… checks repomd.xml.asc and re-hashes every package; a tampered one is named', { timeout: 180_000 }, async () => {
    const verify = async () => await pkgtrack(['repo', 'verify', URL_, '--keyring', key.pub, '--json'], { cwd: dir, env: s3.env });
    const ok = await verify();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const good = ok.json() as { signatures: Array<{ file: string; ok: boolean }> };
    expect(good.signatures).toEqual([expect.objectContaining({ file: `${URL_}/yum/${REPO}/repodata/repomd.xml.asc`, ok: true })]);
    const rel = `yum/${REPO}/Packages/s/s3hello-1.0-1.noarch.rpm`;
    const original = Buffer.from(await (await fetch(s3.httpUrl(`team/yumrepo/${rel}`))).arrayBuffer());
    await overwriteObject(s3, `team/yumrepo/${rel}`, flipByte(original));
    try {
      const bad = await verify();
      expect(bad.code).toBe(11);
      const problems = (bad.json() as { problems: Array<{ file: string; problem: string; fix?: string }> }).problems;
      expect(problems).toEqual([
        expect.objectContaining({
          file: `${URL_}/${rel}`,
          problem: 'sha256 differs from primary',
          fix: expect.stringContaining(`${URL_}/${rel}`),
        }),
      ]);
    } finally {
      await overwriteObject(s3, `team/yumrepo/${rel}`, original);
    }
  });

  it('repo remove and refresh --to s3://…: dnf no longer sees the version, repomd.xml is uploaded last', { timeout: 180_000 }, async () => {
    const removed = await pkgtrack(
      ['repo', 'remove', 's3hello', '--version', '1.0-1', '--suite', REPO, '--key', key.secret, '--to', URL_, '--json'],
      { cwd: dir, env: s3.env },
    );
    expect(removed.code, removed.stderr).toBe(0);
    const out = removed.json() as S3Out & { s3: { scheduledDeletes: string[] } };
    expect(out.s3.scheduledDeletes).toContain(`yum/${REPO}/Packages/s/s3hello-1.0-1.noarch.rpm`);
    expect(out.s3.uploaded.at(-1)).toBe(`yum/${REPO}/repodata/repomd.xml`);
    expect(await dnfVersions('s3hello')).toEqual(['2.0-1']);
    // A refresh in the same second as the remove signs the same repomd.xml, byte for byte (its
    // revision and the signature's time are whole seconds): nothing to switch. Into the next one.
    await new Promise((r) => setTimeout(r, 1100));
    const refreshed = await pkgtrack(['repo', 'refresh', '--kind', 'yum', '--key', key.secret, '--to', URL_, '--json'], {
      cwd: dir,
      env: s3.env,
    });
    expect(refreshed.code, refreshed.stderr).toBe(0);
    const up = (refreshed.json() as S3Out).s3.uploaded;
    expect(up.filter((u) => u.includes('/Packages/'))).toEqual([]);
    expect(up.at(-1)).toBe(`yum/${REPO}/repodata/repomd.xml`);
    expect(await dnfVersions('s3hello')).toEqual(['2.0-1']);
  });
});
