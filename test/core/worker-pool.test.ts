/** WorkerPool: results matched to their jobs, typed errors rebuilt, a dying worker fails its jobs instead of hanging. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { WorkerPool } from '../../src/core/worker-pool.js';
import { tempDir } from '../helpers/cli.js';

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

  it('keeps the process alive while a job is out, and not once the pool is idle (a pool nobody closed does not hang the CLI)', () => {
    const script = `
      import { WorkerPool } from ${JSON.stringify(fileURLToPath(new URL('../../src/core/worker-pool.ts', import.meta.url)))};
      const pool = new WorkerPool(new URL(${JSON.stringify(MODULE.href)}), { size: 2 });
      const r = await pool.run({ op: 'slow', n: 4 });
      console.log('answered', r.square);
      // no pool.close(): the idle threads must not keep this process running
    `;
    const file = join(tempDir('pkgtrack-pool-'), 'idle-pool.mts');
    writeFileSync(file, script);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal, 'the process hung with an idle pool').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('answered 16'); // the slow answer arrived: busy threads kept it alive
    expect(Date.now() - t0).toBeLessThan(15_000);
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
