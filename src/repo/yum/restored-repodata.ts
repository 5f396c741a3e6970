/**
 * A yum repository copied to a static host and back (the gh-pages branch, a Pages artifact,
 * `rsync -L`) has `repodata` as a plain directory: static hosts serve no symlinks, so the copy
 * holds what the link named. Such a directory is adopted as the generation it is — only after
 * its repomd.xml.asc verifies with the repository's own key — and turned back into
 * `.repodata/<gen>` + the `repodata` link, so the publish switches the link as always. Unsigned
 * metadata or metadata signed by another key (another tool's) stays refused: never replaced.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError, isPkgtrackError } from '../../core/errors.js';
import { ifExists } from '../../core/fsutil.js';
import { verifyDetached } from './userfiles.js';
import { makeDirs } from '../../core/dirs.js';

/** The generation name pkgtrack gives a repomd.xml and its signature (see YumFormat.writeRepodata). */
export const generationName = (repomd: Uint8Array, asc: string) =>
  createHash('sha256')
    .update(Buffer.concat([repomd, Buffer.from(asc)]))
    .digest('hex')
    .slice(0, 20);

/**
 * Make `<root>/<suite>/repodata` pkgtrack's generation link again when a copy made it a directory.
 * Returns the adopted generation, if any. `keys`: armored public keys of the repository.
 */
export async function adoptRestoredRepodata(
  root: string,
  suite: string,
  keys: string | undefined,
  dryRun: boolean,
): Promise<string | undefined> {
  const dir = join(root, suite, 'repodata');
  const st = await lstat(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st || st.isSymbolicLink()) return undefined;
  const refuse = (why: string) =>
    conflictError(
      'YUM_FOREIGN_REPODATA',
      `${dir} is a directory, not pkgtrack's generation link, and ${why}`,
      'If another tool made it, move the old repodata away, then publish again. If it is this repository restored from a static host, publish with the same signing key.',
      { file: dir },
    );
  if (!st.isDirectory()) throw refuse('not a directory either');
  const [repomd, asc] = await Promise.all([
    readFile(join(dir, 'repomd.xml')).catch(() => undefined),
    readFile(join(dir, 'repomd.xml.asc'), 'utf8').catch(() => undefined),
  ]);
  if (!repomd || !asc) throw refuse('holds no signed repomd.xml');
  if (!keys) throw refuse('there is no public key to check its signature with');
  try {
    await verifyDetached(repomd, asc, keys, `${suite}/repodata/repomd.xml.asc`);
  } catch (e) {
    if (isPkgtrackError(e)) throw refuse(`its repomd.xml.asc does not verify with this repository's key (${e.message})`);
    throw e;
  }
  const gen = generationName(repomd, asc);
  if (dryRun) return gen;
  const genDir = join(root, suite, '.repodata', gen);
  await makeDirs(join(root, suite, '.repodata'));
  // The same generation may still be here (a copy made in place): the directory then is a duplicate.
  // ifExists: only absence reads as "not there"; EACCES and the like surface.
  if (await ifExists(lstat(genDir))) await rm(dir, { recursive: true, force: true });
  else await rename(dir, genDir);
  const tmp = join(root, suite, `.repodata-adopt-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(`.repodata/${gen}`, tmp);
  await rename(tmp, dir);
  return gen;
}
