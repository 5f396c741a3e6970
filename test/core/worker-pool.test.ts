/** WorkerPool: results matched to their jobs, typed errors rebuilt, a dying worker fails its jobs instead of hanging. */
import { describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { WorkerPool } from '../../src/core/worker-pool.js';

const MODULE = new URL('./fixtures/pool-worker.mjs', import.meta.url);

describe('WorkerPool', () => {
  it('answers every job with its own result; jobs asked in one tick go out in batches', async () => {
    const pool = new WorkerPool<{ op: string; n: number }, { square: number; batch: number }>(MODULE, { size: 2 });
    try {
      const out = await Promise.all(Array.from({ length: 100 }, (_, n) => pool.run({ op: 'square', n })));
      expect(out.map((r) => r.square)).toEqual(Array.from({ length: 100 }, (_, n) => n * n));
      expect(Math.max(...out.map((r) => r.batch))).toBe(50); // two messages of 50, not 100 of 1
    } finally {
      await pool.close();
    }
  });

  it('rebuilds a worker PkgtrackError (code, kind, fix, details) and plain errors with their errno', async () => {
    const pool = new WorkerPool<{ op: string; n: number }, { square: number }>(MODULE, { size: 1 });
    try {
      const e = await pool.run({ op: 'fail', n: 7 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PkgtrackError);
      expect(e).toMatchObject({ code: 'DEMO_BAD', kind: 'input', message: 'bad 7', fix: 'Do it right.', details: { field: 'n' } });
      await expect(pool.run({ op: 'errno', n: 0 })).rejects.toMatchObject({ message: 'no such file', code: 'ENOENT' });
      expect((await pool.run({ op: 'square', n: 3 })).square).toBe(9); // the pool still works
    } finally {
      await pool.close();
    }
  });

  it('fails the pending jobs when a worker dies instead of leaving them waiting', async () => {
    const pool = new WorkerPool<{ op: string; n: number }, { square: number }>(MODULE, { size: 1 });
    try {
      await expect(pool.run({ op: 'exit', n: 0 })).rejects.toThrow(/exited \(code 3\) with jobs pending/);
    } finally {
      await pool.close();
    }
  });
});
