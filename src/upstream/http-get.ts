/** One HTTP GET for upstream sources: typed errors for unreachable, missing and failing URLs. */
import type { ErrorCode } from '../core/error-codes.js';
import { PkgtrackError } from '../core/errors.js';
import { configuredRetries, fetchRetrying, type RetryOptions, retryNotice } from '../core/http-retry.js';
import type { Progress } from '../core/progress.js';

export interface UpstreamGetOptions {
  fetch?: typeof fetch | undefined;
  /** Give up after this long (default 5 minutes); 0: no limit (a big source file). */
  timeoutMs?: number;
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
}

export async function upstreamGet(url: string, o: UpstreamGetOptions): Promise<Uint8Array> {
  let res: Response;
  const retries = o.retry?.retries ?? configuredRetries();
  try {
    res = await fetchRetrying(
      url,
      {
        ...(o.timeoutMs === 0 ? {} : { signal: AbortSignal.timeout(o.timeoutMs ?? 300_000) }),
        ...(o.headers ? { headers: o.headers } : {}),
      },
      { onRetry: retryNotice(o.progress), ...o.retry, retries, fetch: o.fetch },
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
  return new Uint8Array(await res.arrayBuffer());
}
