/**
 * The GitHub API client behind the github source: @octokit/core with the throttling and retry
 * plugins, a token from GITHUB_TOKEN/GH_TOKEN registered as a secret, a configurable base URL
 * (GitHub Enterprise), and one policy for rate limits: wait as GitHub asks (Retry-After, or the
 * x-ratelimit-reset time) when that is at most `maxWaitSeconds`, else give up with the time to
 * retry, which callers report per recipe.
 */
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { PkgtrackError } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import { githubToken } from './github-token.js';

const PluggedOctokit = Octokit.plugin(throttling, retry);
type Client = InstanceType<typeof PluggedOctokit>;

export const DEFAULT_GITHUB_API = 'https://api.github.com';

export interface GithubClientOptions {
  baseUrl?: string;
  /** Default: $GITHUB_TOKEN, else $GH_TOKEN. */
  token?: string;
  /** Longest wait we accept before retrying after a rate limit (default 60 s). */
  maxWaitSeconds?: number;
  /** Milliseconds per second of requested waiting; tests shrink it (default 1000). */
  msPerSecond?: number;
  progress?: Progress;
  fetch?: typeof fetch;
  /** Per request, the body included (default 120 s): a server that never finishes is given up on. */
  timeoutMs?: number;
}

/** Largest answer read (after decompression); ours are well under 10 MB. */
const MAX_ANSWER = 64 * 1024 * 1024;

/** GitHub said "not now": the time to retry, when it told us. */
export class GithubRateLimited extends PkgtrackError {
  constructor(
    readonly retryAt: Date | undefined,
    status: number,
  ) {
    super({
      code: 'GITHUB_RATE_LIMITED',
      kind: 'network',
      message: `GitHub rate limit hit (HTTP ${status})${retryAt ? `; retry after ${retryAt.toISOString()}` : ''}`,
      fix: `Run again ${retryAt ? `after ${retryAt.toISOString()}` : 'in a few minutes'}; set GITHUB_TOKEN for a higher limit.`,
      details: { status, ...(retryAt ? { retryAt: retryAt.toISOString() } : {}) },
    });
  }
}

