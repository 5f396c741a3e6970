/**
 * Worker of DebReadPool: reads one .deb, hashes it and extracts its control stanza, off the
 * main thread. Pure formats code only; errors go back as their JSON (PkgtrackError.toJSON).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isPkgtrackError } from '../../core/errors.js';
import { readDebControl } from '../../formats/deb-control.js';

parentPort?.on('message', ({ id, path }: { id: number; path: string }) => {
  try {
    const bytes = readFileSync(path);
    const { control } = readDebControl(bytes, path);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    parentPort!.postMessage({ id, deb: { control: control.fields, size: bytes.length, sha256 } });
  } catch (e) {
    const error = isPkgtrackError(e) ? e.toJSON() : { message: (e as Error).message, errno: (e as NodeJS.ErrnoException).code };
    parentPort!.postMessage({ id, error });
  }
});
