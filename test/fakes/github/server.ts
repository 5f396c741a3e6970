/**
 * A fake GitHub API on 127.0.0.1 for tests and benchmarks: GraphQL executed against GitHub's
 * schema (graphql.ts) and the REST endpoints pkgtrack uses, with ETag/304, rate-limit headers,
 * and injectable faults (403/429 with or without Retry-After, secondary rate limits, 5xx,
 * truncated JSON) plus optional added latency. Every request is logged for assertions.
 *
 *   const gh = await startFakeGithub({ repos: [simpleRepo('cli', 'cli', ['2.0.0'])] });
 *   gh.url  // base URL to give the client (GraphQL at `${url}/graphql`)
 *   gh.fail({ status: 429, retryAfter: 1 });  // next request
 *   await gh.close();
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runGraphql } from './graphql.js';
import { type FakeRepo, fullName } from './model.js';

export interface Fault {
  /** Only requests whose path starts with this (e.g. "/graphql", "/repos/") ; default: any. */
  path?: string;
  /** HTTP status to answer with (403, 429, 500, 502 ...); 200 with `truncate` for broken JSON. */
  status: number;
  /** Seconds in a Retry-After header. */
  retryAfter?: number;
  /** Answer as a primary rate limit: x-ratelimit-remaining 0 and a reset this many seconds ahead. */
  rateLimitResetIn?: number;
  /** Answer as a secondary rate limit (GitHub's message). */
  secondary?: boolean;
  /** Serve the real answer cut to this fraction of its length (truncated JSON). */
  truncate?: number;
  /** How many requests this fault applies to (default 1). */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  /** Top-level fields in a GraphQL query (repositories asked at once). */
  graphqlFields?: number;
  graphqlCost?: number;
  authorization?: string;
  ifNoneMatch?: string;
}

export interface FakeGithubOptions {
  repos?: FakeRepo[];
  /** Token the server requires (as `token X` or `Bearer X`); undefined: no auth required. */
  token?: string;
  /** Added latency per request in ms (benchmarks). */
  latencyMs?: number;
  /** Points per hour for GraphQL and requests per hour for REST. */
  rateLimit?: number;
}

