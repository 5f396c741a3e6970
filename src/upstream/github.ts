/**
 * The `github` upstream: releases or tags of owner/repo. With a token, GraphQL in batches (one
 * aliased query for up to MAX_BATCH repositories); REST with ETag conditional requests for what
 * GraphQL does not serve (release asset digests), and as the fallback without a token (GitHub's
 * GraphQL API requires one). Failures are per recipe, never for the whole batch; when GitHub's
 * rate limit stops us, the recipes not checked carry GithubRateLimited with the time to retry.
 */
import { mapLimit } from '../core/concurrency.js';
import { notFound, PkgtrackError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { redact } from '../core/secrets.js';
import { compareUpstreamVersions } from '../formats/versions.js';
import { GithubClient, type GithubClientOptions, GithubRateLimited } from './github-client.js';
import {
  assetDigestFromRest,
  buildReleasesQuery,
  type GqlRepository,
  MAX_BATCH,
  malformedAnswer,
  type RepoQuery,
  releasesFromGraphql,
} from './github-query.js';
import type { HttpCache } from './http-cache.js';
import type { RecipeUpstream, UpstreamHead, UpstreamRelease, UpstreamSource } from './source.js';

export interface GithubSourceOptions extends GithubClientOptions {
  /** Repositories per GraphQL query (default 100). */
  batchSize?: number;
  /** GraphQL queries in flight at once (default 3). */
  concurrency?: number;
  /** ETag cache for REST requests (default: none, every request is a full one). */
  cache?: HttpCache;
  /** `rest`: one request per repository (no token, or benchmarks' baseline). Default: graphql with a token. */
  mode?: 'graphql' | 'rest';
  progress?: Progress;
}

type GithubUpstream = Extract<RecipeUpstream['config'], { kind: 'github' }>;

const byVersionDesc = (a: UpstreamRelease, b: UpstreamRelease) => compareUpstreamVersions(b.version, a.version);

export class GithubSource implements UpstreamSource {
  readonly kind = 'github' as const;
  private readonly clients = new Map<string, GithubClient>();

  constructor(private readonly opts: GithubSourceOptions = {}) {}

  /** The client for one API base URL (recipes may point at several GitHub Enterprise hosts). */
  client(apiUrl?: string): GithubClient {
    const key = apiUrl ?? this.opts.baseUrl ?? '';
    let c = this.clients.get(key);
    if (!c) {
      c = new GithubClient({ ...this.opts, ...(apiUrl ? { baseUrl: apiUrl } : {}) });
      this.clients.set(key, c);
    }
    return c;
  }

  /** Requests sent so far over all hosts. */
  get requests(): number {
    let n = 0;
    for (const c of this.clients.values()) n += c.requests;
    return n;
  }

  async releases(recipes: readonly RecipeUpstream[]): Promise<Map<string, UpstreamRelease[] | Error>> {
    const out = new Map<string, UpstreamRelease[] | Error>();
    const byHost = new Map<string, RecipeUpstream[]>();
    for (const r of recipes) {
      const cfg = r.config as GithubUpstream;
      const key = cfg.apiUrl ?? '';
      byHost.set(key, [...(byHost.get(key) ?? []), r]);
    }
    for (const [host, group] of byHost) {
      const client = this.client(host || undefined);
      const mode = this.opts.mode ?? (client.token ? 'graphql' : 'rest');
      if (mode === 'graphql') await this.viaGraphql(client, group, out);
      else {
        if (!client.token && !this.opts.mode) {
          this.opts.progress?.warn(
            `no GITHUB_TOKEN: asking ${client.baseUrl} once per repository over REST (60 requests/hour without a token)`,
          );
        }
        await this.viaRest(client, group, out);
      }
    }
    return out;
  }

  private async viaGraphql(client: GithubClient, group: RecipeUpstream[], out: Map<string, UpstreamRelease[] | Error>): Promise<void> {
    const size = Math.min(this.opts.batchSize ?? MAX_BATCH, MAX_BATCH);
    let stopped: GithubRateLimited | undefined;
    const starts = Array.from({ length: Math.ceil(group.length / size) }, (_, i) => i * size);
    const runBatch = async (start: number): Promise<void> => {
      const batch = group.slice(start, start + size);
      if (stopped) {
        for (const r of batch) out.set(r.recipe, stopped);
        return;
      }
      this.opts.progress?.step(`github: asking for ${batch.length} repositories in one query (${start + batch.length}/${group.length})`);
      const queries: RepoQuery[] = batch.map((r, i) => {
        const cfg = r.config as GithubUpstream;
        const [owner, name] = cfg.repo.split('/') as [string, string];
        return { alias: `r${i}`, owner, name, use: cfg.use, withAssets: cfg.asset !== undefined };
      });
      const { query, variables } = buildReleasesQuery(queries);
      let data: Record<string, GqlRepository | null> | undefined;
      let errors: Array<{ type?: string; path?: unknown[]; message: string }> = [];
      try {
        data = await client.withPolicy(
          async () => {
            try {
              return (await client.octokit.graphql<Record<string, GqlRepository | null>>(query, variables)) ?? undefined;
            } catch (e) {
              const ge = e as {
                name?: string;
                data?: Record<string, GqlRepository | null>;
                errors?: typeof errors;
                headers?: Record<string, string>;
              };
              if (ge.name !== 'GraphqlResponseError') throw e;
              // Partial answer: some aliases failed (e.g. NOT_FOUND), the rest is good.
              const errs = Array.isArray(ge.errors) ? ge.errors : [];
              if (errs.some((x) => x?.type === 'RATE_LIMITED')) {
                throw Object.assign(new Error('GraphQL rate limit exceeded'), { status: 403, response: { headers: ge.headers ?? {} } });
              }
              errors = errs;
              return ge.data ?? undefined;
            }
          },
          (d) => d === undefined || typeof d !== 'object' || d === null || !('rateLimit' in d),
        );
      } catch (e) {
        if (e instanceof GithubRateLimited) {
          stopped = e;
          for (const r of batch) out.set(r.recipe, e);
          return;
        }
        const err = asError(e, client.baseUrl);
        for (const r of batch) out.set(r.recipe, err);
        return;
      }
      for (const [i, r] of batch.entries()) {
        const cfg = r.config as GithubUpstream;
        const repo = data?.[`r${i}`];
        if (!repo) {
          const why = errors.find((x) => x?.path?.[0] === `r${i}`);
          out.set(
            r.recipe,
            why?.type === 'NOT_FOUND' || !why
              ? notFound(
                  'UPSTREAM_REPO_NOT_FOUND',
                  `GitHub has no repository ${cfg.repo} (or the token cannot see it)`,
                  'Check upstream.repo in the recipe.',
                  { field: 'upstream.repo', recipe: r.recipe },
                )
              : new PkgtrackError({
                  code: 'GITHUB_QUERY_FAILED',
                  kind: 'network',
                  message: `GitHub could not answer for ${cfg.repo}: ${redact(String(why.message))}`,
                }),
          );
          continue;
        }
        try {
          const rels = releasesFromGraphql(repo, { tagToVersion: r.tagToVersion, prereleases: cfg.prereleases, asset: cfg.asset });
          out.set(r.recipe, rels.sort(byVersionDesc));
        } catch (e) {
          // One repository's malformed answer fails that recipe only.
          out.set(r.recipe, asError(e, client.baseUrl));
        }
      }
      await this.addDigests(client, batch, out);
    };
    // A few queries in flight at once (GitHub tolerates modest concurrency for reads; the
    // throttling plugin still backs off on secondary limits). Later batches see `stopped`.
    // The first query goes alone: when GitHub says "rate limited", nothing else is sent.
    const [first, ...rest] = starts;
    if (first !== undefined) await runBatch(first);
    await mapLimit(rest, this.opts.concurrency ?? 3, runBatch);
  }

  /** REST, for the newest release of recipes that pick an asset: GitHub's SHA-256 of it (ETag-cached). */
  private async addDigests(client: GithubClient, batch: RecipeUpstream[], out: Map<string, UpstreamRelease[] | Error>): Promise<void> {
    for (const r of batch) {
      const cfg = r.config as GithubUpstream;
      const rels = out.get(r.recipe);
      if (cfg.asset === undefined || !Array.isArray(rels) || !rels[0]?.tag || !rels[0].sourceUrl) continue;
      const newest = rels[0];
      const [owner, repo] = cfg.repo.split('/') as [string, string];
      try {
        const body = await this.restGet(client, `/repos/${owner}/${repo}/releases/tags/${encodeURIComponent(newest.tag!)}`);
        const assetName = decodeURIComponent(newest.sourceUrl!.split('/').pop() ?? '');
        const sha = assetDigestFromRest(body, assetName);
        if (sha) newest.sha256 = sha;
      } catch (e) {
        if (e instanceof GithubRateLimited) return;
        this.opts.progress?.debug(`github: no asset digest for ${cfg.repo} ${newest.tag}: ${redact(String((e as Error).message))}`);
      }
    }
  }

  /** GET with If-None-Match from the cache; a 304 answers from the cache. */
  async restGet(client: GithubClient, path: string): Promise<unknown> {
    const url = `${client.baseUrl}${path}`;
    const cached = this.opts.cache?.get(url);
    return client.withPolicy(
      async () => {
        try {
          const res = await client.octokit.request(`GET ${path}`, { headers: cached ? { 'if-none-match': cached.etag } : {} });
          const etag = res.headers.etag;
          if (typeof res.data === 'string') return undefined; // truncated JSON comes back as text
          if (etag && this.opts.cache) this.opts.cache.set(url, { etag, body: JSON.stringify(res.data) });
          return res.data as unknown;
        } catch (e) {
          if ((e as { status?: number }).status === 304 && cached) return JSON.parse(cached.body) as unknown;
          throw e;
        }
      },
      (v) => v === undefined,
    );
  }

  private async viaRest(client: GithubClient, group: RecipeUpstream[], out: Map<string, UpstreamRelease[] | Error>): Promise<void> {
    let stopped: GithubRateLimited | undefined;
    let done = 0;
    for (const r of group) {
      if (stopped) {
        out.set(r.recipe, stopped);
        continue;
      }
      const cfg = r.config as GithubUpstream;
      const [owner, name] = cfg.repo.split('/') as [string, string];
      try {
        const body = await this.restGet(
          client,
          cfg.use === 'tags' ? `/repos/${owner}/${name}/tags?per_page=50` : `/repos/${owner}/${name}/releases?per_page=20`,
        );
        out.set(r.recipe, releasesFromRest(cfg, r, body).sort(byVersionDesc));
      } catch (e) {
        if (e instanceof GithubRateLimited) {
          stopped = e;
          out.set(r.recipe, e);
          continue;
        }
        out.set(
          r.recipe,
          (e as { status?: number }).status === 404
            ? notFound('UPSTREAM_REPO_NOT_FOUND', `GitHub has no repository ${cfg.repo}`, 'Check upstream.repo in the recipe.', {
                field: 'upstream.repo',
                recipe: r.recipe,
              })
            : asError(e, client.baseUrl),
        );
      }
      if (++done % 25 === 0) this.opts.progress?.step(`github: ${done}/${group.length} repositories`);
    }
  }

  async head(recipe: RecipeUpstream, branch?: string): Promise<UpstreamHead> {
    const cfg = recipe.config as GithubUpstream;
    const [owner, name] = cfg.repo.split('/') as [string, string];
    const client = this.client(cfg.apiUrl);
    const q = `query Head($o: String!, $n: String!, $q: String!) { repository(owner: $o, name: $n) { url defaultBranchRef { name target { oid ... on Commit { committedDate } } } ref(qualifiedName: $q) { name target { oid ... on Commit { committedDate } } } } }`;
    type Ref = { name: string; target: { oid: string; committedDate?: string } } | null;
    type Answer = { repository: { url: string; defaultBranchRef: Ref; ref: Ref } | null } | undefined;
    let data: Answer;
    try {
      // A truncated answer comes back as undefined (octokit returns the text's .data): asked again.
      data = await client.withPolicy(
        async () =>
          (await client.octokit.graphql<Answer>(q, {
            o: owner,
            n: name,
            q: `refs/heads/${branch ?? 'HEAD'}`,
          })) ?? undefined,
        (d) => typeof d !== 'object' || d === null || !('repository' in d),
      );
    } catch (e) {
      throw asError(e, client.baseUrl);
    }
    const repo = data!.repository;
    const ref = branch ? repo?.ref : repo?.defaultBranchRef;
    if (repo && ref && (typeof repo.url !== 'string' || typeof ref.name !== 'string' || typeof ref.target?.oid !== 'string'))
      throw malformedAnswer(`the branch of ${cfg.repo} has no name, commit or url`);
    if (!repo || !ref)
      throw notFound(
        'UPSTREAM_BRANCH_NOT_FOUND',
        `${cfg.repo} has no branch ${branch ?? '(default)'}`,
        'Check channels.trunk.branch in the recipe.',
      );
    return {
      branch: ref.name,
      commit: ref.target.oid,
      ...(typeof ref.target.committedDate === 'string' ? { committedAt: ref.target.committedDate } : {}),
      git: { url: `${repo.url}.git` },
    };
  }
}

interface RestAsset {
  name: string;
  browser_download_url: string;
  digest?: string | null;
}
interface RestRelease {
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
  assets?: RestAsset[];
}

function releasesFromRest(cfg: GithubUpstream, r: RecipeUpstream, body: unknown): UpstreamRelease[] {
  const web = `${cfg.apiUrl ? cfg.apiUrl.replace(/\/api\/v3\/?$/, '') : 'https://github.com'}/${cfg.repo}`;
  const archive = (tag: string) => `${web}/archive/refs/tags/${encodeURIComponent(tag)}.tar.gz`;
  const out: UpstreamRelease[] = [];
  // A list of objects, each with its tag name and (releases) a list of assets; else malformed.
  const ok =
    Array.isArray(body) &&
    body.every(
      (x) =>
        typeof x === 'object' &&
        x !== null &&
        typeof (cfg.use === 'tags' ? x.name : x.tag_name) === 'string' &&
        (x.assets === undefined ||
          (Array.isArray(x.assets) &&
            x.assets.every(
              (a: unknown) => typeof (a as RestAsset)?.name === 'string' && typeof (a as RestAsset).browser_download_url === 'string',
            ))),
    );
  if (!ok)
    throw malformedAnswer(
      `${cfg.repo}: ${cfg.use === 'tags' ? 'tags' : 'releases'} are not a list of ${cfg.use === 'tags' ? 'tags' : 'releases'}`,
    );
  if (cfg.use === 'tags') {
    for (const t of body as Array<{ name: string; commit?: { sha?: string } }>) {
      const version = r.tagToVersion(t.name);
      if (version === undefined) continue;
      out.push({
        version,
        tag: t.name,
        sourceUrl: archive(t.name),
        git: { url: `${web}.git`, ref: `refs/tags/${t.name}` },
        ...(typeof t.commit?.sha === 'string' ? { commit: t.commit.sha } : {}),
      });
    }
    return out;
  }
  const assetRe = cfg.asset !== undefined ? new RegExp(cfg.asset) : undefined;
  for (const rel of body as RestRelease[]) {
    if (rel.draft || (rel.prerelease && !cfg.prereleases)) continue;
    const version = r.tagToVersion(rel.tag_name);
    if (version === undefined) continue;
    const item: UpstreamRelease = {
      version,
      tag: rel.tag_name,
      prerelease: rel.prerelease === true,
      ...(typeof rel.published_at === 'string' ? { publishedAt: rel.published_at } : {}),
    };
    if (assetRe) {
      const asset = rel.assets?.find((a) => assetRe.test(a.name));
      if (!asset) continue;
      item.sourceUrl = asset.browser_download_url;
      const sha = assetDigestFromRest(rel, asset.name);
      if (sha) item.sha256 = sha;
    } else item.sourceUrl = archive(rel.tag_name);
    out.push(item);
  }
  return out;
}

function asError(e: unknown, baseUrl: string): Error {
  if (e instanceof PkgtrackError) return e;
  const status = (e as { status?: number }).status;
  if (status === 401) {
    return new PkgtrackError({
      code: 'GITHUB_UNAUTHORIZED',
      kind: 'environment',
      message: `${baseUrl} refused the token (HTTP 401)`,
      fix: 'Set GITHUB_TOKEN (or GH_TOKEN) to a valid token; it needs no scopes for public repositories.',
    });
  }
  return new PkgtrackError({
    code: 'GITHUB_UNREACHABLE',
    kind: 'network',
    // The message is the server's text: one echoing our Authorization header must not show the token.
    message: redact(`GitHub (${baseUrl}) failed: ${status ? `HTTP ${status}` : ''} ${(e as Error).message ?? String(e)}`.trim()),
    fix: 'Retry later; check the network or upstream.apiUrl.',
    cause: e,
  });
}
