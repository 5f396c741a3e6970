/**
 * `publish --to s3://…` against a real S3 server that honours conditional writes: Ceph RGW
 * (scripts/ceph-s3-server.sh, started on 127.0.0.1 by this file). The pool's create-only PUT
 * (If-None-Match: *) and the state's compare-and-swap (If-Match) are the store's, not
 * emulated; test/storage/s3-lease.test.ts covers a store that ignores them (s3rver). Real apt
 * reads the repository over HTTP from the server. Credentials and endpoint reach pkgtrack only
 * through AWS_* variables.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContents } from '../../src/formats/deb-contents.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { rgwRequestLines, type S3Server, s3Client, startS3Server } from '../helpers/s3-server.js';
import { type AptRoot, aptRoot, buildDeb, expectAptOk, makeKey, type TestKey } from '../repo/apt-helpers.js';

let s3: S3Server;
let dir: string;
let key: TestKey;
const URL_ = 's3://pkgs/team/repo';

interface S3Out {
  s3: { uploaded: string[]; alreadyThere: number; downloadedFiles: number; scheduledDeletes: string[]; deleted: string[] };
}

const publishArgs = (args: string[]) => ['publish', '--key', key.secret, '--to', URL_, '--json', '--suite', 'bookworm', ...args];
async function publishS3(args: string[], env: Record<string, string> = {}) {
  return await pkgtrack(publishArgs(args), { cwd: dir, env: { ...s3.env, ...env } });
}
/** GET over plain HTTP, as apt does (one retry: the server may close an idle keep-alive socket). */
async function httpGet(path: string): Promise<Response> {
  const url = s3.httpUrl(path);
  return fetch(url).catch(() => fetch(url));
}
const packagesText = async () => (await httpGet('team/repo/apt/dists/bookworm/main/binary-amd64/Packages')).text();

beforeAll(async () => {
  s3 = await startS3Server('pkgs', { kind: 'ceph' });
  dir = tempDir('pkgtrack-s3pub-');
  key = makeKey(dir);
}, 180_000);

afterAll(async () => {
  await s3?.close();
});