export interface FakeGithub {
  url: string;
  requests: LoggedRequest[];
  repos: Map<string, FakeRepo>;
  latencyMs: number;
  setRepo(repo: FakeRepo): void;
  removeRepo(owner: string, name: string): void;
  /** Queue a fault for the next matching request(s). */
  fail(fault: Fault): void;
  /** Drop the request log and any faults not yet served. */
  reset(): void;
  close(): Promise<void>;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;

export async function startFakeGithub(opts: FakeGithubOptions = {}): Promise<FakeGithub> {
  const repos = new Map<string, FakeRepo>();
  for (const r of opts.repos ?? []) repos.set(fullName(r).toLowerCase(), r);
  const faults: Fault[] = [];
  const requests: LoggedRequest[] = [];
  const limit = opts.rateLimit ?? 5000;
  const rate = { limit, remaining: limit, used: 0, resetAt: Math.floor(Date.now() / 1000) + 3600 };
  const restRate = { limit, remaining: limit, used: 0, resetAt: rate.resetAt };
  let url = '';

  const state: FakeGithub = {
    url,
    requests,
    repos,
    latencyMs: opts.latencyMs ?? 0,
    setRepo: (r) => void repos.set(fullName(r).toLowerCase(), r),
    removeRepo: (o, n) => void repos.delete(`${o}/${n}`.toLowerCase()),
    fail: (f) => void faults.push({ times: 1, ...f }),
    reset: () => {
      requests.splice(0);
      faults.splice(0);
    },
    close: () => new Promise((res) => server.close(() => res())),
  };

  function takeFault(path: string): Fault | undefined {
    const i = faults.findIndex((f) => !f.path || path.startsWith(f.path));
    if (i < 0) return undefined;
    const f = faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const log: LoggedRequest = { method: req.method ?? 'GET', path, status: 0 };
    if (req.headers.authorization) log.authorization = req.headers.authorization;
    if (req.headers['if-none-match']) log.ifNoneMatch = String(req.headers['if-none-match']);
    requests.push(log);
    if (state.latencyMs) await new Promise((r) => setTimeout(r, state.latencyMs));
    const isGraphql = path === '/graphql' || path === '/api/graphql';
    const r = isGraphql ? rate : restRate;
    const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
      log.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': String(r.limit),
        'x-ratelimit-remaining': String(r.remaining),
        'x-ratelimit-used': String(r.used),
        'x-ratelimit-reset': String(r.resetAt),
        'x-ratelimit-resource': isGraphql ? 'graphql' : 'core',
        ...headers,
      });
      res.end(payload);
    };

    if (opts.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}` && auth !== `bearer ${opts.token}`) {
        return send(401, json({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }));
      }
    } else if (isGraphql && !req.headers.authorization) {
      return send(
        401,
        json({
          message: 'This endpoint requires you to be authenticated.',
          documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
        }),
      );
    }

    const fault = takeFault(path);
    if (fault && !fault.truncate) {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.rateLimitResetIn !== undefined) {
        r.remaining = 0;
        headers['x-ratelimit-remaining'] = '0';
        headers['x-ratelimit-reset'] = String(Math.floor(Date.now() / 1000) + fault.rateLimitResetIn);
      }
      const message = fault.secondary
        ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
        : fault.rateLimitResetIn !== undefined
          ? 'API rate limit exceeded for user ID 1.'
          : fault.status >= 500
            ? 'Server Error'
            : 'Forbidden';
      const out = send(
        fault.status,
        json({ message, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }),
        headers,
      );
      if (fault.rateLimitResetIn !== undefined) r.remaining = r.limit;
      return out;
    }
    const finish = (status: number, payload: string, headers: Record<string, string> = {}) =>
      send(status, fault?.truncate ? payload.slice(0, Math.floor(payload.length * fault.truncate)) : payload, headers);

    if (isGraphql) {
      if (req.method !== 'POST') return finish(404, json({ message: 'Not Found' }));
      let parsed: { query?: unknown; variables?: Record<string, unknown> };
      try {
        parsed = JSON.parse(body);
      } catch {
        return finish(400, json({ message: 'Problems parsing JSON' }));
      }
      const out = runGraphql(repos, parsed.query, parsed.variables, rate);
      log.graphqlFields = out.topLevelFields;
      log.graphqlCost = out.cost;
      return finish(200, json(out.body));
    }

    // REST write used by `patches forward`: open a pull request (needs the token when one is set).
    const createPull = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (req.method === 'POST' && createPull) {
      const repo = repos.get(`${createPull[1]}/${createPull[2]}`.toLowerCase());
      if (!repo) return finish(404, json({ message: 'Not Found' }));
      let input: { title?: string; head?: string; base?: string; body?: string };
      try {
        input = JSON.parse(body);
      } catch {
        return finish(400, json({ message: 'Problems parsing JSON' }));
      }
      if (!input.title || !input.head || !input.base)
        return finish(422, json({ message: 'Validation Failed', errors: [{ field: 'title/head/base', code: 'missing_field' }] }));
      const number = Math.max(0, ...(repo.pulls ?? []).map((p) => p.number), ...(repo.issues ?? []).map((i) => i.number)) + 1;
      repo.pulls = [
        ...(repo.pulls ?? []),
        { number, title: input.title, state: 'OPEN', headRefName: input.head, body: input.body ?? '', baseRefName: input.base },
      ];
      return finish(
        201,
        json({ number, state: 'open', title: input.title, html_url: `https://github.com/${fullName(repo)}/pull/${number}` }),
      );
    }

    // REST, GET only: conditional requests get 304 (which GitHub does not count against the limit).
    if (req.method !== 'GET') return finish(404, json({ message: 'Not Found' }));
    if (path === '/rate_limit') {
      const one = (x: typeof rate) => ({ limit: x.limit, remaining: x.remaining, used: x.used, reset: x.resetAt });
      return finish(200, json({ resources: { core: one(restRate), graphql: one(rate) }, rate: one(restRate) }));
    }
    const payload = rest(path, repos);
    if (payload === undefined) return finish(404, json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }));
    const text = json(payload);
    const etag = `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
    const inm = req.headers['if-none-match'];
    if (inm && (inm === etag || inm === `W/${etag}`)) return send(304, '', { etag });
    r.remaining = Math.max(0, r.remaining - 1);
    r.used++;
    return finish(200, text, { etag });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(json({ message: `fake github bug: ${e.message}` }));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.url = url;
  return state;
}

/** The REST resources (subset of api.github.com) as plain objects; undefined = 404. */
function rest(path: string, repos: ReadonlyMap<string, FakeRepo>): unknown {
  const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return undefined;
  const repo = repos.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`.toLowerCase());
  if (!repo) return undefined;
  const sub = m[3] ?? '';
  const name = fullName(repo);
  const release = (r: NonNullable<FakeRepo['releases']>[number]) => ({
    tag_name: r.tagName,
    name: r.name ?? r.tagName,
    draft: r.isDraft ?? false,
    prerelease: r.isPrerelease ?? false,
    published_at: r.isDraft ? null : (r.publishedAt ?? null),
    html_url: `https://github.com/${name}/releases/tag/${r.tagName}`,
    tarball_url: `https://api.github.com/repos/${name}/tarball/${r.tagName}`,
    assets: (r.assets ?? []).map((a) => ({
      name: a.name,
      size: a.size ?? 0,
      content_type: a.contentType ?? 'application/octet-stream',
      digest: a.digest ?? null,
      browser_download_url: `https://github.com/${name}/releases/download/${r.tagName}/${a.name}`,
    })),
  });
  const byTime = [...(repo.releases ?? [])].sort((a, b) => (b.publishedAt ?? '').localeCompare(a.publishedAt ?? ''));
  if (sub === '') return { full_name: name, default_branch: repo.defaultBranch ?? 'main', private: repo.isPrivate ?? false };
  if (sub === '/releases') return byTime.map(release);
  if (sub === '/releases/latest') {
    const r = byTime.find((x) => !x.isDraft && !x.isPrerelease);
    return r ? release(r) : undefined;
  }
  const tagRel = /^\/releases\/tags\/(.+)$/.exec(sub);
  if (tagRel) {
    const r = repo.releases?.find((x) => x.tagName === decodeURIComponent(tagRel[1]!));
    return r ? release(r) : undefined;
  }
  if (sub === '/tags') {
    return [...(repo.tags ?? [])]
      .sort((a, b) => (b.committedAt ?? '').localeCompare(a.committedAt ?? ''))
      .map((t) => ({
        name: t.name,
        commit: { sha: t.commit, url: '' },
        tarball_url: `https://api.github.com/repos/${name}/tarball/refs/tags/${t.name}`,
      }));
  }
  const pull = /^\/pulls\/(\d+)$/.exec(sub);
  if (pull) {
    const p = repo.pulls?.find((x) => x.number === Number(pull[1]));
    return p
      ? {
          number: p.number,
          title: p.title ?? '',
          state: p.state === 'OPEN' ? 'open' : 'closed',
          merged: p.state === 'MERGED',
          merged_at: p.mergedAt ?? null,
        }
      : undefined;
  }
  const issue = /^\/issues\/(\d+)$/.exec(sub);
  if (issue) {
    const i = repo.issues?.find((x) => x.number === Number(issue[1]));
    return i
      ? { number: i.number, title: i.title ?? '', state: i.state.toLowerCase(), state_reason: i.stateReason?.toLowerCase() ?? null }
      : undefined;
  }
  return undefined;
}
