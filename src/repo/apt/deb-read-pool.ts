/**
 * Reading many .debs on worker threads (core/worker-pool.ts): a cold publish of a thousand
 * packages spends most of its CPU reading, hashing and unpacking control members, which
 * apt-ftparchive does on one core. Listing files for Contents (whole data.tar) likewise.
 */
import { WorkerPool, workerModulesAvailable } from '../../core/worker-pool.js';
import type { Field } from '../../formats/deb822.js';

export interface DebRead {
  control: Field[];
  size: number;
  sha256: string;
  /** The paths it installs, when the read was asked to list them (Contents). */
  files?: string[];
  /** The file as it was read (with `size`, its index-cache key): fstat of the open file. */
  ctimeUs: number;
  ino: number;
}

/** Where a worker writes the pool copy of what it read: beside its pool path, as a temporary of the transaction `tag`. */
export interface DebStage {
  root: string;
  tag: string;
  component: string;
  /**
   * The pool is a scratch copy (core/fsutil.ts markScratch: a publish to object storage, which
   * uploads it and removes it): the copy may be a hard link of the input, which is only read.
   */
  link?: boolean;
}

export interface DebJob {
  path: string;
  stage?: DebStage;
  listFiles?: boolean;
  /** Read as usual and list the paths it installs too (formats/deb-contents.ts debDataFiles). */
  alsoList?: boolean;
}

export interface DebStaged {
  /** The temporary holding the copy. */
  staged?: string;
  /** The pool directory, when this job created it (nothing in it for a sweep to look at). */
  madeDir?: string;
  /** The first directory the job created: it and those below it down to madeDir are new. */
  madeFrom?: string;
}

export class DebReadPool {
  /** A pool for reading `count` packages, when that is worth starting threads for (and they exist: see worker-pool). */
  static forMany(count: number): DebReadPool | undefined {
    return count > 16 && workerModulesAvailable() ? new DebReadPool() : undefined;
  }

  private readonly pool = new WorkerPool<DebJob, { deb?: DebRead & DebStaged; files?: string[] }>(
    new URL('./deb-read-worker.js', import.meta.url),
  );

  /** Read `path`; with `stage`, also write its bytes beside the pool path they belong at; with `alsoList`, list its files. */
  async read(path: string, stage?: DebStage, alsoList?: boolean): Promise<DebRead & DebStaged> {
    return (await this.pool.run({ path, ...(stage ? { stage } : {}), ...(alsoList ? { alsoList } : {}) })).deb!;
  }

  /** The paths `path` installs (formats/deb-contents.ts debDataFiles). */
  async listFiles(path: string): Promise<string[]> {
    return (await this.pool.run({ path, listFiles: true })).files!;
  }

  /** Stop the threads; again is a no-op. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
