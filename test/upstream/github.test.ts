/**
 * The github source against the fake GitHub (GraphQL executed on GitHub's schema, REST with
 * ETags and injected faults). Waits are scaled down (msPerSecond) so rate-limit tests are quick,
 * yet the source must still wait as asked and retry.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { recordingProgress } from '../../src/core/progress.js';
import { redact } from '../../src/core/secrets.js';
import { tagToVersion } from '../../src/formats/versions.js';
import type { UpstreamConfig } from '../../src/recipe/schema.js';
import { GithubRateLimited } from '../../src/upstream/github-client.js';
import { buildReleasesQuery } from '../../src/upstream/github-query.js';
import { GithubSource } from '../../src/upstream/github.js';
import { memoryHttpCache } from '../../src/upstream/http-cache.js';
import type { RecipeUpstream } from '../../src/upstream/source.js';
import { type FakeGithub, fakeDigest, fakeSha, runGraphql, simpleRepo, startFakeGithub } from '../fakes/github/index.js';

const TOKEN = 'ghp_faketoken0123456789';
let gh: FakeGithub;

beforeAll(async () => {
  gh = await startFakeGithub({ token: TOKEN });
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.reset();
  gh.repos.clear();
});

function recipe(name: string, repo: string, extra: Partial<Extract<UpstreamConfig, { kind: 'github' }>> = {}): RecipeUpstream {
  return {
    recipe: name,
    config: { kind: 'github', repo, use: 'releases', prereleases: false, ...extra },
    tagToVersion: (t) => tagToVersion(t),
  };
}

const source = (extra: ConstructorParameters<typeof GithubSource>[0] = {}) =>
  new GithubSource({ baseUrl: gh.url, token: TOKEN, msPerSecond: 5, maxWaitSeconds: 60, ...extra });

describe('github source over GraphQL', () => {
  it('asks for 250 repositories in 3 queries and gets every newest release right', async () => {
    const recipes: RecipeUpstream[] = [];
    for (let i = 0; i < 250; i++) {
      const versions = ['1.0.0', `1.${i % 7}.0`, `2.${i}.0`, `2.${i}.1-rc1`];
      gh.setRepo(simpleRepo(`org${i % 5}`, `proj${i}`, versions, { prerelease: [`2.${i}.1-rc1`] }));
      recipes.push(recipe(`proj${i}`, `org${i % 5}/proj${i}`));
    }
    const got = await source().releases(recipes);
    const graphql = gh.requests.filter((r) => r.path === '/graphql');
    expect(graphql.length).toBe(3);
    expect(graphql.map((r) => r.graphqlFields)).toEqual([101, 101, 51]); // + rateLimit
    expect(graphql.every((r) => r.status === 200 && r.authorization === `token ${TOKEN}`)).toBe(true);
    for (let i = 0; i < 250; i++) {
      const rels = got.get(`proj${i}`);
      expect(Array.isArray(rels), String(rels)).toBe(true);
      if (!Array.isArray(rels)) continue;
      expect(rels[0]?.version).toBe(`2.${i}.0`); // the prerelease is skipped
      expect(rels[0]?.commit).toBe(fakeSha(`org${i % 5}/proj${i}@2.${i}.0`));
      expect(rels[0]?.sourceUrl).toBe(`https://github.com/org${i % 5}/proj${i}/archive/refs/tags/v2.${i}.0.tar.gz`);
    }
  });

  it('builds queries GitHub accepts, and the fake rejects what GitHub would', () => {
    const rate = { limit: 5000, remaining: 5000, used: 0, resetAt: 0 };
    const { query, variables } = buildReleasesQuery([
      { alias: 'r0', owner: 'a', name: 'b', use: 'releases', withAssets: true },
      { alias: 'r1', owner: 'a', name: 'c', use: 'tags', withAssets: false },
    ]);
    gh.setRepo(simpleRepo('a', 'b', ['1.0']));
    const ok = runGraphql(gh.repos, query, variables, rate);
    expect((ok.body.errors ?? []).filter((e) => (e as { type?: string }).type !== 'NOT_FOUND')).toEqual([]);
    expect(ok.body.data).toMatchObject({ r0: { nameWithOwner: 'a/b' }, r1: null });
    const bad = runGraphql(gh.repos, query.replace('isPrerelease', 'isPreRelease'), variables, rate);
    expect((bad.body.errors as Array<{ message: string }>).map((e) => e.message).join('\n')).toMatch(
      /Cannot query field "isPreRelease" on type "Release"/,
    );
    const unpaged = runGraphql(gh.repos, '{ repository(owner: "a", name: "b") { releases { nodes { tagName } } } }', {}, rate);
    expect(JSON.stringify(unpaged.body.errors)).toMatch(/must provide a `first` or `last`/);
  });

  it('follows tags (annotated ones peeled), prereleases when allowed, and skips drafts', async () => {
    const repo = simpleRepo('o', 'tagged', ['1.0', '1.1', '2.0-beta1'], { prerelease: ['2.0-beta1'], draft: ['1.1'] });
    repo.tags![1] = { ...repo.tags![1]!, tagObject: fakeSha('tag-object-1.1') };
    gh.setRepo(repo);
    const got = await source().releases([
      recipe('t', 'o/tagged', { use: 'tags' }),
      recipe('pre', 'o/tagged', { prereleases: true }),
      recipe('stable', 'o/tagged'),
    ]);
    const t = got.get('t') as Array<{ version: string; commit?: string; tag?: string }>;
    expect(t.map((r) => r.version)).toEqual(['2.0-beta1', '1.1', '1.0']);
    expect(t[1]?.commit).toBe(fakeSha('o/tagged@1.1')); // the commit, not the tag object
    expect((got.get('pre') as Array<{ version: string }>).map((r) => r.version)).toEqual(['2.0-beta1', '1.0']);
    expect((got.get('stable') as Array<{ version: string }>).map((r) => r.version)).toEqual(['1.0']);
  });

  it('reports a missing repository for that recipe only', async () => {
    gh.setRepo(simpleRepo('o', 'here', ['1.0']));
    const got = await source().releases([recipe('here', 'o/here'), recipe('gone', 'o/gone')]);
    expect((got.get('here') as Array<{ version: string }>)[0]?.version).toBe('1.0');
    const err = got.get('gone');
    expect(isPkgtrackError(err) && err.kind === 'not-found' && /o\/gone/.test(err.message)).toBe(true);
  });

  it('picks the asset, and gets its SHA-256 over REST with ETag revalidation (304 the second time)', async () => {
    gh.setRepo(simpleRepo('o', 'assets', ['1.0', '1.2']));
    const cache = memoryHttpCache();
    const r = recipe('assets', 'o/assets', { asset: '\\.tar\\.gz$' });
    const first = (await source({ cache }).releases([r])).get('assets') as Array<{ version: string; sha256?: string; sourceUrl?: string }>;
    expect(first[0]).toMatchObject({
      version: '1.2',
      sha256: fakeDigest('o/assets-1.2.tar.gz').slice(7),
      sourceUrl: 'https://github.com/o/assets/releases/download/v1.2/assets-1.2.tar.gz',
    });
    gh.reset();
    const second = (await source({ cache }).releases([r])).get('assets') as Array<{ sha256?: string }>;
    expect(second[0]?.sha256).toBe(first[0]?.sha256);
    const rest = gh.requests.filter((q) => q.path.startsWith('/repos/'));
    expect(rest.map((q) => q.status)).toEqual([304]);
    expect(rest[0]?.ifNoneMatch).toBeTruthy();
  });

  it('never puts the token in errors or progress', async () => {
    const progress = recordingProgress();
    const got = await new GithubSource({ baseUrl: gh.url, token: 'ghp_wrongtoken999', msPerSecond: 5, progress }).releases([
      recipe('x', 'o/x'),
    ]);
    const err = got.get('x');
    expect(isPkgtrackError(err) && err.code === 'GITHUB_UNAUTHORIZED').toBe(true);
    expect(redact(`${(err as Error).message} ${progress.lines.join(' ')}`)).not.toContain('ghp_wrongtoken999');
    expect(`${(err as Error).message}`).not.toContain('ghp_wrongtoken999');
  });
});

describe('github source under rate limits and faults', () => {
  beforeEach(() => gh.setRepo(simpleRepo('o', 'p', ['1.0', '1.1'])));
  const latest = async (src = source()) => {
    const got = (await src.releases([recipe('p', 'o/p')])).get('p');
    if (!Array.isArray(got)) throw got;
    return got[0]?.version;
  };

  it('waits out a 429 with Retry-After, then succeeds', async () => {
    gh.fail({ path: '/graphql', status: 429, retryAfter: 2 });
    const t0 = Date.now();
    expect(await latest()).toBe('1.1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10); // 2 s scaled to 5 ms/s
    expect(gh.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries a 429 without Retry-After after the minute GitHub asks for', async () => {
    gh.fail({ path: '/graphql', status: 429 });
    expect(await latest()).toBe('1.1');
    expect(gh.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('handles a secondary rate limit (403) and a primary one (remaining 0, reset time)', async () => {
    gh.fail({ path: '/graphql', status: 403, secondary: true, retryAfter: 1 });
    expect(await latest()).toBe('1.1');
    gh.reset();
    gh.fail({ path: '/graphql', status: 403, rateLimitResetIn: 3 });
    expect(await latest()).toBe('1.1');
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200]);
  });

  it('retries 5xx and truncated JSON', async () => {
    gh.fail({ path: '/graphql', status: 502 });
    gh.fail({ path: '/graphql', status: 200, truncate: 0.5 });
    expect(await latest()).toBe('1.1');
    expect(gh.requests.length).toBe(3);
  });

  it('gives up on a long wait and says which recipes were not checked and when to retry', async () => {
    for (let i = 0; i < 5; i++) gh.setRepo(simpleRepo('o', `q${i}`, ['1.0']));
    gh.fail({ path: '/graphql', status: 403, rateLimitResetIn: 3600, times: 5 });
    const got = await source({ batchSize: 2 }).releases([0, 1, 2, 3, 4].map((i) => recipe(`q${i}`, `o/q${i}`)));
    expect(gh.requests.length).toBe(1); // no hammering: the later batches are not even sent
    for (let i = 0; i < 5; i++) {
      const e = got.get(`q${i}`);
      expect(e).toBeInstanceOf(GithubRateLimited);
      const at = (e as GithubRateLimited).retryAt!.getTime();
      expect(at).toBeGreaterThan(Date.now() + 3500_000);
    }
  });

  it('stops on an exhausted GraphQL budget (200 with RATE_LIMITED) and gives the reset time', async () => {
    const empty = await startFakeGithub({ token: TOKEN, repos: [simpleRepo('o', 'p', ['1.0'])], rateLimit: 0 });
    try {
      const got = (await new GithubSource({ baseUrl: empty.url, token: TOKEN, msPerSecond: 5 }).releases([recipe('p', 'o/p')])).get('p');
      expect(got).toBeInstanceOf(GithubRateLimited);
      expect((got as GithubRateLimited).retryAt!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
      expect(empty.requests.length).toBe(1);
    } finally {
      await empty.close();
    }
  });

  it('falls back to one REST request per repository without a token', async () => {
    const noAuth = await startFakeGithub({ repos: [simpleRepo('o', 'p', ['1.0', '1.1'])] });
    try {
      const src = new GithubSource({ baseUrl: noAuth.url, token: '', msPerSecond: 5 });
      const got = (await src.releases([recipe('p', 'o/p')])).get('p') as Array<{ version: string }>;
      expect(got[0]?.version).toBe('1.1');
      expect(noAuth.requests.map((r) => r.path)).toEqual(['/repos/o/p/releases']);
    } finally {
      await noAuth.close();
    }
  });

  it('reads the head of the default branch and of a named branch', async () => {
    const repo = simpleRepo('o', 'h', ['1.0']);
    repo.branches = { main: fakeSha('main-head'), next: fakeSha('next-head') };
    gh.setRepo(repo);
    const src = source();
    expect((await src.head(recipe('h', 'o/h'))).commit).toBe(fakeSha('main-head'));
    expect((await src.head(recipe('h', 'o/h'), 'next')).commit).toBe(fakeSha('next-head'));
  });
});
