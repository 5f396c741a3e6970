/** Pool-side file helpers of the yum publisher: hashing here, temporaries, orphans. */
import { ifExists } from '../../core/fsutil.js';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readRpmHeaders } from '../../formats/rpm/package.js';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface HashedFile {
  sha256: string;
  bytes: Uint8Array;
}

/** The pool file at `pool` when it exists and holds the package whose main header hashes to `content`. */
export async function adoptablePoolFile(pool: string, content: string): Promise<HashedFile | undefined> {
  // Nearly always absent: a stat on this thread, not a failed open through the thread pool.
  if (!statSync(pool, { throwIfNoEntry: false })) return undefined;
  const bytes = await ifExists(readFile(pool));
  if (!bytes) return undefined;
  try {
    const { layout } = readRpmHeaders(bytes, pool);
    if (sha256(bytes.subarray(layout.headerStart, layout.headerEnd)) !== content) return undefined;
  } catch {
    return undefined;
  }
  return { bytes, sha256: sha256(bytes) };
}
