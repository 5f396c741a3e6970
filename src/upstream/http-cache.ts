/**
 * Conditional-request cache for upstream APIs: the last ETag and body per URL, so an unchanged
 * resource costs a 304 (free on GitHub's rate limit) instead of a full answer. The state store
 * provides a persistent one (services/upstream-cache.ts); tests use the in-memory one.
 */
export interface CachedResponse {
  etag: string;
  body: string;
}

export interface HttpCache {
  get(url: string): CachedResponse | undefined;
  set(url: string, entry: CachedResponse): void;
}

export function memoryHttpCache(): HttpCache & { entries: Map<string, CachedResponse> } {
  const entries = new Map<string, CachedResponse>();
  return { entries, get: (u) => entries.get(u), set: (u, e) => void entries.set(u, e) };
}
