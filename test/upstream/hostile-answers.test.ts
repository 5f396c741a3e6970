/**
 * The upstream sources against a hostile server on loopback: endless, trickling, lying,
 * corrupt-gzip and wrong-shaped answers. Each must end, in time and without filling memory,
 * in a result or a coded PkgtrackError, and no message may carry the GitHub token.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { tagToVersion } from '../../src/formats/versions.js';
import type { UpstreamConfig } from '../../src/recipe/schema.js';
import { DebianSource } from '../../src/upstream/debian.js';
import { GithubSource } from '../../src/upstream/github.js';
import { HttpSource } from '../../src/upstream/http.js';
import type { RecipeUpstream, UpstreamRelease } from '../../src/upstream/source.js';
import { badOutcome } from '../helpers/outcome.js';
import { spawnAsync } from '../helpers/process.js';
import { type Rnd, randomInt, randomPick, seededRandom } from '../helpers/random.js';

const TOKEN = 'ghp_hostiletoken0123456789abcdefXYZ';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Path prefix → handler: concurrent cases each get their own prefix. */
const routes = new Map<string, Handler>();
const sockets = new Set<Socket>();
const server = createServer((req, res) => {
  const prefix = `/${(req.url ?? '/').split('/')[1]}`;
  const h = routes.get(prefix);
  if (h) h(req, res);
  else res.writeHead(404).end();
});
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
let base: string;
let tmp: string;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-hostile-'));
  process.env.PKGTRACK_HTTP_RETRIES = '0';
});
afterAll(async () => {
  delete process.env.PKGTRACK_HTTP_RETRIES;
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(() => r(undefined)));
  rmSync(tmp, { recursive: true, force: true });
});

let nextRoute = 0;
function route(h: Handler): string {
  const p = `/c${nextRoute++}`;
  routes.set(p, h);
  return `${base}${p}`;
}

const json =
  (body: unknown, status = 200, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

/** `mb` MiB in 1 MiB pieces every `everyMs`, then silence with the connection open. */
const flood =
  (mb: number, everyMs = 5, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(1 << 20, 32);
    let sent = 0;
    const t = setInterval(() => (sent++ < mb ? res.write(chunk) : clearInterval(t)), everyMs);
    res.on('close', () => clearInterval(t));
  };

/** One byte every 50 ms, for ever. */
const trickle =
  (headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(200, headers);
    const t = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(t));
  };

// --- http ---------------------------------------------------------------------------------------

const httpRecipe = (url: string): RecipeUpstream => ({
  recipe: 'foo',
  config: { kind: 'http', url, pattern: '(?:^|/)foo-(?<version>[\\d.]+)\\.tar\\.gz$' },
  tagToVersion: (t) => tagToVersion(t, { tagPattern: '^(?<version>.+)$', mangle: [] }),
});

async function httpResult(url: string, timeoutMs = 5000): Promise<UpstreamRelease[] | Error> {
  return (await new HttpSource({ timeoutMs }).releases([httpRecipe(url)])).get('foo')!;
}

function expectCode(got: unknown, code: string): void {
  expect(got instanceof PkgtrackError ? got.code : got).toBe(code);
}

