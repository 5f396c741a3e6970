/** Outcomes of readers fed hostile input (the fuzz tests): a result or a coded PkgtrackError, in time. */
import { expect } from 'vitest';
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

/** The outcomes of one step's readers that went wrong, each named with the step. */
export async function failuresOf(step: number, outcomes: Array<Promise<string | undefined>>): Promise<string[]> {
  return (await Promise.all(outcomes)).filter((f) => f !== undefined).map((f) => `step ${step}: ${f}`);
}

/** `fn`'s error (awaited), which must be a PkgtrackError; fails when it returns. */
export async function thrownPkgtrackError(fn: () => unknown): Promise<PkgtrackError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PkgtrackError);
    return e as PkgtrackError;
  }
  throw new Error('expected an error');
}