/** A limiter that runs jobs at once: our GraphQL queries are reads, sent one after another by us. */
const immediate = {
  key: () => ({ schedule: (_opts: unknown, fn: (...a: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve(fn(...args)) }),
};

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/** When a 403/429 says to come back: Retry-After seconds or the x-ratelimit-reset epoch. */
export function retryAtOf(e: HttpishError, now = Date.now()): Date | undefined {
  const h = e.response?.headers ?? {};
  // A time past what Date can hold (retry-after: 1e308, a garbled reset) counts as no hint.
  const valid = (d: Date) => (Number.isNaN(d.getTime()) ? undefined : d);
  const ra = Number(h['retry-after']);
  if (h['retry-after'] !== undefined && Number.isFinite(ra)) return valid(new Date(now + ra * 1000));
  if ((h['x-ratelimit-remaining'] === '0' || /rate limit/i.test(e.message ?? '')) && h['x-ratelimit-reset']) {
    return valid(new Date(Number(h['x-ratelimit-reset']) * 1000 + 1000));
  }
  return undefined;
}

export function isRateLimit(e: HttpishError): boolean {
  if (e.status === 429) return true;
  // GraphQL answers 200 with errors[].type RATE_LIMITED; the throttling plugin raises it without a status.
  if (e.status === undefined && e.response && /rate limit/i.test(e.message ?? '')) return true;
  if (e.status !== 403) return false;
  const h = e.response?.headers ?? {};
  return h['retry-after'] !== undefined || h['x-ratelimit-remaining'] === '0' || /rate limit/i.test(e.message ?? '');
}

export class GithubClient {
  readonly octokit: Client;
  readonly baseUrl: string;
  readonly token: string | undefined;
  private readonly maxWait: number;
  private readonly ms: number;
  private readonly progress: Progress | undefined;
  /** Requests sent (including retries), for progress and benchmarks. */
  requests = 0;

  constructor(opts: GithubClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? process.env.PKGTRACK_GITHUB_API_URL ?? DEFAULT_GITHUB_API).replace(/\/+$/, '');
    this.token = githubToken(opts.token);
    this.maxWait = opts.maxWaitSeconds ?? 60;
    this.ms = opts.msPerSecond ?? 1000;
    this.progress = opts.progress;
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const counting: typeof fetch = async (input, init) => {
      this.requests++;
      // Octokit sets no time limit and reads whole bodies: both are bounded here.
      const timeout = AbortSignal.timeout(timeoutMs);
      const res = await (opts.fetch ?? fetch)(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
      return capped(res, MAX_ANSWER);
    };
    const wantRetry =
      (what: string) => (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
        const ok = retryCount < 2 && retryAfter <= this.maxWait;
        this.progress?.warn(
          `GitHub ${what} on ${options.method ?? 'GET'} ${options.url ?? ''}: ${ok ? `waiting ${retryAfter}s as asked` : 'giving up'}`,
        );
        return ok;
      };
    this.octokit = new PluggedOctokit({
      baseUrl: this.baseUrl,
      ...(this.token ? { auth: this.token } : {}),
      userAgent: 'pkgtrack',
      request: { fetch: counting },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      throttle: {
        onRateLimit: wantRetry('rate limit'),
        onSecondaryRateLimit: wantRetry('secondary rate limit'),
        retryAfterBaseValue: this.ms,
        // GraphQL requests would otherwise be paced one per second like writes; ours are reads.
        write: immediate as never,
      },
      // 429s are ours to handle (retryWithPolicy) so that Retry-After is honoured.
      retry: { retryAfterBaseValue: this.ms, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    });
  }

  /**
   * Run `fn`, waiting and retrying on rate limits the plugins did not absorb (a 429 or 403 with
   * Retry-After but without GitHub's usual wording) and on truncated/malformed answers
   * (`isMalformed`). Throws GithubRateLimited when waiting would exceed maxWaitSeconds.
   */
  async withPolicy<T>(fn: () => Promise<T>, isMalformed: (v: T) => boolean = () => false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let value: T;
      try {
        value = await fn();
      } catch (e) {
        const err = e as HttpishError;
        if (!isRateLimit(err)) throw e;
        const retryAt = retryAtOf(err);
        // Without a hint GitHub asks for at least a minute.
        const waitS = retryAt ? Math.max(0, (retryAt.getTime() - Date.now()) / 1000) : 60;
        if (attempt >= 2 || waitS > this.maxWait)
          throw new GithubRateLimited(retryAt ?? new Date(Date.now() + waitS * 1000), err.status ?? 429);
        this.progress?.warn(`GitHub answered ${err.status}: waiting ${Math.ceil(waitS)}s before retrying`);
        await sleep(waitS * this.ms);
        continue;
      }
      if (!isMalformed(value)) return value;
      if (attempt >= 2) {
        throw new PkgtrackError({
          code: 'GITHUB_MALFORMED_RESPONSE',
          kind: 'network',
          message: `GitHub (${this.baseUrl}) sent an incomplete or malformed answer three times`,
          fix: 'Retry later; check a proxy between you and GitHub.',
        });
      }
      this.progress?.warn('GitHub sent a malformed answer (truncated JSON?); retrying');
      await sleep(attempt * this.ms);
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `res` whose body errors once past `max` bytes (a Content-Length past it fails at once): an
 * endless answer or a gzip bomb ends as a malformed answer instead of filling memory.
 */
function capped(res: Response, max: number): Response {
  if (!res.body || [204, 205, 304].includes(res.status)) return res;
  if (Number(res.headers.get('content-length')) > max) {
    void res.body.cancel().catch(() => {});
    throw new Error(`the answer is larger than ${max} bytes`);
  }
  let size = 0;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        size += chunk.length;
        if (size > max) ctl.error(new Error(`the answer is larger than ${max} bytes`));
        else ctl.enqueue(chunk);
      },
    }),
  );
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, 'url', { value: res.url });
  return out;
}
