/**
 * Whether a yum repository's live generation (what `repodata` points at) already says what a
 * publish would write: then nothing is written (repo refresh writes a new generation on purpose).
 */
import { ifExists } from '../../core/fsutil.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestRel } from './suite-state.js';
import { verifyDetached } from './userfiles.js';

export async function liveGenerationStands(
  root: string,
  suite: string,
  want: {
    /** The metadata files the publish would write (content-addressed names). */
    files: ReadonlyArray<{ name: string }>;
    manifestText: string;
    /** Armored public keys repomd.xml.asc must verify with (a rotated key means: sign anew). */
    keys: string;
    /** [path under root, text] of the key and .repo files users get. */
    userFiles: ReadonlyArray<[string, string]>;
  },
): Promise<boolean> {
  const read = (rel: string) => ifExists(readFile(join(root, rel), 'utf8'));
  const [repomd, asc, manifest] = await Promise.all([
    read(`${suite}/repodata/repomd.xml`),
    read(`${suite}/repodata/repomd.xml.asc`),
    read(manifestRel(suite)),
  ]);
  if (!repomd || !asc || manifest !== want.manifestText) return false;
  const live = [...repomd.matchAll(/<location href="repodata\/([^"]+)"/g)].map((m) => m[1]);
  if (live.length !== want.files.length || !want.files.every((f) => live.includes(f.name))) return false;
  try {
    await verifyDetached(Buffer.from(repomd, 'utf8'), asc, want.keys, `${suite}/repodata/repomd.xml.asc`);
  } catch {
    return false; // signed by a key no longer in use: sign anew
  }
  for (const [rel, text] of want.userFiles) if ((await read(rel)) !== text) return false;
  return true;
}
