/**
 * Retries of transient HTTP answers, against real servers on loopback: the shared helper, and
 * the Debian Sources index (the mirror's 502 that once failed a CI run as "check upstream.suite").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError, type PkgtrackError } from '../../src/core/errors.js';
import { configuredRetries, fetchRetrying, retryAfterMs } from '../../src/core/http-retry.js';
import { debianSourcesIndex, findDebianSources } from '../../src/services/fetch/source-cache-debian.js';
import { upstreamGet } from '../../src/upstream/http-get.js';
import { type StaticServer, serveDir } from '../helpers/static-server.js';
import { type ArchiveFixture, buildArchive } from '../upstream/debian-archive.js';

let dir: string;
let archive: ArchiveFixture;
let server: StaticServer;
const savedRetries = process.env.PKGTRACK_HTTP_RETRIES;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-retry-'));
  archive = buildArchive(join(dir, 'archive'), 'sid', [{ name: 'hello', version: '2.12-1' }]);
  server = await serveDir(archive.root);
}, 120_000);
afterAll(async () => {
  if (savedRetries === undefined) delete process.env.PKGTRACK_HTTP_RETRIES;
  else process.env.PKGTRACK_HTTP_RETRIES = savedRetries;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const fast = { baseDelayMs: 5 };

describe('fetchRetrying', () => {
  it('asks again after 502 and 503, and returns the answer that followed', async () => {
    server.requests.splice(0);
    server.flaky.set('/dists/sid/Release', [502, 503]);
    const waits: string[] = [];
    const r = await fetchRetrying(`${server.url}/dists/sid/Release`, {}, { ...fast, onRetry: (w) => waits.push(w.reason) });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/^Origin: Test/m);
    expect(waits).toEqual(['HTTP 502', 'HTTP 503']);
    expect(server.requests).toEqual(['/dists/sid/Release', '/dists/sid/Release', '/dists/sid/Release']);
  });

  it('returns the last transient answer when the retries are spent, and never retries a 404', async () => {
    server.requests.splice(0);
    server.overrides.set('/down', 503);
    const r = await fetchRetrying(`${server.url}/down`, {}, { ...fast, retries: 2 });
    expect(r.status).toBe(503);
    expect(server.requests.length).toBe(3);
    server.requests.splice(0);
    expect((await fetchRetrying(`${server.url}/absent`, {}, fast)).status).toBe(404);
    expect(server.requests).toEqual(['/absent']);
    server.overrides.delete('/down');
  });

  it('honours Retry-After up to the cap, and doubles its own waits', async () => {
    let calls = 0;
    const f = (async () =>
      ++calls < 3
        ? new Response('', { status: 429, headers: calls === 1 ? { 'retry-after': '120' } : {} })
        : new Response('ok')) as typeof fetch;
    const delays: number[] = [];
    const r = await fetchRetrying(
      'http://x.invalid/',
      {},
      { fetch: f, baseDelayMs: 4, maxDelayMs: 15, onRetry: (w) => delays.push(w.delayMs) },
    );
    expect(await r.text()).toBe('ok');
    expect(delays).toEqual([15, 8]);
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('throws the network error once a refused connection has been retried', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const seen: string[] = [];
    await expect(
      fetchRetrying(`http://127.0.0.1:${port}/`, {}, { ...fast, retries: 1, onRetry: (w) => seen.push(w.reason) }),
    ).rejects.toThrow(/fetch failed/);
    expect(seen).toEqual(['fetch failed']);
  });

  it('reads PKGTRACK_HTTP_RETRIES, ignoring values that are not counts', () => {
    expect(configuredRetries({})).toBe(3);
    expect(configuredRetries({ PKGTRACK_HTTP_RETRIES: '0' })).toBe(0);
    expect(configuredRetries({ PKGTRACK_HTTP_RETRIES: '7' })).toBe(7);
    expect(configuredRetries({ PKGTRACK_HTTP_RETRIES: '-1' })).toBe(3);
    expect(configuredRetries({ PKGTRACK_HTTP_RETRIES: 'many' })).toBe(3);
  });

  it('upstreamGet reports a failing server as an HTTP error after its attempts, a 404 as not found', async () => {
    server.overrides.set('/down', 502);
    const err = await upstreamGet(`${server.url}/down`, {
      notFound: { code: 'UPSTREAM_PAGE_NOT_FOUND', fix: 'x' },
      field: 'upstream.url',
      retry: { ...fast, retries: 1 },
    }).catch((e: PkgtrackError) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_HTTP_ERROR', kind: 'network' });
    expect(String((err as PkgtrackError).message)).toMatch(/HTTP 502 \(after 2 attempts\)/);
    server.overrides.delete('/down');
  });
});

describe('the Debian Sources index', () => {
  const ref = () => ({ archive: server.url, suite: 'sid', component: 'main', keyring: archive.keyring });

  it('survives a mirror that answers 502 twice for InRelease and once for Sources.xz', async () => {
    server.requests.splice(0);
    server.flaky.set('/dists/sid/InRelease', [502, 502]);
    server.flaky.set('/dists/sid/main/source/Sources.xz', [503]);
    const index = await debianSourcesIndex(ref(), join(dir, 'cache-flaky'), { maxAgeMs: 0 });
    expect((await findDebianSources(index, 'hello')).map((e) => e.version)).toEqual(['2.12-1']);
    expect(server.requests.filter((p) => p.endsWith('InRelease')).length).toBe(3);
    expect(server.requests.filter((p) => p.endsWith('Sources.xz')).length).toBe(2);
  }, 30_000);

  it('reports a mirror that keeps failing as the mirror failing, not as a wrong suite in the recipe', async () => {
    process.env.PKGTRACK_HTTP_RETRIES = '1';
    server.overrides.set('/dists/sid/InRelease', 502);
    const err = await debianSourcesIndex(ref(), join(dir, 'cache-down'), { maxAgeMs: 0 }).catch((e: unknown) => e);
    server.overrides.delete('/dists/sid/InRelease');
    expect(isPkgtrackError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'UPSTREAM_HTTP_ERROR', kind: 'network' });
    expect((err as PkgtrackError).message).toMatch(/HTTP 502 \(after 2 attempts\)/);
    expect((err as PkgtrackError).fix).toMatch(/another mirror/);
    expect((err as PkgtrackError).fix).not.toMatch(/upstream\.suite/);
  }, 30_000);

  it('still reports a suite the mirror does not have as not found, asking once', async () => {
    server.requests.splice(0);
    const err = await debianSourcesIndex({ ...ref(), suite: 'nosuch' }, join(dir, 'cache-none'), { maxAgeMs: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEBIAN_INDEX_NOT_FOUND', kind: 'not-found' });
    expect((err as PkgtrackError).fix).toMatch(/upstream\.suite/);
    expect(server.requests).toEqual(['/dists/nosuch/InRelease']);
  });
});
