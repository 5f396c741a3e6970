/** Worker of the rpm reader (rpm-read-pool.ts): readRpmFile on one file, plus (when asked) the pool copy from the same bytes. */
import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { type NativeKeys, readRpmFile } from './rpm-read.js';
import type { RpmJob } from './rpm-read-pool.js';

const { keys, changelogLimit } = workerData as { keys?: NativeKeys; changelogLimit?: number };

serveJobs(parentPort, (j: RpmJob) => {
  const fd = openSync(j.path, 'r');
  let bytes: Buffer;
  let mtimeMs: number;
  try {
    mtimeMs = fstatSync(fd).mtimeMs;
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const time = j.time ?? Math.floor(mtimeMs / 1000);
  const read = readRpmFile(bytes, j.path, { href: j.href, time, keys: j.verify === false ? undefined : keys, changelogLimit });
  // The pool copy only for a package that needs no signing (else the signed bytes go there).
  const staged = !!j.stageTo && (read.signedByKey || !keys);
  if (staged) writeFileSync(j.stageTo!, bytes, { flag: 'wx' });
  return { read, staged };
});
