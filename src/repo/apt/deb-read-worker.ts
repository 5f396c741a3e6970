/**
 * Worker of DebReadPool: reads one .deb, hashes it, extracts its control stanza and (when
 * asked) writes the copy bound for the pool, off the main thread.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../core/worker-pool.js';
import { readDebControl } from '../../formats/deb-control.js';

serveJobs(parentPort, ({ path, stageTo }: { path: string; stageTo?: string }) => {
  const bytes = readFileSync(path);
  const { control } = readDebControl(bytes, path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // The pool copy from the bytes in hand: one write, no second read of the file.
  if (stageTo) writeFileSync(stageTo, bytes, { flag: 'wx' });
  return { deb: { control: control.fields, size: bytes.length, sha256 } };
});
