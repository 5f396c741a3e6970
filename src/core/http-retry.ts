/**
 * GET with retries for the servers pkgtrack reads from (Debian mirrors, upstream release pages,
 * a published repository's public URL). A mirror mid-sync or behind a busy proxy answers 502,
 * 503 or 429 for a few seconds; one such answer must not fail a fetch, nor be reported as a
 * missing file. 404 and every other answer are final and returned at once.
 */
import type { Progress } from './progress.js';

/** Answers worth asking again: the server's trouble, not the request's. */
const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface RetryOptions {
  fetch?: typeof fetch | undefined;
  /** Retries after the first attempt; default PKGTRACK_HTTP_RETRIES or 3. */
  retries?: number;
  /** First wait; each later wait doubles. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait honoured from a Retry-After header. */
  maxDelayMs?: number;
  /** Told before each wait (progress lines on stderr: `retryNotice`). */
  onRetry?: (what: RetryEvent) => void;
}

export interface RetryEvent {
  url: string;
  /** The attempt about to be made (2 for the first retry) and how many there can be. */
  attempt: number;
  attempts: number;
  delayMs: number;
  reason: string;
}

/** A retry said as a warning: a user waiting on a failing mirror sees why, and for how long. */
export const retryNotice =
  (progress: Progress | undefined) =>
  (e: RetryEvent): void =>
    progress?.warn(`${e.url}: ${e.reason}; asking again in ${(e.delayMs / 1000).toFixed(1)} s (attempt ${e.attempt} of ${e.attempts})`);

const isTransientStatus = (status: number) => TRANSIENT.has(status);

/** Retries configured for this process: PKGTRACK_HTTP_RETRIES (0 turns them off), else 3. */
export function configuredRetries(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PKGTRACK_HTTP_RETRIES;
  const n = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 10) : 3;
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Wait `ms`, or less: the caller's signal ends the wait with its reason (a timeout that passes mid-wait). */
const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      done();
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener('abort', aborted, { once: true });
  });

/**
 * `fetch(url, init)` until it answers something other than a transient status, or the retries
 * are spent. Returns the last answer (the caller maps a final 5xx to its own error); throws the
 * last network error when the server could never be reached.
 */
export async function fetchRetrying(url: string | URL, init: RequestInit = {}, o: RetryOptions = {}): Promise<Response> {
  const f = o.fetch ?? fetch;
  const retries = o.retries ?? configuredRetries();
  const base = o.baseDelayMs ?? 500;
  const cap = o.maxDelayMs ?? 30_000;
  for (let attempt = 0; ; attempt++) {
    let res: Response | undefined;
    let failure: unknown;
    try {
      res = await f(url, init);
    } catch (e) {
      // A timeout or abort the caller asked for is not the server's hiccup.
      if (init.signal?.aborted) throw e;
      failure = e;
    }
    if (res && !isTransientStatus(res.status)) return res;
    if (attempt >= retries) {
      if (res) return res;
      throw failure;
    }
    const hinted = res ? retryAfterMs(res.headers.get('retry-after')) : undefined;
    const delayMs = Math.min(cap, hinted ?? base * 2 ** attempt);
    const reason = res ? `HTTP ${res.status}` : ((failure as Error)?.message ?? String(failure));
    await res?.body?.cancel().catch(() => {});
    o.onRetry?.({ url: String(url), attempt: attempt + 2, attempts: retries + 1, delayMs, reason });
    await sleep(delayMs, init.signal);
  }
}