describe('http source, hostile index pages', () => {
  it('cuts off a body past the page limit as it arrives (was: read whole, then the timeout as a bare TimeoutError)', async () => {
    // Before, the 40 MiB were read whole and the silence after them ended in the timeout.
    expectCode(await httpResult(route(flood(40)), 4000), 'UPSTREAM_PAGE_TOO_LARGE');
  });

  it('refuses a Content-Length past the limit before reading (was: waited for the body)', async () => {
    const url = route((_req, res) => {
      res.writeHead(200, { 'content-length': String(64 * 1024 ** 3) });
      res.write('<a href="foo-1.0.tar.gz">');
    });
    expectCode(await httpResult(url, 3000), 'UPSTREAM_PAGE_TOO_LARGE');
  });

  it('gives a trickling body a typed timeout, not a bare TimeoutError', async () => {
    const got = await httpResult(route(trickle()), 400);
    expectCode(got, 'UPSTREAM_UNREACHABLE');
    expect((got as Error).message).toMatch(/timeout/);
  });

  it('reports corrupt gzip and a body cut short as typed network errors (was: TypeError: terminated)', async () => {
    const page = gzipSync(Buffer.from('<a href="foo-1.0.tar.gz">x</a>'.repeat(50)));
    page[page.length - 6]! ^= 0xff;
    const corrupt = route((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(page);
    });
    const cut = route((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('<a href="foo-1.0.tar.gz">');
      setTimeout(() => res.destroy(), 20);
    });
    expectCode(await httpResult(corrupt), 'UPSTREAM_UNREACHABLE');
    expectCode(await httpResult(cut), 'UPSTREAM_UNREACHABLE');
  });

  it('keeps only http(s) links as downloads', async () => {
    const url = route((_req, res) =>
      res.end('<a href="file:///etc/foo-2.0.tar.gz">f</a><a href="javascript:x//foo-3.0.tar.gz">j</a><a href="foo-1.0.tar.gz">ok</a>'),
    );
    const got = await httpResult(url);
    if (!Array.isArray(got)) throw got;
    expect(got.map((r) => [r.version, r.sourceUrl])).toEqual([
      ['3.0', undefined],
      ['2.0', undefined],
      ['1.0', `${url.replace(/\/c\d+$/, '')}/foo-1.0.tar.gz`],
    ]);
  });
});

// --- debian -------------------------------------------------------------------------------------

