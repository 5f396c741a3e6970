/** One HTTP GET for upstream sources: typed errors for unreachable, missing and failing URLs. */
import type { ErrorCode } from '../core/error-codes.js';
import { PkgtrackError } from '../core/errors.js';
import { configuredRetries, fetchRetrying, type RetryOptions, retryNotice } from '../core/http-retry.js';
import type { Progress } from '../core/progress.js';
import { brokenOffReason, type StallTimer, withStallTimer } from '../core/stall-timer.js';

export interface UpstreamGetOptions {
  fetch?: typeof fetch | undefined;
  /** Give up after this long (default 5 minutes); 0: no limit (a big source file). */
  timeoutMs?: number;
  /**
   * Give up when no byte has come for this long (default 60 s), whatever timeoutMs says: a big
   * source file may take an hour, a server that stopped sending must not take for ever.
   */
  stallMs?: number;
  /** Error code and fix when the URL does not exist (404/410). */
  notFound: { code: ErrorCode; fix: string };
  /** Which recipe field to check when the host cannot be reached. */
  field: string;
  /** The fix when the server keeps failing (5xx after the retries); default: retry later. */
  failingFix?: string;
  headers?: Record<string, string>;
  /** Retries of a 5xx/429 answer or a failed connection (tests lower the waits). */
  retry?: Omit<RetryOptions, 'fetch'>;
  /** Where a retry is said. */
  progress?: Progress | undefined;
  /** Refuse a body past this many bytes (default 2 GiB), counted as it arrives (after decompression). */
  maxBytes?: number;
  /** Error code and fix for a body past maxBytes (default UPSTREAM_PAGE_TOO_LARGE). */
  tooLarge?: { code: ErrorCode; fix: string; kind?: 'input' | 'integrity' };
}

export function upstreamGet(url: string, o: UpstreamGetOptions): Promise<Uint8Array> {
  return withStallTimer(o.stallMs ?? 60_000, (stall) => getWith(url, o, stall));
}

async function getWith(url: string, o: UpstreamGetOptions, stall: StallTimer): Promise<Uint8Array> {
  let res: Response;
  const retries = o.retry?.retries ?? configuredRetries();
  const signal = o.timeoutMs === 0 ? stall.signal : AbortSignal.any([stall.signal, AbortSignal.timeout(o.timeoutMs ?? 300_000)]);
  const notice = retryNotice(o.progress);
  try {
    res = await fetchRetrying(
      url,
      { signal, ...(o.headers ? { headers: o.headers } : {}) },
      {
        // A retry's wait is no stall.
        onRetry: (info) => {
          stall.arm(info.delayMs);
          notice(info);
        },
        ...o.retry,
        retries,
        fetch: o.fetch,
      },
    );
  } catch (e) {
    throw new PkgtrackError({
      code: 'UPSTREAM_UNREACHABLE',
      kind: 'network',
      message: `cannot reach ${url}: ${(e as Error).message}`,
      fix: `Check the network and ${o.field}.`,
    });
  }
  if (res.status === 404 || res.status === 410) {
    throw new PkgtrackError({
      code: o.notFound.code,
      kind: 'not-found',
      message: `${url} does not exist (HTTP ${res.status})`,
      fix: o.notFound.fix,
    });
  }
  if (!res.ok)
    throw new PkgtrackError({
      code: 'UPSTREAM_HTTP_ERROR',
      kind: 'network',
      message: `GET ${url}: HTTP ${res.status}${retries ? ` (after ${retries + 1} attempts)` : ''}`,
      fix: `${o.failingFix ?? 'The server is failing; retry later'} (PKGTRACK_HTTP_RETRIES sets how often pkgtrack asks again).`,
    });
  return readBody(url, res, o, stall);
}

/**
 * The body, read chunk by chunk: a server that sends without end (or a gzip bomb undici inflates
 * for us) is cut off at maxBytes instead of filling memory, and a body that breaks off (reset,
 * corrupt gzip, the timeout while it trickles) is a typed error, not undici's bare TypeError.
 */
async function readBody(url: string, res: Response, o: UpstreamGetOptions, stall: StallTimer): Promise<Uint8Array> {
  const max = o.maxBytes ?? 2 * 1024 ** 3;
  const tooLarge = () => {
    const {
      code,
      fix,
      kind = 'input',
    } = o.tooLarge ?? {
      code: 'UPSTREAM_PAGE_TOO_LARGE',
      fix: `Check ${o.field}: it should point at an index, not this.`,
    };
    return new PkgtrackError({ code, kind, message: `${url} is larger than ${max} bytes`, fix, details: { url } });
  };
  // A declared length past the limit is refused before anything is read.
  if (Number(res.headers.get('content-length')) > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of (res.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
      stall.arm();
      size += chunk.length;
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (e) {
    await res.body?.cancel().catch(() => {});
    if (e instanceof PkgtrackError) throw e;
    throw new PkgtrackError({
      code: 'UPSTREAM_UNREACHABLE',
      kind: 'network',
      message: `reading ${url} failed after ${size} bytes: ${brokenOffReason(e)}`,
      fix: `Retry later; check the network, a proxy in between, and ${o.field}.`,
      details: { url },
    });
  }
  return Buffer.concat(chunks);
}
