/**
 * Reading many .debs on worker threads (core/worker-pool.ts): a cold publish of a thousand
 * packages spends most of its CPU reading, hashing and unpacking control members, which
 * apt-ftparchive does on one core.
 */
import { WorkerPool } from '../../core/worker-pool.js';
import type { Field } from '../../formats/deb822.js';

export interface DebRead {
  control: Field[];
  size: number;
  sha256: string;
}

export class DebReadPool {
  private readonly pool = new WorkerPool<{ path: string; stageTo?: string }, { deb: DebRead }>(
    new URL('./deb-read-worker.js', import.meta.url),
  );

  /** Read `path`; with `stageTo`, also write its bytes there (a new file: never overwritten). */
  async read(path: string, stageTo?: string): Promise<DebRead> {
    return (await this.pool.run({ path, ...(stageTo ? { stageTo } : {}) })).deb;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