describe('debian source, hostile mirror', () => {
  const debRecipe = (archive: string, keyring: string): RecipeUpstream => ({
    recipe: 'hello',
    config: { kind: 'debian', package: 'hello', suite: 'sid', component: 'main', archive, keyring } as UpstreamConfig,
    tagToVersion: (t) => tagToVersion(t),
  });

  it('cuts off an endless InRelease (was: read whole into memory)', async () => {
    const url = route(flood(40));
    const t0 = performance.now();
    const got = (await new DebianSource({ timeoutMs: 4000 }).releases([debRecipe(url, join(tmp, 'none.gpg'))])).get('hello');
    expectCode(got, 'UPSTREAM_PAGE_TOO_LARGE');
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('reads a Sources index no further than the size the signed Release gives', async () => {
    const home = join(tmp, 'gnupg');
    mkdirSync(home, { mode: 0o700 });
    const gpg = (...args: string[]) => spawnAsync('gpg', ['--batch', '--homedir', home, ...args], { timeoutMs: 30_000 });
    expect((await gpg('--passphrase', '', '--quick-gen-key', 'Hostile Test <t@example.org>', 'ed25519', 'sign', '1d')).code).toBe(0);
    const keyring = join(tmp, 'keyring.gpg');
    await gpg('--output', keyring, '--export');
    writeFileSync(join(tmp, 'Release'), `Suite: sid\nSHA256:\n ${'a'.repeat(64)} 1000 main/source/Sources\n`);
    const signed = join(tmp, 'InRelease');
    expect((await gpg('--yes', '--clearsign', '--output', signed, join(tmp, 'Release'))).code).toBe(0);
    const inRelease = await import('node:fs/promises').then((fs) => fs.readFile(signed));
    const sources = flood(40);
    const url = route((req, res) => (req.url?.endsWith('/InRelease') ? res.end(inRelease) : sources(req, res)));
    const t0 = performance.now();
    const got = (await new DebianSource({ timeoutMs: 4000 }).releases([debRecipe(url, keyring)])).get('hello');
    expectCode(got, 'DEBIAN_INDEX_HASH_MISMATCH');
    expect((got as PkgtrackError).kind).toBe('integrity');
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

// --- github -------------------------------------------------------------------------------------

const ghRecipe = (name: string, extra: Partial<Extract<UpstreamConfig, { kind: 'github' }>> = {}): RecipeUpstream => ({
  recipe: name,
  config: { kind: 'github', repo: `org/${name}`, use: 'releases', prereleases: false, ...extra },
  tagToVersion: (t) => tagToVersion(t),
});

const ghSource = (url: string, extra: ConstructorParameters<typeof GithubSource>[0] = {}) =>
  new GithubSource({ baseUrl: url, token: TOKEN, msPerSecond: 1, maxWaitSeconds: 60, timeoutMs: 3000, ...extra });

const release = (tag: string) => ({
  tagName: tag,
  isDraft: false,
  isPrerelease: false,
  publishedAt: '2024-01-01T00:00:00Z',
  url: `https://github.com/org/x/releases/${tag}`,
  tagCommit: { oid: 'a'.repeat(40) },
  releaseAssets: { nodes: [{ name: `x-${tag}.tar.gz`, size: 10, downloadUrl: `https://github.com/org/x/${tag}.tar.gz` }] },
});
const repoAnswer = (name: string, nodes: unknown) => ({
  nameWithOwner: `org/${name}`,
  url: `https://github.com/org/${name}`,
  releases: { nodes },
});
const graphqlAnswer = (r0: unknown, r1: unknown = repoAnswer('good', [release('v1.0')])) => ({
  data: { rateLimit: { cost: 1, remaining: 4999, resetAt: '2030-01-01T00:00:00Z' }, r0, r1 },
});

/** No message, fix or detail of `e` holds the token. */
function expectNoToken(e: unknown): void {
  const text = e instanceof PkgtrackError ? JSON.stringify(e.toJSON()) + String(e.stack) : String(e);
  expect(text).not.toContain(TOKEN);
}

describe('github source, hostile API', () => {
  it.each([
    ['nodes: null', repoAnswer('bad', null)],
    ['nodes: {}', repoAnswer('bad', {})],
    ['a null node', repoAnswer('bad', [null])],
    ['a numeric tagName', repoAnswer('bad', [{ ...release('v1'), tagName: 12345 }])],
    ['a repository that is a string', 'org/bad'],
  ])('fails only the recipe whose answer has %s (was: a TypeError out of releases())', async (_what, r0) => {
    const got = await ghSource(route(json(graphqlAnswer(r0)))).releases([ghRecipe('bad'), ghRecipe('good')]);
    expectCode(got.get('bad'), 'GITHUB_MALFORMED_RESPONSE');
    expect((got.get('good') as UpstreamRelease[])[0]?.version).toBe('1.0');
  });

  it('reads assets only when they have a name and a download URL', async () => {
    const r0 = repoAnswer('bad', [{ ...release('v1'), releaseAssets: { nodes: [{ name: 'x-v1.tar.gz', downloadUrl: null }] } }]);
    const got = await ghSource(route(json(graphqlAnswer(r0)))).releases([ghRecipe('bad', { asset: '\\.tar\\.gz$' })]);
    expectCode(got.get('bad'), 'GITHUB_MALFORMED_RESPONSE');
  });

  it.each([
    ['x-ratelimit-reset: garbage', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'garbage' }, 403],
    ['x-ratelimit-reset past Date', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '99999999999999999' }, 403],
    ['retry-after: 1e308', { 'retry-after': '1e308' }, 429],
  ])('reports a rate limit with %s as GITHUB_RATE_LIMITED (was: RangeError: Invalid time value)', async (_what, headers, status) => {
    const url = route(json({ message: 'API rate limit exceeded' }, status, headers));
    const got = (await ghSource(url).releases([ghRecipe('x')])).get('x');
    expectCode(got, 'GITHUB_RATE_LIMITED');
    await expect(ghSource(url).head(ghRecipe('x'))).rejects.toMatchObject({ code: 'GITHUB_RATE_LIMITED' });
  });

  it('keeps the token out of errors when the server echoes the Authorization header', async () => {
    const echo: Handler = (req, res) => json({ message: `bad ${req.headers.authorization}` }, 500)(req, res);
    const fieldEcho: Handler = (req, res) =>
      json({ data: { rateLimit: {}, r0: null }, errors: [{ type: 'FORBIDDEN', path: ['r0'], message: `${req.headers.authorization}` }] })(
        req,
        res,
      );
    for (const [h, mode] of [
      [echo, 'graphql'],
      [echo, 'rest'],
      [fieldEcho, 'graphql'],
    ] as const) {
      const got = (await ghSource(route(h), { mode }).releases([ghRecipe('x')])).get('x');
      expect(got).toBeInstanceOf(PkgtrackError);
      expectNoToken(got);
    }
  });

  it('gives up on a server that never answers or trickles (was: waited for ever)', async () => {
    const t0 = performance.now();
    const [silent, slow] = await Promise.all([
      ghSource(
        route(() => {}),
        { timeoutMs: 300 },
      ).releases([ghRecipe('x')]),
      ghSource(route(trickle({ 'content-type': 'application/json' })), { timeoutMs: 300 }).releases([ghRecipe('x')]),
    ]);
    expect(silent.get('x')).toBeInstanceOf(PkgtrackError);
    expect(slow.get('x')).toBeInstanceOf(PkgtrackError);
    expect(performance.now() - t0).toBeLessThan(8000);
  });

  it('cuts off an endless answer instead of buffering it', async () => {
    const t0 = performance.now();
    const got = (
      await ghSource(route(flood(400, 10, { 'content-type': 'application/json' })), { timeoutMs: 3000 }).releases([ghRecipe('x')])
    ).get('x');
    expectCode(got, 'GITHUB_MALFORMED_RESPONSE');
    expect(performance.now() - t0).toBeLessThan(6000);
  });

  it('reports malformed head() and REST answers as GITHUB_MALFORMED_RESPONSE (was: TypeErrors)', async () => {
    for (const body of ['{"data":{"repo', { data: { repository: { url: 'u', defaultBranchRef: { name: 'main', target: null } } } }]) {
      await expect(ghSource(route(json(body))).head(ghRecipe('x'))).rejects.toMatchObject({ code: 'GITHUB_MALFORMED_RESPONSE' });
    }
    for (const [body, extra] of [
      [[null], {}],
      [{}, { use: 'tags' as const }],
      [[{ tag_name: 'v1', assets: [null] }], { asset: '.*' }],
    ] as const) {
      const got = (await ghSource(route(json(body)), { mode: 'rest' }).releases([ghRecipe('x', extra)])).get('x');
      expectCode(got, 'GITHUB_MALFORMED_RESPONSE');
    }
  });
});

// --- seeded sweep -------------------------------------------------------------------------------

const ODD: unknown[] = [null, [], {}, '', 'x', 0, -1, 1e308, true, [null], { nodes: null }, '<html>', Number.MAX_SAFE_INTEGER];

/** `v` with one value somewhere inside replaced by an odd one (or a key dropped). */
function mutateValue(rnd: Rnd, v: unknown, depth = 0): unknown {
  if (depth > 0 && randomInt(rnd, 4) === 0) return randomPick(rnd, ODD);
  if (Array.isArray(v)) {
    if (!v.length) return randomPick(rnd, ODD);
    const i = randomInt(rnd, v.length);
    return v.map((x, j) => (j === i ? mutateValue(rnd, x, depth + 1) : x));
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) return randomPick(rnd, ODD);
    const k = randomPick(rnd, keys);
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    if (randomInt(rnd, 5) === 0) delete copy[k];
    else copy[k] = mutateValue(rnd, copy[k], depth + 1);
    return copy;
  }
  return randomPick(rnd, ODD);
}

/** Bytes with a few flips, cuts and insertions. */
function mutateText(rnd: Rnd, s: string): string {
  let t = s;
  for (let k = 1 + randomInt(rnd, 3); k--; ) {
    const i = randomInt(rnd, t.length + 1);
    const op = randomInt(rnd, 5);
    if (op === 0) t = t.slice(0, i);
    else if (op === 1)
      t = t.slice(0, i) + randomPick(rnd, ['"', '{', ']', '\\', '\u0000', '<a href=', '../', '&amp;', '\ufffd']) + t.slice(i);
    else if (op === 2) t = t.slice(0, i) + t.slice(i + 1 + randomInt(rnd, 20));
    else if (op === 3) t = t.slice(0, i) + t.slice(randomInt(rnd, t.length), randomInt(rnd, t.length)) + t.slice(i);
    else t = t.slice(0, i) + String.fromCharCode((t.charCodeAt(i) || 65) ^ (1 << randomInt(rnd, 7))) + t.slice(i + 1);
  }
  return t;
}

/** An answer: a mutated body with a random status, content type and (sometimes broken) gzip. */
function hostileHandler(rnd: Rnd, body: string): Handler {
  const status = randomPick(rnd, [200, 200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 418, 429, 500, 503]);
  const type = randomPick(rnd, ['application/json', 'application/json; charset=utf-8', 'text/html', 'application/octet-stream', '']);
  const gz = randomInt(rnd, 6);
  const extra: Record<string, string> = {};
  if (status === 403 || status === 429 || randomInt(rnd, 8) === 0)
    extra[randomPick(rnd, ['retry-after', 'x-ratelimit-reset'])] = randomPick(rnd, ['0', '-3', '1e308', 'soon', 'NaN', '1']);
  if (randomInt(rnd, 8) === 0) extra['x-ratelimit-remaining'] = '0';
  if (status === 301) extra.location = randomPick(rnd, ['/loop', 'file:///etc/passwd', 'javascript:1']);
  let bytes: Buffer = Buffer.from(body);
  if (gz === 0) {
    bytes = gzipSync(bytes);
    bytes[randomInt(rnd, bytes.length)]! ^= 0x5a;
    extra['content-encoding'] = 'gzip';
  } else if (gz === 1) {
    bytes = gzipSync(bytes);
    extra['content-encoding'] = 'gzip';
  }
  return (_req, res) => {
    res.writeHead(status, { ...(type ? { 'content-type': type } : {}), ...extra });
    res.end(status === 204 ? undefined : bytes);
  };
}

describe('seeded sweep of mutated answers', () => {
  it('ends every github answer in releases or a coded PkgtrackError, without the token', async () => {
    const rnd = seededRandom(20240611);
    const goodGql = graphqlAnswer(repoAnswer('a', [release('v1.0'), release('v2.0')]), {
      nameWithOwner: 'org/b',
      url: 'https://github.com/org/b',
      refs: { nodes: [{ name: 'v3.0', target: { __typename: 'Tag', oid: 'b'.repeat(40), target: { oid: 'c'.repeat(40) } } }] },
    });
    const goodRest = [{ tag_name: 'v1.0', draft: false, prerelease: false, published_at: null, assets: [] }];
    const bad: string[] = [];
    const cases = Array.from({ length: 240 }, (_, i) => {
      const rest = i % 4 === 3;
      const good = rest ? goodRest : goodGql;
      const body = randomInt(rnd, 3) === 0 ? mutateText(rnd, JSON.stringify(good)) : JSON.stringify(mutateValue(rnd, good));
      return { i, rest, body, url: route(hostileHandler(rnd, body)) };
    });
    for (let k = 0; k < cases.length; k += 40) {
      await Promise.all(
        cases.slice(k, k + 40).map(async ({ i, rest, body, url }) => {
          const src = ghSource(url, { mode: rest ? 'rest' : 'graphql', maxWaitSeconds: 2, timeoutMs: 2000 });
          const recipes = [ghRecipe('a', { asset: '\\.tar\\.gz$' }), ghRecipe('b', { use: 'tags' })];
          const problem = await badOutcome(`case ${i} (${body.slice(0, 120)})`, async () => {
            const got = await src.releases(recipes);
            for (const r of recipes) {
              const v = got.get(r.recipe);
              if (v instanceof Error) throw v;
              expectNoToken(v);
            }
          });
          if (problem) bad.push(problem);
        }),
      );
    }
    expect(bad).toEqual([]);
  }, 30_000);

  it('ends every index page in releases or a coded PkgtrackError', async () => {
    const rnd = seededRandom(77);
    const page = `<html><a href="foo-1.0.tar.gz">1</a> <a href='../up/foo-2.0.tar.gz'>2</a> <a href=http://other.example/foo-3.0.tar.gz>3</a>
      <a href="foo-1.10.tar.gz.asc">s</a> foo-9.9.tar.gz <a href="javascript:alert(1)">j</a><a href="foo-v.tar.gz">x</a></html>`;
    const bad: string[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const body = mutateText(rnd, page);
        const url = route(hostileHandler(rnd, body));
        const problem = await badOutcome(`page ${i} (${JSON.stringify(body).slice(0, 120)})`, async () => {
          const got = await httpResult(url, 2000);
          if (got instanceof Error) throw got;
          for (const r of got) if (r.sourceUrl) expect(r.sourceUrl).toMatch(/^https?:\/\//);
        });
        if (problem) bad.push(problem);
      }),
    );
    expect(bad).toEqual([]);
  });
});
