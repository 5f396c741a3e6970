/** Outcomes of readers fed hostile input (the fuzz tests): a result or a coded PkgtrackError, in time. */
import { PkgtrackError } from '../../src/core/errors.js';

/** A small input a reader takes longer than this on is a bug (a quadratic or endless loop). */
export const SLOW_MS = 2000;

/** undefined when `fn` returned or threw a coded PkgtrackError in time; else what went wrong. */
export async function badOutcome(what: string, fn: () => unknown): Promise<string | undefined> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof PkgtrackError) || !e.code) return `${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  const ms = performance.now() - t0;
  return ms > SLOW_MS ? `${what}: took ${Math.round(ms)} ms` : undefined;
}
