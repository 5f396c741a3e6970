/**
 * `publish --to s3://…` on a store that ignores conditional writes (s3rver, which accepts a
 * PUT whatever its If-None-Match / If-Match say, like several S3-compatible servers): doctor
 * says so, and publishers are serialised by the lease alone (claim objects + LIST), with pool
 * files checked by HEAD before upload. The conditional-write paths are tested on Ceph RGW in
 * s3-publish.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { type S3Server, startS3Server, withLatency } from '../helpers/s3-server.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';
import { acquireLease } from '../../src/storage/lease.js';
import { openS3Store } from '../../src/storage/s3-store.js';
import { parseS3Url } from '../../src/storage/s3-url.js';

let s3: S3Server;
let dir: string;
let key: TestKey;
const URL_ = 's3://pkgs/lease/repo';
const publishArgs = (args: string[]) => ['publish', '--key', key.secret, '--to', URL_, '--json', '--suite', 'bookworm', ...args];

beforeAll(async () => {
  s3 = await startS3Server('pkgs', { kind: 's3rver' });
  dir = tempDir('pkgtrack-s3lease-');
  key = makeKey(dir);
}, 60_000);

afterAll(async () => {
  await s3?.close();
});

describe('object storage that ignores conditional writes', () => {
  it('doctor says the conditional headers are ignored and the lease is what serialises publishers', async () => {
    const r = await pkgtrack(['doctor', '--check', 'object-storage', '--publish-to', URL_, '--json'], { cwd: dir, env: s3.env });
    const f = (r.json() as { findings: Array<{ id: string; status: string; message: string; details?: Record<string, boolean> }> })
      .findings;
    const g = f.find((x) => x.id === 'object-storage.guarantees')!;
    expect(g.details).toEqual({ createOnly: false, compareAndSwap: false, ifMatchForm: 'quoted' });
    expect(g.status).toBe('warn');
    expect(g.message).toContain('lease');
  }, 60_000);

  it('two concurrent publishers lose nothing (the lease serialises them)', async () => {
    const a = buildDeb(dir, 'lease-a', '1.0-1');
    const b = buildDeb(dir, 'lease-b', '1.0-1');
    const [ra, rb] = await Promise.all([
      pkgtrack(publishArgs([a]), { cwd: dir, env: s3.env }),
      pkgtrack(publishArgs([b]), { cwd: dir, env: s3.env }),
    ]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const text = await (await fetch(s3.httpUrl('lease/repo/apt/dists/bookworm/main/binary-amd64/Packages'))).text();
    for (const p of ['lease-a', 'lease-b']) expect(text).toMatch(new RegExp(`^Package: ${p}$`, 'm'));
  }, 240_000);

  it('the latency proxy the s3 bench puts in front of the store delays each round trip and passes the bytes intact', async () => {
    Object.assign(process.env, s3.env);
    const near = await openS3Store(parseS3Url('s3://pkgs/proxy/'));
    const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    await near.put('proxy/blob', body, { contentType: 'application/octet-stream', cacheControl: 'no-store' });
    const far = await withLatency(s3, 40);
    try {
      process.env.AWS_ENDPOINT_URL_S3 = far.endpoint;
      const store = await openS3Store(parseS3Url('s3://pkgs/proxy/'));
      await store.get('proxy/blob'); // a connection made
      const t = performance.now();
      const got = await store.get('proxy/blob');
      expect(performance.now() - t).toBeGreaterThanOrEqual(80); // one round trip: 2 x 40 ms
      expect(got!.body.equals(body)).toBe(true);
    } finally {
      Object.assign(process.env, s3.env);
      await far.close();
    }
  }, 60_000);

  it('the listing that grants the lease reports the watched object beside it: absent, then with the ETag a GET gives', async () => {
    Object.assign(process.env, s3.env);
    const store = await openS3Store(parseS3Url('s3://pkgs/watch/'));
    const opts = { timeoutMs: 10_000, what: 'test', watch: 'watch/.meta/state.json' };
    const first = await acquireLease(store, 'watch/.meta/lease/', opts);
    expect(first.watched).toBeNull();
    await first.release();
    await store.put('watch/.meta/state.json', Buffer.from('{"version":1}'), { contentType: 'application/json', cacheControl: 'no-store' });
    const got = await store.get('watch/.meta/state.json');
    const second = await acquireLease(store, 'watch/.meta/lease/', opts);
    expect(second.watched?.etag.replace(/"/g, '')).toBe(got!.etag.replace(/"/g, ''));
    // The claims stay apart from what is watched: the state is no claim, and is not removed as a stale one.
    await second.check();
    await second.release();
    expect(await store.get('watch/.meta/state.json')).toBeDefined();
    await expect(acquireLease(store, 'watch/.meta/lease/', { ...opts, watch: 'elsewhere/state.json' })).rejects.toThrow(/not beside/);
  }, 60_000);
});
