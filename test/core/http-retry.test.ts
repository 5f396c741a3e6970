/**
 * Retries of transient HTTP answers (core/http-retry.ts), against a real server on loopback.
 * The Debian Sources index's use of them: test/fetch/debian-retry.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkgtrackError } from '../../src/core/errors.js';
import { configuredRetries, fetchRetrying, retryAfterMs } from '../../src/core/http-retry.js';
import { recordingProgress } from '../../src/core/progress.js';
import { upstreamGet } from '../../src/upstream/http-get.js';
import { type StaticServer, serveDir } from '../helpers/static-server.js';

let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-retry-'));
  mkdirSync(join(dir, 'dists', 'sid'), { recursive: true });
  writeFileSync(join(dir, 'dists', 'sid', 'Release'), 'Origin: Test\n');
  server = await serveDir(dir);
});
afterAll(async () => {
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

  it("ends a retry's wait when the caller's signal does (a Retry-After past the request's timeout)", async () => {
    // Without the signal the wait was the cap, 30 s, past the test's 10 s.
    const f = (async () => new Response('', { status: 503, headers: { 'retry-after': '1e308' } })) as typeof fetch;
    const waits: number[] = [];
    const signal = AbortSignal.timeout(200);
    await expect(
      fetchRetrying('http://x.invalid/', { signal }, { fetch: f, retries: 1, onRetry: (w) => waits.push(w.delayMs) }),
    ).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(waits).toEqual([30_000]);
  }, 10_000);

  it('upstreamGet gives up on a body that stops coming, even with no overall limit (a big source file)', async () => {
    // Headers and a first piece, then silence with the connection open: it waited for ever.
    const stalled = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write('first piece');
    });
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(stalled.address() as { port: number }).port}/orig.tar.gz`;
    try {
      const err = await upstreamGet(url, {
        timeoutMs: 0,
        stallMs: 300,
        notFound: { code: 'UPSTREAM_PAGE_NOT_FOUND', fix: 'x' },
        field: 'upstream.archive',
        retry: { retries: 0 },
      }).catch((e: PkgtrackError) => e);
      expect(err).toMatchObject({ code: 'UPSTREAM_UNREACHABLE', kind: 'network' });
      expect((err as PkgtrackError).message).toBe(`reading ${url} failed after 11 bytes: no data for 0.3 s`);
    } finally {
      stalled.closeAllConnections();
      await new Promise((r) => stalled.close(r));
    }
  }, 10_000);

  it('upstreamGet says each retry on its progress, and reports a failing server as an HTTP error after its attempts', async () => {
    server.overrides.set('/down', 502);
    const progress = recordingProgress();
    const err = await upstreamGet(`${server.url}/down`, {
      notFound: { code: 'UPSTREAM_PAGE_NOT_FOUND', fix: 'x' },
      field: 'upstream.url',
      progress,
      retry: { baseDelayMs: 5, retries: 1 },
    }).catch((e: PkgtrackError) => e);
    expect(progress.lines).toEqual([`warn: ${server.url}/down: HTTP 502; asking again in 0.0 s (attempt 2 of 2)`]);
    expect(err).toMatchObject({ code: 'UPSTREAM_HTTP_ERROR', kind: 'network' });
    expect(String((err as PkgtrackError).message)).toMatch(/HTTP 502 \(after 2 attempts\)/);
    server.overrides.delete('/down');
  });
});
