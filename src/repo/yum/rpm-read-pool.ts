/**
 * readRpmFile for many files: on worker threads (core/worker-pool.ts) when the compiled worker
 * is available, in-process otherwise. A worker can also write the pool copy from the bytes it
 * read (only for a package that needs no signing: one signed by a repository key, or any when
 * packages are not signed).
 */
import { readFile, stat } from 'node:fs/promises';
import { WorkerPool, workerModulesAvailable } from '../../core/worker-pool.js';
import { type NativeKeys, type RpmRead, readRpmFile } from './rpm-read.js';

export interface RpmJob {
  path: string;
  href: string;
  /** `time file` for the XML; default the file's mtime. */
  time?: number | undefined;
  /** Where to write the pool copy (a new file), when the package needs no signing. */
  stageTo?: string | undefined;
  /** Check the header signature against the keys (not for files already in our pool). */
  verify?: boolean | undefined;
}

export interface RpmJobResult {
  read: RpmRead;
  /** True when the bytes were written to `stageTo`. */
  staged: boolean;
  /** The file's bytes, when read in-process (a worker does not send them back). */
  bytes?: Uint8Array;
}

export interface RpmReader {
  read(job: RpmJob): Promise<RpmJobResult>;
  close(): Promise<void>;
}

export function rpmReader(opts: { files: number; keys?: NativeKeys | undefined; changelogLimit?: number | undefined }): RpmReader {
  if (opts.files > 8 && workerModulesAvailable()) {
    const pool = new WorkerPool<RpmJob, RpmJobResult>(new URL('./rpm-read-worker.js', import.meta.url), {
      workerData: { keys: opts.keys, changelogLimit: opts.changelogLimit },
    });
    return { read: (j) => pool.run(j), close: () => pool.close() };
  }
  return {
    async read(j) {
      const [bytes, st] = await Promise.all([readFile(j.path), stat(j.path)]);
      const time = j.time ?? Math.floor(st.mtimeMs / 1000);
      return {
        read: readRpmFile(bytes, j.path, { href: j.href, time, keys: opts.keys, changelogLimit: opts.changelogLimit }),
        staged: false,
        bytes,
      };
    },
    close: async () => undefined,
  };
}
