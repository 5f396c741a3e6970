/**
 * Reading many .debs on worker threads: a cold publish of a thousand packages spends most of
 * its CPU reading, hashing and unpacking control members, and apt-ftparchive does all of it on
 * one core. Two workers (one per core, at most 4) read while the main thread places files and
 * renders indexes. Used from compiled code only (dist/): under a TypeScript loader the worker
 * module cannot be started the same way, and reading stays in-process (same code, same result).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PkgtrackError } from '../../core/errors.js';
import type { Field } from '../../formats/deb822.js';

export interface DebRead {
  control: Field[];
  size: number;
  sha256: string;
}

interface Reply {
  id: number;
  deb?: DebRead;
  error?: { code?: string; kind?: string; message: string; fix?: string; details?: Record<string, unknown>; errno?: string };
}

const WORKER = new URL('./deb-read-worker.js', import.meta.url);

/** True when the worker module exists as JavaScript next to this one (running from dist/). */
export function workersAvailable(): boolean {
  return fileURLToPath(import.meta.url).endsWith('.js');
}

export class DebReadPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (d: DebRead) => void; reject: (e: Error) => void }>();
  private next = 0;

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER);
      w.on('message', (m: Reply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.deb) p.resolve(m.deb);
        else p.reject(toError(m.error!));
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      return w;
    });
  }

  /** Read `path`; with `stageTo`, also write its bytes there (a new file: never overwritten). */
  read(path: string, stageTo?: string): Promise<DebRead> {
    const id = this.next++;
    return new Promise<DebRead>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, path, ...(stageTo ? { stageTo } : {}) });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's error as the main thread would have thrown it. */
function toError(e: NonNullable<Reply['error']>): Error {
  if (e.code && e.kind) {
    return new PkgtrackError({
      code: e.code,
      kind: e.kind as PkgtrackError['kind'],
      message: e.message,
      ...(e.fix ? { fix: e.fix } : {}),
      ...(e.details ? { details: e.details } : {}),
    });
  }
  return Object.assign(new Error(e.message), e.errno ? { code: e.errno } : {});
}
