/**
 * #19: `repo verify|remove|refresh` against the repository in a bucket, with no local copy.
 * Verify reads through the S3 API and re-hashes what it reads (a tampered pool object or index
 * is named with a fix); remove and refresh go through publish's uploader (lease, ordered
 * upload, grace deletion). Real apt reads the bucket over HTTP after each change. The server
 * is whatever test/helpers/s3-server.ts starts; objects are tampered with through the S3 API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { flipByte, overwriteObject } from '../helpers/s3-objects.js';
import { type S3Server, startS3Server } from '../helpers/s3-server.js';
import { type AptRoot, aptRoot, buildDeb, expectAptOk, makeKey, type TestKey } from '../repo/apt-helpers.js';

let s3: S3Server;
let dir: string;
let key: TestKey;
let apt: AptRoot;
const URL_ = 's3://pkgs/team/maint';
const PREFIX = 'team/maint/';
const POOL = (v: string) => `apt/pool/main/h/hello-m/hello-m_${v}_all.deb`;

interface Verify {
  ok: boolean;
  checkedFiles: number;
  signatures: Array<{ file: string; ok: boolean }>;
  problems: Array<{ file: string; problem: string; fix?: string }>;
}
interface S3Out {
  s3: { uploaded: string[]; scheduledDeletes: string[]; deleted: string[] };
}

const run = async (args: string[]) => await pkgtrack([...args, '--json'], { cwd: dir, env: s3.env });
const verify = (...flags: string[]) => run(['repo', 'verify', URL_, '--keyring', key.pub, ...flags]);
const httpGet = (path: string) => fetch(s3.httpUrl(`${PREFIX}${path}`)).catch(() => fetch(s3.httpUrl(`${PREFIX}${path}`)));

const overwrite = (rel: string, body: Buffer) => overwriteObject(s3, `${PREFIX}${rel}`, body);

beforeAll(async () => {
  s3 = await startS3Server('pkgs');
  dir = tempDir('pkgtrack-s3repo-');
  key = makeKey(dir);
  for (const v of ['1.0-1', '1.1-1']) {
    const r = await run(['publish', '--key', key.secret, '--to', URL_, '--suite', 'bookworm', buildDeb(dir, 'hello-m', v)]);
    expect(r.code, r.stderr).toBe(0);
  }
  apt = aptRoot();
  apt.setSources([{ uri: s3.httpUrl(`${PREFIX}apt`), suites: ['bookworm'] }], key.pub);
}, 180_000);

afterAll(async () => {
  await s3?.close();
});

describe('repo verify s3://…', () => {
  it('checks signatures, every index and (--deep) every pool file of the bucket, no local copy', async () => {
    const r = await verify('--deep');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = r.json() as Verify;
    expect(v.ok).toBe(true);
    expect(v.signatures.map((s) => [s.file, s.ok])).toEqual([
      [`${URL_}/apt/dists/bookworm/InRelease`, true],
      [`${URL_}/apt/dists/bookworm/Release.gpg`, true],
    ]);
    // Release's files, their by-hash copies, and both pool files.
    expect(v.checkedFiles).toBeGreaterThan(4);
  }, 60_000);

  it('names a pool object re-uploaded with other bytes, with the fix, and exits 11', async () => {
    const original = readFileSync(join(dir, 'hello-m_1.0-1_all.deb'));
    await overwrite(POOL('1.0-1'), flipByte(original));
    try {
      const r = await verify('--deep');
      expect(r.code).toBe(11);
      const v = r.json() as Verify;
      expect(v.ok).toBe(false);
      const p = v.problems.find((x) => x.file === `${URL_}/${POOL('1.0-1')}`);
      expect(p?.problem).toContain('SHA256 differs from dists/bookworm/main/binary-amd64/Packages');
      expect(p?.fix).toContain('Upload the original file');
      expect(v.problems).toHaveLength(1);
      // Without --deep pool files are not read (as for a folder): the metadata is intact.
      expect((await verify()).code).toBe(0);
      // The human form names the object and the fix too.
      const human = await pkgtrack(['repo', 'verify', URL_, '--keyring', key.pub, '--deep'], { cwd: dir, env: s3.env });
      expect(human.stdout).toContain(`${URL_}/${POOL('1.0-1')}: SHA256 differs`);
      expect(human.stdout).toContain('fix: A published package never changes');
    } finally {
      await overwrite(POOL('1.0-1'), original);
    }
    expect((await verify('--deep')).code).toBe(0);
  }, 120_000);

  it('catches a tampered index, also against what pkgtrack recorded uploading', async () => {
    const rel = 'apt/dists/bookworm/main/binary-amd64/Packages';
    const original = Buffer.from(await (await httpGet(rel)).arrayBuffer());
    await overwrite(rel, Buffer.concat([original, Buffer.from('\nPackage: evil\n')]));
    try {
      const v = (await verify()).json() as Verify;
      expect(v.ok).toBe(false);
      const files = v.problems.map((p) => p.file);
      expect(files).toContain(`${URL_}/${rel}`);
      expect(v.problems.find((p) => p.file === `${URL_}/${rel}`)?.fix).toContain('not what pkgtrack signed');
    } finally {
      await overwrite(rel, original);
    }
  }, 120_000);

  it('refuses --fix on a bucket and a bad URL with typed errors', async () => {
    expect(JSON.parse((await verify('--fix')).stdout).error.code).toBe('USAGE');
    const bad = await run(['repo', 'verify', 's3://Bad_Bucket/x', '--keyring', key.pub]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('S3_BAD_URL');
  }, 60_000);
});

describe('repo remove|refresh --to s3://…', () => {
  it('remove: apt no longer sees the version; its pool file stays for the grace period', async () => {
    const r = await run(['repo', 'remove', 'hello-m', '--version', '1.0-1', '--suite', 'bookworm', '--key', key.secret, '--to', URL_]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out & { removed: Array<{ version: string }> };
    expect(out.removed.map((p) => p.version)).toEqual(['1.0-1']);
    expect(out.s3.scheduledDeletes).toContain(POOL('1.0-1'));
    expect(out.s3.uploaded.at(-1)).toBe('apt/dists/bookworm/InRelease'); // the switch last
    expect(out.s3.uploaded.some((p) => p.includes('/pool/'))).toBe(false);
    expect((await httpGet(POOL('1.0-1'))).status).toBe(200); // readers mid-update still find it
    expectAptOk(await apt.apt(['update']), 'apt-get update after repo remove');
    const madison = await apt.apt(['madison', 'hello-m'], 'apt-cache');
    expect(madison.stdout).toContain('1.1-1');
    expect(madison.stdout).not.toContain('1.0-1');
    expect(((await verify('--deep')).json() as Verify).ok).toBe(true);
  }, 180_000);

  it('refresh: re-signs in the bucket (new Date), uploads only the signed files, and deletes what is past its grace', async () => {
    const before = await (await httpGet('apt/dists/bookworm/Release')).text();
    await new Promise((r) => setTimeout(r, 1100)); // Date has one-second resolution
    const r = await run(['repo', 'refresh', '--key', key.secret, '--to', URL_, '--delete-grace', '0']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out & { refreshed: Array<{ kind: string; suite: string }> };
    expect(out.refreshed).toEqual([expect.objectContaining({ kind: 'apt', suite: 'bookworm' })]);
    // Indexes and packages are untouched: the signed files (and pkgtrack's generation record) only.
    expect(out.s3.uploaded.filter((p) => !p.startsWith('apt/.pkgtrack/')).sort()).toEqual([
      'apt/dists/bookworm/InRelease',
      'apt/dists/bookworm/Release',
      'apt/dists/bookworm/Release.gpg',
    ]);
    expect(out.s3.uploaded.at(-1)).toBe('apt/dists/bookworm/InRelease');
    expect(out.s3.deleted).toContain(POOL('1.0-1'));
    expect((await httpGet(POOL('1.0-1'))).status).toBe(404);
    const after = await (await httpGet('apt/dists/bookworm/Release')).text();
    expect(/^Date: (.*)$/m.exec(after)?.[1]).not.toBe(/^Date: (.*)$/m.exec(before)?.[1]);
    expectAptOk(await apt.apt(['update']), 'apt-get update after repo refresh');
    expectAptOk(await apt.apt(['install', '-y', 'hello-m']), 'apt-get install after repo refresh');
    expect(apt.installed('hello-m')).toBe('1.1-1');
    expect(((await verify('--deep')).json() as Verify).ok).toBe(true);
  }, 180_000);

  it('retention applies to the bucket: keep 1 retires the older version for grace deletion', async () => {
    const r = await run([
      'publish',
      '--key',
      key.secret,
      '--to',
      URL_,
      '--suite',
      'bookworm',
      '--keep',
      '1',
      buildDeb(dir, 'hello-m', '1.2-1'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((r.json() as S3Out).s3.scheduledDeletes).toContain(POOL('1.1-1'));
    expectAptOk(await apt.apt(['update']), 'apt-get update after a keep-1 publish');
    expect((await apt.apt(['madison', 'hello-m'], 'apt-cache')).stdout).not.toContain('1.1-1');
  }, 180_000);
});
