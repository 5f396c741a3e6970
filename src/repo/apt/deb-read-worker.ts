/**
 * Worker of DebReadPool: reads one .deb, hashes it, extracts its control stanza and (when
 * asked) writes the copy bound for the pool, off the main thread; or lists its files (Contents).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { debDataFiles } from '../../formats/deb-contents.js';
import { readDebControl } from '../../formats/deb-control.js';
import type { DebJob } from './deb-read-pool.js';

serveJobs(parentPort, async ({ path, stageTo, listFiles }: DebJob) => {
  const bytes = readFileSync(path);
  if (listFiles) return { files: await debDataFiles(bytes, path) };
  const { control } = readDebControl(bytes, path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // The pool copy from the bytes in hand: one write, no second read of the file.
  if (stageTo) writeFileSync(stageTo, bytes, { flag: 'wx' });
  return { deb: { control: control.fields, size: bytes.length, sha256 } };
});
