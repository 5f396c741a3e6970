/**
 * The Debian Sources index against a mirror that answers 502/503 for a moment, or keeps failing
 * (the answer that once failed a CI run as "check upstream.suite"): a local archive made with
 * apt-ftparchive and a throwaway gpg key, served on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError, type PkgtrackError } from '../../src/core/errors.js';
import { recordingProgress } from '../../src/core/progress.js';
import { debianSourcesIndex, findDebianSources } from '../../src/services/fetch/source-cache-debian.js';
import { type StaticServer, serveDir } from '../helpers/static-server.js';
import { type ArchiveFixture, buildArchive } from '../upstream/debian-archive.js';

let dir: string;
let archive: ArchiveFixture;
let server: StaticServer;
const savedRetries = process.env.PKGTRACK_HTTP_RETRIES;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-debretry-'));
  archive = buildArchive(join(dir, 'archive'), 'sid', [{ name: 'hello', version: '2.12-1' }]);
  server = await serveDir(archive.root);
}, 120_000);
afterAll(async () => {
  if (savedRetries === undefined) delete process.env.PKGTRACK_HTTP_RETRIES;
  else process.env.PKGTRACK_HTTP_RETRIES = savedRetries;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Debian Sources index', () => {
  const ref = () => ({ archive: server.url, suite: 'sid', component: 'main', keyring: archive.keyring });

  it('survives a mirror that answers 502 twice for InRelease and once for Sources.xz', async () => {
    server.requests.splice(0);
    server.flaky.set('/dists/sid/InRelease', [502, 502]);
    server.flaky.set('/dists/sid/main/source/Sources.xz', [503]);
    const progress = recordingProgress();
    const index = await debianSourcesIndex(ref(), join(dir, 'cache-flaky'), { maxAgeMs: 0, progress });
    expect((await findDebianSources(index, 'hello')).map((e) => e.version)).toEqual(['2.12-1']);
    // Each wait is said: a user watching a slow fetch sees the mirror failing, not a hang.
    expect(progress.lines.map((l) => l.replace(/in [\d.]+ s/, 'in N s'))).toEqual([
      `warn: ${server.url}/dists/sid/InRelease: HTTP 502; asking again in N s (attempt 2 of 4)`,
      `warn: ${server.url}/dists/sid/InRelease: HTTP 502; asking again in N s (attempt 3 of 4)`,
      `warn: ${server.url}/dists/sid/main/source/Sources.xz: HTTP 503; asking again in N s (attempt 2 of 4)`,
    ]);
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