describe('publish to object storage', () => {
  let apt: AptRoot;

  it('publishes a signed apt repository that real apt installs from over HTTP', async () => {
    const r = await publishS3([buildDeb(dir, 'hello-s3', '1.0-1')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    expect(out.s3.uploaded).toContain('apt/pool/main/h/hello-s3/hello-s3_1.0-1_all.deb');
    expect(out.s3.uploaded.at(-1)).toBe('apt/dists/bookworm/InRelease'); // the switch is last
    const rel = await httpGet('team/repo/apt/dists/bookworm/InRelease');
    expect(rel.headers.get('cache-control')).toBe('public, max-age=60');
    const deb = await httpGet('team/repo/apt/pool/main/h/hello-s3/hello-s3_1.0-1_all.deb');
    expect(deb.headers.get('content-type')).toBe('application/vnd.debian.binary-package');
    expect(deb.headers.get('cache-control')).toContain('immutable');
    apt = aptRoot();
    apt.setSources([{ uri: s3.httpUrl('team/repo/apt'), suites: ['bookworm'] }], key.pub);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    expectAptOk(await apt.apt(['install', '-y', 'hello-s3']), 'apt-get install');
    expect(apt.installed('hello-s3')).toBe('1.0-1');
  }, 180_000);

  it('a no-change publish uploads nothing and downloads only metadata', async () => {
    const r = await publishS3([join(dir, 'hello-s3_1.0-1_all.deb')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    expect(out.s3.uploaded).toEqual([]);
    // Metadata only, and not the by-hash copies (made locally from the indexes read).
    const state = (await (await httpGet('team/repo/.pkgtrack-s3/state.json')).json()) as { objects: Record<string, unknown> };
    const objects = Object.keys(state.objects);
    const byHash = objects.filter((o) => o.includes('/by-hash/'));
    expect(byHash.length).toBeGreaterThanOrEqual(6); // Packages and Sources, plain, .gz and .xz
    const metadata = objects.filter((o) => !o.startsWith('apt/pool/') && !o.startsWith('apt/changelogs/') && !o.includes('/by-hash/'));
    expect(out.s3.downloadedFiles).toBe(metadata.length);
  }, 120_000);

  it('adding one package uploads one pool file plus metadata, and apt upgrades to it', async () => {
    const r = await publishS3([buildDeb(dir, 'hello-s3', '1.1-1')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    expect(out.s3.uploaded.filter((p) => p.includes('/pool/'))).toEqual(['apt/pool/main/h/hello-s3/hello-s3_1.1-1_all.deb']);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    expectAptOk(await apt.apt(['upgrade', '-y']), 'apt-get upgrade');
    expect(apt.installed('hello-s3')).toBe('1.1-1');
  }, 180_000);

  it('learns once which If-Match form the store compares (Ceph RGW: the bare ETag) and writes the state once per publish', async () => {
    const stateKey = 'team/repo/.pkgtrack-s3/state.json';
    const readState = async () => JSON.parse(await (await httpGet(stateKey)).text()) as { store: Record<string, unknown> };
    const statePuts = () => rgwRequestLines(s3.dataDir).filter((l) => l.includes(`"PUT /pkgs/${stateKey}?`)).length;
    expect((await readState()).store).toMatchObject({ compareAndSwap: true, ifMatchForm: 'bare' });
    const settle = () => new Promise((r) => setTimeout(r, 1000)); // radosgw flushes its log within a moment
    await settle();
    const before = statePuts();
    const r = await publishS3([buildDeb(dir, 'etag-form', '1.0-1')]);
    expect(r.code, r.stderr).toBe(0);
    await settle();
    expect(statePuts() - before).toBe(1);
    // A state written before the form was recorded: probed again, and the form kept from then on.
    const legacy = await readState();
    delete legacy.store.ifMatchForm;
    const client = await s3Client(s3);
    await client.send(new PutObjectCommand({ Bucket: 'pkgs', Key: stateKey, Body: JSON.stringify(legacy) }));
    const again = await publishS3([buildDeb(dir, 'etag-form', '1.1-1')]);
    expect(again.code, again.stderr).toBe(0);
    expect((await readState()).store).toMatchObject({ compareAndSwap: true, ifMatchForm: 'bare' });
    expect(await packagesText()).toMatch(/^Package: etag-form\n(.+\n)*Version: 1\.1-1$/m);
  }, 180_000);

  it('an index the bucket already holds under one name is copied by the store to its other names, not sent again', async () => {
    // Every index counts as big here (the default line is 4 MiB): each goes up once, under its
    // by-hash name, and the store copies it to its plain name.
    const to = 's3://pkgs/team/copies';
    const r = await pkgtrack(
      ['publish', '--key', key.secret, '--to', to, '--json', '--suite', 'bookworm', buildDeb(dir, 'copied', '1.0-1')],
      {
        cwd: dir,
        env: { ...s3.env, PKGTRACK_S3_COPY_MIN: '1' },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = (r.json() as { s3: S3Out['s3'] & { copied: number; uploadedBytes: number } }).s3;
    const indexes = out.uploaded.filter((p) => /binary-amd64\/Packages(\.xz|\.gz)?$/.test(p));
    expect(indexes.length).toBe(3);
    expect(out.copied).toBeGreaterThanOrEqual(indexes.length); // and the Sources indexes that are not empty
    const { createHash } = await import('node:crypto');
    for (const rel of indexes) {
      const res = await httpGet(`team/copies/${rel}`);
      const body = Buffer.from(await res.arrayBuffer());
      const sha256 = createHash('sha256').update(body).digest('hex');
      // The copy carries its own name's headers and the bytes' digest, as an upload would.
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      expect(res.headers.get('x-amz-meta-sha256')).toBe(sha256);
      expect(res.headers.get('content-type')).toBe((await httpGet(`team/repo/${rel}`)).headers.get('content-type') ?? 'unset');
      const dirOf = rel.replace(/[^/]+$/, '');
      const byHash = await httpGet(`team/copies/${dirOf}by-hash/SHA256/${sha256}`);
      expect(byHash.status, rel).toBe(200);
      expect(byHash.headers.get('cache-control')).toContain('immutable');
      expect(Buffer.from(await byHash.arrayBuffer()).equals(body)).toBe(true);
    }
    const copiesApt = aptRoot();
    copiesApt.setSources([{ uri: s3.httpUrl('team/copies/apt'), suites: ['bookworm'] }], key.pub);
    expectAptOk(await copiesApt.apt(['update']), 'apt-get update');
    expectAptOk(await copiesApt.apt(['install', '-y', 'copied']), 'apt-get install');
    expect(copiesApt.installed('copied')).toBe('1.0-1');
  }, 180_000);

  it('refuses the same pool name with different bytes and changes nothing remotely', async () => {
    const before = await packagesText();
    const other = buildDeb(tempDir('pkgtrack-s3other-'), 'hello-s3', '1.1-1', { content: 'different bytes' });
    const r = await publishS3([other]);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stdout).error.code).toBe('POOL_IMMUTABLE');
    expect(await packagesText()).toBe(before);
    const pool = Buffer.from(await (await httpGet('team/repo/apt/pool/main/h/hello-s3/hello-s3_1.1-1_all.deb')).arrayBuffer());
    expect(pool.equals(readFileSync(join(dir, 'hello-s3_1.1-1_all.deb')))).toBe(true);
  }, 120_000);

  it('a pool object put there by someone else is refused by the store (If-None-Match), not overwritten', async () => {
    const before = await packagesText();
    const poolKey = 'team/repo/apt/pool/main/i/imm-s3/imm-s3_1.0-1_all.deb';
    const client = await s3Client(s3);
    await client.send(new PutObjectCommand({ Bucket: 'pkgs', Key: poolKey, Body: 'not this package' }));
    const r = await publishS3([buildDeb(dir, 'imm-s3', '1.0-1')]);
    expect(r.code).not.toBe(0);
    expect(JSON.parse(r.stdout).error.code).toBe('POOL_IMMUTABLE');
    expect(await (await httpGet(poolKey)).text()).toBe('not this package');
    expect(await packagesText()).toBe(before);
    await client.send(new DeleteObjectCommand({ Bucket: 'pkgs', Key: poolKey }));
  }, 120_000);

  it('two concurrent publishers lose nothing', async () => {
    const a = buildDeb(dir, 'conc-a', '1.0-1');
    const b = buildDeb(dir, 'conc-b', '1.0-1');
    const [ra, rb] = await Promise.all([
      pkgtrack(publishArgs([a]), { cwd: dir, env: s3.env }),
      pkgtrack(publishArgs([b]), { cwd: dir, env: s3.env }),
    ]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const text = await packagesText();
    for (const p of ['hello-s3', 'conc-a', 'conc-b']) expect(text).toMatch(new RegExp(`^Package: ${p}$`, 'm'));
  }, 240_000);

  it('a stalled publisher whose lease was broken cannot overwrite the state (If-Match): it fails, a rerun keeps both', async () => {
    const resume = join(dir, 'resume-cas');
    const a = buildDeb(dir, 'cas-a', '1.0-1');
    const b = buildDeb(dir, 'cas-b', '1.0-1');
    // A stops after its switch, just before writing the state (a CI runner frozen for longer
    // than the lease's lifetime); its claim is gone, as an expired one is ignored.
    const pa = pkgtrack(publishArgs([a]), {
      cwd: dir,
      env: { ...s3.env, PKGTRACK_FAULT_PAUSE: 's3:switched', PKGTRACK_FAULT_RESUME: resume },
    });
    for (let i = 0; i < 1200 && !existsSync(`${resume}.paused`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`${resume}.paused`)).toBe(true);
    const client = await s3Client(s3);
    const claims = await client.send(new ListObjectsV2Command({ Bucket: 'pkgs', Prefix: 'team/repo/.pkgtrack-s3/lease/' }));
    expect(claims.Contents?.length).toBe(1);
    await client.send(new DeleteObjectCommand({ Bucket: 'pkgs', Key: claims.Contents![0]!.Key! }));
    const rb = await pkgtrack(publishArgs([b]), { cwd: dir, env: s3.env });
    expect(rb.code, rb.stderr).toBe(0);
    writeFileSync(resume, '');
    const ra = await pa;
    expect(ra.code).not.toBe(0);
    expect(JSON.parse(ra.stdout).error.code).toBe('S3_STATE_CHANGED');
    const again = await pkgtrack(publishArgs([a]), { cwd: dir, env: s3.env });
    expect(again.code, again.stderr).toBe(0);
    const text = await packagesText();
    for (const p of ['cas-a', 'cas-b', 'conc-a', 'conc-b']) expect(text).toMatch(new RegExp(`^Package: ${p}$`, 'm'));
    const state = JSON.parse(await (await httpGet('team/repo/.pkgtrack-s3/state.json')).text()) as { objects: Record<string, unknown> };
    for (const p of ['cas-a', 'cas-b']) expect(state.objects[`apt/pool/main/c/${p}/${p}_1.0-1_all.deb`]).toBeDefined();
  }, 240_000);

  it('files the repository stops using are deleted only after the grace period, by a later publish', async () => {
    // keep 1: publishing 1.2-1 retires 1.0-1 and 1.1-1 from the suite.
    const r = await publishS3(['--keep', '1', buildDeb(dir, 'hello-s3', '1.2-1')]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json() as S3Out;
    expect(out.s3.scheduledDeletes).toContain('apt/pool/main/h/hello-s3/hello-s3_1.0-1_all.deb');
    const old = 'team/repo/apt/pool/main/h/hello-s3/hello-s3_1.0-1_all.deb';
    expect((await httpGet(old)).status).toBe(200); // readers mid-update still find it
    const again = await publishS3(['--keep', '1', '--delete-grace', '0', join(dir, 'hello-s3_1.2-1_all.deb')]);
    expect(again.code, again.stderr).toBe(0);
    expect((again.json() as S3Out).s3.deleted).toContain('apt/pool/main/h/hello-s3/hello-s3_1.0-1_all.deb');
    expect((await httpGet(old)).status).toBe(404);
  }, 180_000);

  it('a bad URL and missing credentials fail with a typed error, nothing on argv', async () => {
    const bad = await pkgtrack(
      publishArgs([join(dir, 'hello-s3_1.2-1_all.deb')]).map((a) => (a === URL_ ? 's3://Bad_Bucket/x' : a)),
      {
        cwd: dir,
        env: s3.env,
      },
    );
    expect(JSON.parse(bad.stdout).error.code).toBe('S3_BAD_URL');
    const denied = await publishS3([join(dir, 'hello-s3_1.2-1_all.deb')], {
      AWS_ACCESS_KEY_ID: 'WRONG',
      AWS_SECRET_ACCESS_KEY: 'not-the-secret-1234',
    });
    expect(denied.code).not.toBe(0);
    expect(JSON.parse(denied.stdout).error.code).toBe('S3_ACCESS_DENIED');
    expect(denied.stdout + denied.stderr).not.toContain('not-the-secret-1234');
  }, 120_000);
});

describe('publish to object storage with Contents', () => {
  const to = 's3://pkgs/team/contents';
  const publishContents = (args: string[]) =>
    pkgtrack(['publish', '--key', key.secret, '--to', to, '--json', '--verbose', '--suite', 'bookworm', '--contents', ...args], {
      cwd: dir,
      env: s3.env,
    });
  const contentsText = async () => {
    const gz = Buffer.from(await (await httpGet('team/contents/apt/dists/bookworm/main/Contents-amd64.gz')).arrayBuffer());
    return parseContents(gunzipSync(gz).toString('utf8'));
  };

  it('keeps the file lists in the bucket: the next publish splices one package in and uploads one shard of them', async () => {
    const first = await publishContents([
      buildDeb(dir, 'c-one', '1.0-1', { arch: 'amd64' }),
      buildDeb(dir, 'c-two', '1.0-1', { arch: 'amd64' }),
    ]);
    expect(first.code, first.stderr).toBe(0);
    const lists = (first.json() as S3Out).s3.uploaded.filter((p) => p.startsWith('apt/.pkgtrack/contents/'));
    expect(lists).toContain('apt/.pkgtrack/contents/bookworm.json.gz');
    expect(lists.length).toBe(65); // the record and its 64 shards
    const r = await publishContents([buildDeb(dir, 'c-three', '1.0-1', { arch: 'amd64' })]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/main\/Contents-amd64: 1 package\(s\) in, 0 out; only their lines rewritten/);
    expect(r.stderr).not.toMatch(/listing the files of/);
    const uploaded = (r.json() as S3Out).s3.uploaded.filter((p) => p.startsWith('apt/.pkgtrack/contents/'));
    expect(uploaded).toHaveLength(2);
    expect(uploaded).toContain('apt/.pkgtrack/contents/bookworm.json.gz');
    const text = await contentsText();
    for (const n of ['c-one', 'c-two', 'c-three']) expect(text.get(`usr/share/${n}/VERSION`)).toEqual([`misc/${n}`]);
  }, 180_000);
});

describe('doctor --publish-to', () => {
  it('probes which conditional writes the store honours and says which guarantee applies', async () => {
    const r = await pkgtrack(['doctor', '--check', 'object-storage', '--publish-to', URL_, '--json'], { cwd: dir, env: s3.env });
    const f = (r.json() as { findings: Array<{ id: string; status: string; message: string; details?: Record<string, boolean> }> })
      .findings;
    const g = f.find((x) => x.id === 'object-storage.guarantees')!;
    // Ceph RGW refuses an existing key under If-None-Match: * and a stale ETag under If-Match.
    expect(g.details).toEqual({ createOnly: true, compareAndSwap: true, ifMatchForm: 'bare' });
    expect(g.status).toBe('ok');
    expect(g.message).toContain('conditional writes honoured');
  }, 60_000);
});

describe('publish to object storage: kill -9 at random moments', () => {
  /** Package names real apt sees after `apt-get update`. */
  async function aptSees(apt: AptRoot, when: string): Promise<string[]> {
    expectAptOk(await apt.apt(['update']), `apt-get update ${when}`);
    const r = await apt.apt(['pkgnames'], 'apt-cache');
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('apt sees the old or the new repository after each kill, and a rerun finishes the job', async () => {
    // The steps of a publish that adds one package (what each iteration does; a cold publish has more).
    const trace = join(dir, 'trace');
    expect((await publishS3([buildDeb(dir, 'kill-0', '1.0-1')])).code).toBe(0);
    writeFileSync(trace, '');
    expect((await publishS3([buildDeb(dir, 'kill-00', '1.0-1')], { PKGTRACK_FAULT_TRACE: trace })).code).toBe(0);
    const steps = readFileSync(trace, 'utf8').trim().split('\n').length;
    const apt = aptRoot();
    apt.setSources([{ uri: s3.httpUrl('team/repo/apt'), suites: ['bookworm'] }], key.pub);
    let old = await aptSees(apt, 'before the kills');
    // Random steps of a publish (local staging, pool upload, indexes, the switch, the state);
    // the seed is printed with any failure. 10 here; PKGTRACK_S3_KILL_ITERATIONS=30 for more.
    const seed = Number(process.env.PKGTRACK_S3_KILL_SEED ?? Date.now() % 100_000);
    let x = seed;
    const random = () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x / 2147483648;
    };
    const iterations = Number(process.env.PKGTRACK_S3_KILL_ITERATIONS ?? 10);
    for (let i = 1; i <= iterations; i++) {
      const at = 1 + Math.floor(random() * steps);
      const why = `seed ${seed}, iteration ${i}, kill at step ${at} of ${steps}`;
      const deb = buildDeb(dir, `kill-${i}`, '1.0-1');
      const killed = await publishS3([deb], { PKGTRACK_FAULT_AT: String(at) });
      expect(killed.code, `${why}: ${killed.stderr}`).not.toBe(0);
      const fresh = [...old, `kill-${i}`].sort();
      const seen = await aptSees(apt, `after a kill (${why})`);
      expect([old, fresh], why).toContainEqual(seen);
      const rerun = await publishS3([deb]);
      expect(rerun.code, `${why}: ${rerun.stderr}`).toBe(0);
      expect(await aptSees(apt, `after the rerun (${why})`), why).toEqual(fresh);
      old = fresh;
    }
  }, 900_000);
});
