/**
 * #19 with the web page on: `publish --to s3://…` from a recipes repository, against Ceph RGW.
 * The page's record is kept in the bucket (.pkgtrack-s3/site-record.json.gz), so a publisher
 * downloads none of the per-package files (badge, page, JSON) the record vouches for: adding
 * one package to a repository of many downloads a fixed number of files, leaves every other
 * package's page where it is, and a removed package's page files leave after the grace period.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type S3Server, s3Client, startS3Server } from '../helpers/s3-server.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';

let s3: S3Server;
let repo: string;
let debs: string;
let key: TestKey;
const URL_ = 's3://site/team/repo';
const N = 24;

interface S3Out {
  s3: { uploaded: string[]; downloadedFiles: number; scheduledDeletes: string[] };
  site?: { pass: 'changes' | 'whole'; packagePagesWritten: number };
}

const run = (args: string[]) => pkgtrack([...args, '--to', URL_, '--json'], { cwd: repo, env: s3.env });
const get = (path: string) => fetch(s3.httpUrl(`team/repo/${path}`)).catch(() => fetch(s3.httpUrl(`team/repo/${path}`)));
const pageFiles = (name: string) => [`badges/${name}.svg`, `packages/${name}.html`, `packages/${name}.json`];

beforeAll(async () => {
  s3 = await startS3Server('site', { kind: 'ceph' });
  const dir = tempDir('pkgtrack-s3site-');
  key = makeKey(dir);
  repo = join(dir, 'recipes-repo');
  debs = join(dir, 'debs');
  mkdirSync(join(repo, 'recipes'), { recursive: true });
  mkdirSync(debs);
  copyFileSync(key.secret, join(repo, 'key.asc'));
  writeFileSync(
    join(repo, 'pkgtrack.yaml'),
    'name: site\norigin: Site\nlabel: Site\nmaintainer: T <t@example.org>\nurl: http://127.0.0.1:9/site\nsigning:\n  key: key.asc\n',
  );
  for (let i = 0; i < N; i++) buildDeb(debs, `pkg-${String(i).padStart(2, '0')}`, '1.0-1');
}, 180_000);

afterAll(async () => {
  await s3?.close();
});

describe('publish to object storage with the web page', () => {
  it('publishes the page and its record with the repository', async () => {
    const r = await run(['publish', '--suite', 'bookworm', debs]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    for (const p of pageFiles('pkg-07')) expect(out.s3.uploaded).toContain(p);
    expect(out.s3.uploaded).toContain('index.html');
    expect((await get('.pkgtrack-s3/site-record.json.gz')).status).toBe(200);
    expect((await get('packages/pkg-07.html')).status).toBe(200);
    // The record is the per-package files' account: the state, read and written whole by every
    // publish, lists the repository's files and the page's shared ones, not 3 files a package.
    const state = (await (await get('.pkgtrack-s3/state.json')).json()) as { objects: Record<string, unknown> };
    expect(state.objects['apt/pool/main/p/pkg-07/pkg-07_1.0-1_all.deb']).toBeDefined();
    expect(state.objects['index.html']).toBeDefined();
    expect(Object.keys(state.objects).filter((p) => /^(badges|packages)\//.test(p))).toEqual([]);
  }, 240_000);

  it('adding one downloads none of the other packages’ page files and keeps them published', async () => {
    const extra = buildDeb(tempDir('pkgtrack-s3site-extra-'), 'zz-added', '1.0-1');
    const r = await run(['publish', '--suite', 'bookworm', extra]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    // Indexes, Release files, the page's shared files: a number that does not grow with N.
    expect(out.s3.downloadedFiles).toBeLessThan(N);
    for (const p of pageFiles('zz-added')) expect(out.s3.uploaded).toContain(p);
    expect(out.s3.uploaded.filter((p) => p.startsWith('packages/pkg-') || p.startsWith('badges/pkg-'))).toEqual([]);
    // The page's model came back with the record: only the added package was rendered.
    expect(out.site).toEqual({ pass: 'changes', packagePagesWritten: 1 });
    expect(out.s3.scheduledDeletes.filter((p) => !p.includes('/by-hash/'))).toEqual([]);
    for (const p of pageFiles('pkg-07')) expect((await get(p)).status, p).toBe(200);
    const index = (await (await get('packages.json')).text()) as string;
    expect(index).toContain('"zz-added"');
    expect(index).toContain('"pkg-07"');
  }, 240_000);

  it('a removed package’s page files are scheduled for deletion; the others stay', async () => {
    const r = await run(['repo', 'remove', 'pkg-03', '--suite', 'bookworm']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    for (const p of pageFiles('pkg-03')) expect(out.s3.scheduledDeletes).toContain(p);
    expect(out.s3.scheduledDeletes.filter((p) => p.includes('pkg-07'))).toEqual([]);
    expect(await (await get('packages.json')).text()).not.toContain('"pkg-03"');
  }, 240_000);

  it('a bucket whose record is gone gets the whole page again, nothing published is lost, and stale page files are found', async () => {
    const client = await s3Client(s3);
    await client.send(new DeleteObjectCommand({ Bucket: 'site', Key: 'team/repo/.pkgtrack-s3/site-record.json.gz' }));
    // A package's files the page no longer has (the record that said so is gone with it).
    for (const p of pageFiles('ghost'))
      await client.send(new PutObjectCommand({ Bucket: 'site', Key: `team/repo/${p}`, Body: 'stale', ContentType: 'text/plain' }));
    const r = await run(['publish', '--suite', 'bookworm', join(debs, 'pkg-07_1.0-1_all.deb')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    // The page's files are listed, not downloaded; every package's files go up again.
    expect(out.s3.downloadedFiles).toBeLessThan(N);
    for (const p of [...pageFiles('pkg-07'), ...pageFiles('zz-added')]) expect(out.s3.uploaded).toContain(p);
    // The ghost's files leave after the grace period; pkg-03's were scheduled already.
    expect(out.s3.scheduledDeletes.filter((p) => !p.includes('/by-hash/')).sort()).toEqual(pageFiles('ghost').sort());
    expect((await get('.pkgtrack-s3/site-record.json.gz')).status).toBe(200);
    for (const p of pageFiles('pkg-07')) expect((await get(p)).status, p).toBe(200);
    expect(out.site?.pass).toBe('whole');
    // The record (and the model in it) is back: the next publish renders only what it changes.
    const next = await run(['publish', '--suite', 'bookworm', buildDeb(tempDir('pkgtrack-s3site-next-'), 'zz-next', '1.0-1')]);
    expect(next.code, next.stderr).toBe(0);
    expect((next.json() as S3Out).site).toEqual({ pass: 'changes', packagePagesWritten: 1 });
    const index = await (await get('packages.json')).text();
    for (const n of ['"zz-next"', '"zz-added"', '"pkg-07"']) expect(index).toContain(n);
    expect(index).not.toContain('"pkg-03"');
  }, 240_000);

  it('a publish to a bucket syncs nothing on the runner: its scratch copy is removed, the bucket is what lasts (a local publish syncs)', async () => {
    // A `sync` first on PATH that records being called (pkgtrack runs `sync -f` to flush many files at once).
    const bin = tempDir('pkgtrack-s3site-bin-');
    const calls = join(bin, 'calls');
    writeFileSync(join(bin, 'sync'), `#!/bin/sh\necho "$@" >> ${calls}\n`, { mode: 0o755 });
    const env = { ...s3.env, PATH: `${bin}:${process.env.PATH}` };
    const cold = await pkgtrack(['publish', '--suite', 'bookworm', debs, '--to', 's3://site/team/scratch', '--json'], { cwd: repo, env });
    expect(cold.code, cold.stderr).toBe(0);
    expect((cold.json() as S3Out).s3.uploaded.length).toBeGreaterThan(3 * N);
    expect(existsSync(calls)).toBe(false);
    const local = await pkgtrack(['publish', '--suite', 'bookworm', debs, '--json'], { cwd: repo, env });
    expect(local.code, local.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toContain('-f');
  }, 240_000);

  it('the scratch copy holds new packages as hard links of the inputs, not second copies (a local pool copies)', async () => {
    const resume = join(tempDir('pkgtrack-s3site-pause-'), 'resume');
    const deb = join(debs, 'pkg-11_1.0-1_all.deb');
    expect(statSync(deb).nlink).toBe(1);
    // Paused once the pool files are uploaded, while the scratch copy still exists.
    const p = pkgtrack(['publish', '--suite', 'bookworm', debs, '--to', 's3://site/team/links', '--json'], {
      cwd: repo,
      env: { ...s3.env, PKGTRACK_FAULT_PAUSE: 's3:phase-0', PKGTRACK_FAULT_RESUME: resume },
    });
    for (let i = 0; i < 1200 && !existsSync(`${resume}.paused`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`${resume}.paused`)).toBe(true);
    expect(statSync(deb).nlink).toBe(2);
    writeFileSync(resume, '');
    const r = await p;
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(deb).nlink).toBe(1);
    const text = await (await fetch(s3.httpUrl('team/links/apt/dists/bookworm/main/binary-amd64/Packages'))).text();
    expect(text).toMatch(/^Package: pkg-11$/m);
  }, 240_000);

  it('an input rewritten while its hard link waits in the scratch copy is refused before anything is uploaded', async () => {
    const dir = tempDir('pkgtrack-s3site-chg-');
    const deb = buildDeb(dir, 'chg-a', '1.0-1');
    const resume = join(dir, 'resume');
    const p = pkgtrack(['publish', '--suite', 'bookworm', deb, '--to', 's3://site/team/chg', '--json'], {
      cwd: repo,
      env: { ...s3.env, PKGTRACK_FAULT_PAUSE: 'generations:recorded', PKGTRACK_FAULT_RESUME: resume },
    });
    for (let i = 0; i < 1200 && !existsSync(`${resume}.paused`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`${resume}.paused`)).toBe(true);
    expect(statSync(deb).nlink).toBe(2); // the scratch pool's copy is the input itself
    const bytes = readFileSync(deb);
    writeFileSync(deb, Buffer.concat([bytes, Buffer.from('x')])); // same inode, other bytes
    writeFileSync(resume, '');
    const r = await p;
    expect(r.code).not.toBe(0);
    const err = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('INPUT_CHANGED');
    expect(err.message).toContain(deb);
    expect((await fetch(s3.httpUrl('team/chg/apt/pool/main/c/chg-a/chg-a_1.0-1_all.deb'))).status).toBe(404);
    expect((await fetch(s3.httpUrl('team/chg/apt/dists/bookworm/InRelease'))).status).toBe(404);
    // The file as it was: published.
    writeFileSync(deb, bytes);
    const again = await pkgtrack(['publish', '--suite', 'bookworm', deb, '--to', 's3://site/team/chg', '--json'], {
      cwd: repo,
      env: s3.env,
    });
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);

  it('page files scheduled for deletion go once the grace period is over; the published ones stay', async () => {
    // A state written before the record took the per-package files over lists them: the entries go.
    const statePath = '.pkgtrack-s3/state.json';
    const legacy = (await (await get(statePath)).json()) as { objects: Record<string, { sha256: string; size: number }> };
    for (const p of pageFiles('pkg-07')) legacy.objects[p] = { sha256: '0'.repeat(64), size: 1 };
    const client = await s3Client(s3);
    await client.send(
      new PutObjectCommand({
        Bucket: 'site',
        Key: `team/repo/${statePath}`,
        Body: JSON.stringify(legacy),
        ContentType: 'application/json',
      }),
    );
    const r = await run(['publish', '--suite', 'bookworm', '--delete-grace', '0', join(debs, 'pkg-07_1.0-1_all.deb')]);
    expect(r.code, r.stderr).toBe(0);
    const deleted = (r.json() as { s3: { deleted: string[] } }).s3.deleted;
    for (const p of [...pageFiles('pkg-03'), ...pageFiles('ghost')]) {
      expect(deleted).toContain(p);
      expect((await get(p)).status, p).toBe(404);
    }
    for (const p of [...pageFiles('pkg-07'), ...pageFiles('zz-next')]) expect((await get(p)).status, p).toBe(200);
    const state = (await (await get(statePath)).json()) as { objects: Record<string, unknown> };
    expect(Object.keys(state.objects).filter((p) => /^(badges|packages)\//.test(p))).toEqual([]);
  }, 240_000);
});
