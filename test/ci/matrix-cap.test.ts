/** `ci matrix` within GitHub's limit of 256 jobs per matrix: whole recipes wait for the next run. */
import { describe, expect, it } from 'vitest';
import { capMatrix, MAX_MATRIX_JOBS, type MatrixResult } from '../../src/services/ci/matrix.js';

const plan = (recipes: number, targets: number): MatrixResult => ({
  channel: 'trunk',
  matrix: {
    include: Array.from({ length: recipes }, (_, r) =>
      Array.from({ length: targets }, (_, t) => ({
        recipe: `r${r}`,
        target: `debian:t${t}`,
        arch: 'amd64',
        runner: 'ubuntu-24.04',
        emulated: false,
        channel: 'trunk' as const,
        commit: 'abc1234',
      })),
    ).flat(),
  },
  skipped: [],
  problems: [],
});

describe('capMatrix', () => {
  it('leaves a matrix within the limit as it is', () => {
    const p = plan(85, 3);
    expect(capMatrix(p)).toBe(0);
    expect(p.matrix.include).toHaveLength(255);
    expect(p.skipped).toEqual([]);
  });

  it('defers whole recipes past the limit, never part of one, and says why', () => {
    const p = plan(100, 3); // 300 cells
    expect(capMatrix(p)).toBe(15);
    expect(p.matrix.include).toHaveLength(255);
    expect(p.matrix.include.length).toBeLessThanOrEqual(MAX_MATRIX_JOBS);
    const kept = new Set(p.matrix.include.map((c) => c.recipe));
    for (const r of kept) expect(p.matrix.include.filter((c) => c.recipe === r)).toHaveLength(3);
    expect(p.skipped.map((s) => s.recipe)).toEqual(Array.from({ length: 15 }, (_, i) => `r${85 + i}`));
    expect(p.skipped[0]!.reason).toMatch(/deferred to the next run: 3 job\(s\) over GitHub's limit of 256/);
  });

  it('refuses one recipe that alone exceeds the limit, naming it', () => {
    expect(() => capMatrix(plan(1, 300))).toThrow(/r0 alone has 300 targets to build/);
  });
});
