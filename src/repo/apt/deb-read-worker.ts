/**
 * Worker of DebReadPool: reads one .deb, hashes it, extracts its control stanza and (when
 * asked) writes the copy bound for the pool, off the main thread. Pure formats code only; errors go back as their JSON (PkgtrackError.toJSON).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isPkgtrackError } from '../../core/errors.js';
import { readDebControl } from '../../formats/deb-control.js';

parentPort?.on('message', ({ id, path, stageTo }: { id: number; path: string; stageTo?: string }) => {
  try {
    const bytes = readFileSync(path);
    const { control } = readDebControl(bytes, path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // The pool copy from the bytes in hand: one write, no second read of the file.
    if (stageTo) writeFileSync(stageTo, bytes, { flag: 'wx' });
    parentPort!.postMessage({ id, deb: { control: control.fields, size: bytes.length, sha256 } });
  } catch (e) {
    const error = isPkgtrackError(e) ? e.toJSON() : { message: (e as Error).message, errno: (e as NodeJS.ErrnoException).code };
    parentPort!.postMessage({ id, error });
  }
});
