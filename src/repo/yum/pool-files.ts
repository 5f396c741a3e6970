/** Pool-side file helpers of the yum publisher: hashing here, temporaries, orphans, the repodata link. */
import { ifExists } from '../../core/fsutil.js';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { conflictError } from '../../core/errors.js';
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

/** `repodata` must be our symlink (or absent): a real directory (another tool's) is not replaced. */
export async function assertLinkOrAbsent(path: string): Promise<void> {
  try {
    await readlink(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'EINVAL') {
      throw conflictError(
        'YUM_FOREIGN_REPODATA',
        `${path} is a directory, not pkgtrack's generation link`,
        'Move the old repodata away (it was made by another tool), then publish again.',
        {
          file: path,
        },
      );
    }
    throw e;
  }
}
