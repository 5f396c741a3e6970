/** Bounded concurrency: the one "N at a time" loop every layer uses. */

/**
 * `fn` over `items` with at most `limit` calls in flight; results in the items' order. A
 * rejection rejects the whole (the calls already started run to their end).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
