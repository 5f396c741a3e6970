/**
 * Reading many .debs on worker threads (core/worker-pool.ts): a cold publish of a thousand
 * packages spends most of its CPU reading, hashing and unpacking control members, which
 * apt-ftparchive does on one core. Listing files for Contents (whole data.tar) likewise.
 */
import { WorkerPool } from '../../core/worker-pool.js';
import type { Field } from '../../formats/deb822.js';

export interface DebRead {
  control: Field[];
  size: number;
  sha256: string;
}

export interface DebJob {
  path: string;
  stageTo?: string;
  listFiles?: boolean;
}

export class DebReadPool {
  private readonly pool = new WorkerPool<DebJob, { deb?: DebRead; files?: string[] }>(new URL('./deb-read-worker.js', import.meta.url));

  /** Read `path`; with `stageTo`, also write its bytes there (a new file: never overwritten). */
  async read(path: string, stageTo?: string): Promise<DebRead> {
    return (await this.pool.run({ path, ...(stageTo ? { stageTo } : {}) })).deb!;
  }

  /** The paths `path` installs (formats/deb-contents.ts debDataFiles). */
  async listFiles(path: string): Promise<string[]> {
    return (await this.pool.run({ path, listFiles: true })).files!;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
