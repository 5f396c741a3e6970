/**
 * A fixed set of worker threads running one module, jobs handed round-robin. Big publishes read
 * and hash hundreds of packages: spread over the cores, off the main thread that places files.
 * A worker answers `{ id, ...result }` or `{ id, error }` where error is PkgtrackError.toJSON()
 * (rebuilt here, so callers see the same typed error as in-process code) or a plain message.
 *
 * Worker modules exist as JavaScript only in the compiled package (dist/): under a TypeScript
 * loader (tsx, vitest) `workerModulesAvailable()` is false and callers run the same code in-process.
 */
import type { ErrorCode } from './error-codes.js';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type MessagePort, Worker } from 'node:worker_threads';
import { PkgtrackError } from './errors.js';

interface ErrorReply {
  /** A PkgtrackError's code, as the worker threw it. */
  code?: ErrorCode;
  kind?: string;
  message: string;
  fix?: string;
  details?: Record<string, unknown>;
  errno?: string;
}

export function workerModulesAvailable(): boolean {
  return fileURLToPath(import.meta.url).endsWith('.js');
}

/** One worker per core (at most `max`). */
export const defaultWorkers = (max = 4) => Math.max(1, Math.min(max, availableParallelism()));

export class WorkerPool<Job extends object, Result> {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private queue: Array<Job & { id: number }> = [];
  private next = 0;
  private turn = 0;
  private closing = false;
  private busy = false;

  constructor(module: URL, opts: { size?: number; workerData?: unknown } = {}) {
    this.workers = Array.from({ length: opts.size ?? defaultWorkers() }, () => {
      const w = new Worker(module, { workerData: opts.workerData });
      w.on('message', (replies: Array<{ id: number; error?: ErrorReply }>) => {
        for (const m of replies) {
          const p = this.pending.get(m.id);
          if (!p) continue;
          this.pending.delete(m.id);
          if (m.error) p.reject(toError(m.error));
          else p.resolve(m as Result);
        }
        this.idleUnlessBusy();
      });
      w.on('error', (e) => this.failAll(e));
      // A worker that ends while jobs wait (killed, out of memory) must not leave them hanging.
      w.on('exit', (code) => {
        if (!this.closing) this.failAll(new Error(`a worker thread exited (code ${code}) with jobs pending`));
      });
      w.unref(); // idle: see idleUnlessBusy
      return w;
    });
  }

  /**
   * Idle threads do not keep the process alive (a pool started ahead of its work, whose owner
   * then failed before using or closing it, must not hang the CLI); busy ones do, as the
   * caller awaits their answers.
   */
  private idleUnlessBusy(): void {
    const busy = this.pending.size > 0;
    if (busy === this.busy) return;
    this.busy = busy;
    for (const w of this.workers) {
      if (busy) w.ref();
      else w.unref();
    }
  }

  /**
   * Jobs asked for in the same tick go out together, split over the workers: one message per
   * worker and batch, not per job (a message costs about as much as reading a small package).
   */
  run(job: Job): Promise<Result> {
    const id = this.next++;
    if (this.queue.length === 0) queueMicrotask(() => this.flush());
    this.queue.push({ ...job, id });
    const answer = new Promise<Result>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.idleUnlessBusy();
    return answer;
  }

  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    const per = Math.ceil(jobs.length / this.workers.length);
    for (let i = 0; i < jobs.length; i += per) this.workers[this.turn++ % this.workers.length]!.postMessage(jobs.slice(i, i + per));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.idleUnlessBusy();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const REPLY_GROUP = 16;

/** In a worker module: answer each batch of jobs with `handle`, one reply message per batch. */
export function serveJobs<Job, Result extends object>(port: MessagePort | null, handle: (job: Job) => Result | Promise<Result>): void {
  port?.on('message', async (jobs: Array<Job & { id: number }>) => {
    const replies = [];
    // One job at a time, in order: a batch is one core's share, and async handlers (streams)
    // would otherwise hold every job's input in memory at once.
    for (const j of jobs) {
      try {
        replies.push({ ...(await handle(j)), id: j.id });
      } catch (e) {
        replies.push({ id: j.id, error: errorReply(e) });
      }
      // Answers go back in small groups: the main thread works on them while this batch goes on.
      if (replies.length >= REPLY_GROUP) port.postMessage(replies.splice(0));
    }
    if (replies.length) port.postMessage(replies);
  });
}

/** The worker's error as the main thread would have thrown it. */
function toError(e: ErrorReply): Error {
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

/** What a worker posts for a failed job (see toError). */
export function errorReply(e: unknown): ErrorReply {
  if (e instanceof PkgtrackError) return e.toJSON() as unknown as ErrorReply;
  return { message: (e as Error).message, ...((e as NodeJS.ErrnoException).code ? { errno: (e as NodeJS.ErrnoException).code! } : {}) };
}
