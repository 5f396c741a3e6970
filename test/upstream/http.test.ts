/** The http source against an index page served on loopback. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { tagToVersion } from '../../src/formats/versions.js';
import { HttpSource } from '../../src/upstream/http.js';
import type { RecipeUpstream } from '../../src/upstream/source.js';
import { serveDir } from './helpers.js';

let dir: string;
let server: Awaited<ReturnType<typeof serveDir>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-http-'));
  mkdirSync(join(dir, 'releases'));
  writeFileSync(
    join(dir, 'releases', 'index.html'),
    `<html><body><a href="foo-1.9.tar.gz">1.9</a><a href='foo-1.10.tar.gz'>1.10</a>
     <a href="/releases/foo-2.0rc1.tar.gz">rc</a><a href=foo-1.10.tar.gz.asc>sig</a><a href="../other-3.0.tar.gz">x</a></body></html>`,
  );
  writeFileSync(join(dir, 'releases', 'plain.txt'), 'foo-0.1.tar.gz\nfoo-0.3.tar.gz\nfoo-0.2.tar.gz\n');
  server = await serveDir(dir);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const recipe = (url: string, mangle: Array<{ from: string; to: string }> = []): RecipeUpstream => ({
  recipe: 'foo',
  config: { kind: 'http', url, pattern: '(?:^|/)foo-(?<version>[\\d.]+(?:rc\\d+)?)\\.tar\\.gz$' },
  tagToVersion: (t) => tagToVersion(t, { tagPattern: '^(?<version>.+)$', mangle }),
});

describe('http source', () => {
  it('finds versions in links, resolves them against the page, applies mangles', async () => {
    const got = (await new HttpSource().releases([recipe(`${server.url}/releases/index.html`, [{ from: 'rc', to: '~rc' }])])).get('foo');
    if (!Array.isArray(got)) throw got;
    expect(got.map((r) => [r.version, r.sourceUrl])).toEqual([
      ['2.0~rc1', `${server.url}/releases/foo-2.0rc1.tar.gz`],
      ['1.10', `${server.url}/releases/foo-1.10.tar.gz`],
      ['1.9', `${server.url}/releases/foo-1.9.tar.gz`],
    ]);
  });

  it('reads plain listings without links', async () => {
    const got = (await new HttpSource().releases([recipe(`${server.url}/releases/plain.txt`)])).get('foo') as Array<{ version: string }>;
    expect(got.map((r) => r.version)).toEqual(['0.3', '0.2', '0.1']);
  });

  it('reports a missing page as not-found and a 500 as a network error', async () => {
    server.overrides.set('/boom', 500);
    const got = await new HttpSource().releases([recipe(`${server.url}/missing`), { ...recipe(`${server.url}/boom`), recipe: 'boom' }]);
    const a = got.get('foo');
    const b = got.get('boom');
    expect(isPkgtrackError(a) && a.kind === 'not-found').toBe(true);
    expect(isPkgtrackError(b) && b.kind === 'network').toBe(true);
  });
});
