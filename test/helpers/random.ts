/**
 * A small deterministic random generator (mulberry32) for property tests: the same cases on
 * every run, so a failure names its seed and step and can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator from seededRandom. */
export type Rnd = () => number;

/** An integer in [0, n). */
export const randomInt = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);

/** One of `a`, at random. */
export const randomPick = <T>(rnd: Rnd, a: readonly T[]): T => a[randomInt(rnd, a.length)]!;
