/**
 * Read and SHA-256 files on worker threads (2 by default): on a cold publish hashing hundreds of
 * megabytes is most of the CPU work, and createrepo_c does it on several threads too. The
 * worker is inline code (builtins only), so it runs the same from dist/, tsx and vitest.
 * The file's bytes come back as a transferred buffer (no copy) for the header parse.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_CODE = `
const { parentPort } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, path }) => {
  try {
    const b = readFileSync(path);
    const sha = createHash('sha256').update(b).digest('hex');
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    parentPort.postMessage({ id, sha, bytes: ab }, [ab]);
  } catch (e) {
    parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
  }
});
`;

export interface HashedFile {
  sha256: string;
  bytes: Uint8Array;
}

interface Pending {
  resolve: (v: HashedFile) => void;
  reject: (e: Error) => void;
}

export class HashPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(size = Math.max(1, Math.min(2, availableParallelism()))) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER_CODE, { eval: true });
      w.on('message', (m: { id: number; sha?: string; bytes?: ArrayBuffer; error?: { message: string; code?: string } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
        else p.resolve({ sha256: m.sha!, bytes: new Uint8Array(m.bytes!) });
      });
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      return w;
    });
  }

  hash(path: string): Promise<HashedFile> {
    const id = this.next++;
    return new Promise<HashedFile>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length]!.postMessage({ id, path });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
