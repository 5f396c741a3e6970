/**
 * Downloading an upstream source (SourceCache.download) from a server that goes silent or breaks
 * off: a typed network error naming the URL and how far it got, and nothing left in the cache.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkgtrackError } from '../../src/core/errors.js';
import { SourceCache } from '../../src/services/fetch/source-cache.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-download-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `handler` on loopback for the length of `body(url)`. */
async function withServer<T>(handler: RequestListener, body: (url: string) => Promise<T>): Promise<T> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await body(`http://127.0.0.1:${(server.address() as { port: number }).port}/foo-1.0.tar.gz`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('SourceCache.download from a failing server', () => {
  it('gives up on a transfer that goes silent (it waited for ever: downloads have no overall limit)', async () => {
    const cache = new SourceCache(join(dir, 'silent'));
    const err = await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('first piece');
      },
      (url) => cache.download(url, { stallMs: 300 }).catch((e: PkgtrackError) => e),
    );
    expect(err).toMatchObject({ code: 'SOURCE_UNREACHABLE', kind: 'network' });
    expect((err as PkgtrackError).message).toMatch(
      /^downloading http:\/\/127\.0\.0\.1:\d+\/foo-1\.0\.tar\.gz failed after 11 bytes: no data for 0\.3 s$/,
    );
    expect(readdirSync(join(dir, 'silent', 'tmp'))).toEqual([]);
  }, 10_000);

  it('reports a connection cut mid-body as a network error (was: a bare TypeError: terminated)', async () => {
    const cache = new SourceCache(join(dir, 'cut'));
    const err = await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write('x'.repeat(5000), () => res.socket?.destroy());
      },
      (url) => cache.download(url).catch((e: PkgtrackError) => e),
    );
    expect(err).toMatchObject({ code: 'SOURCE_UNREACHABLE', kind: 'network' });
    expect((err as PkgtrackError).message).toMatch(/failed after \d+ bytes: \w/);
    expect(readdirSync(join(dir, 'cut', 'tmp'))).toEqual([]);
  }, 10_000);
});
