/**
 * The files of a scratch copy as object storage sees them: which are pool, by-hash or switch
 * files, the order the switch files go up in, the files to upload (generation links followed),
 * and how a file is read and hashed for the upload.
 */
import { createHash, hash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { readdir, readlink, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { inputError } from '../../core/errors.js';
import { GENERATIONS_DIR } from '../../repo/apt/suite-link.js';

/**
 * apt's by-hash copies: never downloaded either. The new generation makes those of the current
 * indexes again from the indexes themselves (same bytes, so not uploaded again); those of older
 * indexes are not in the scratch copy, so they are scheduled for deletion after the grace
 * period, which is what keeps them for readers mid-update.
 */
export const isByHash = (rel: string) => /^apt\/dists\/.+\/by-hash\/SHA(256|512)\/[0-9a-f]+$/.test(rel);

/** Package files: immutable, never downloaded by a publisher (apt's pool, yum's Packages). */
export const isPool = (rel: string) => /^apt\/(pool|changelogs)\//.test(rel) || /^yum\/(.+\/)?Packages\//.test(rel);
export const isSwitch = (rel: string) => /(^|\/)(InRelease|Release|Release\.gpg|repomd\.xml|repomd\.xml\.asc)$/.test(rel);
export const switchOrder = (rel: string) => (/InRelease$|repomd\.xml$/.test(rel) ? 2 : /Release\.gpg$|\.asc$/.test(rel) ? 1 : 0);

/**
 * Files up to this size are read with one synchronous call: a cold publish uploads thousands of
 * page files of a few KB, and a stream (or fs.promises' open, stat, read, close) per file cost
 * more main-thread time than the upload's own request.
 */
export const SMALL_FILE = 1024 * 1024;

/**
 * A changed index at least this big whose bytes the bucket holds under another key is copied
 * there by the store: apt's index goes up under its name and its by-hash name, and the plain
 * Packages of a big suite is megabytes a CI runner would otherwise send twice. A copy
 * costs the store a fixed ~50-60 ms (Ceph RGW, AWS), what sending 4 MiB costs at ~600 Mbit/s:
 * below that, sending is as fast. PKGTRACK_S3_COPY_MIN (bytes) moves the line.
 */
export function copyMin(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.PKGTRACK_S3_COPY_MIN);
  return env.PKGTRACK_S3_COPY_MIN && Number.isInteger(n) && n > 0 ? n : 4 * 1024 * 1024;
}

/** A file's size, and for a small one its bytes and SHA-256 (a bigger one is hashed as a stream). */
export function readLocal(path: string): { size: number; small?: { body: Buffer; sha256: string } } {
  const size = statSync(path).size;
  if (size > SMALL_FILE) return { size };
  const body = readFileSync(path);
  return { size: body.length, small: { body, sha256: hash('sha256', body, 'hex') } };
}

export async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/**
 * The files to upload, repository-relative. An apt suite and a yum `repodata` are links to
 * their live generation (repo/apt/suite-link.ts, repo/yum): object storage has no links, so
 * their files are uploaded under the served name, as a static host serves them, and the
 * generation stores (`dists/.generations`, `.repodata`) stay local. A publisher that restores
 * the plain `repodata` adopts it after checking its signature (repo/yum/restored-repodata.ts).
 */
export async function walk(root: string, dir = root, out: string[] = [], as = dir): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    const rel = relative(root, join(as, e.name));
    const generationStore = (e.name === GENERATIONS_DIR && /(^|\/)dists$/.test(dir)) || (e.name === YUM_GENERATIONS && /^yum\//.test(rel));
    if (e.isDirectory()) {
      if (!generationStore) await walk(root, abs, out, join(as, e.name));
    } else if (e.isFile()) out.push(rel);
    else if (e.isSymbolicLink() && (await isGenerationLink(dir, e.name, abs))) {
      await walk(root, await realpath(abs), out, join(as, e.name));
    } else if (e.isSymbolicLink()) {
      throw inputError(
        'S3_SYMLINK',
        `${relative(root, abs)}: object storage has no symbolic links, and this one is not a pkgtrack generation link`,
        'Remove the link from the output folder (pkgtrack writes only suite and repodata links), then publish again.',
        { file: abs },
      );
    }
  }
  return out;
}

/** yum's generation store beside `repodata` (repo/yum/restored-repodata.ts). */
const YUM_GENERATIONS = '.repodata';

async function isGenerationLink(dir: string, name: string, abs: string): Promise<boolean> {
  const to = await readlink(abs);
  if (/(^|\/)dists$/.test(dir)) return to.startsWith(`${GENERATIONS_DIR}/`);
  return name === 'repodata' && to.startsWith(`${YUM_GENERATIONS}/`) && !to.slice(YUM_GENERATIONS.length + 1).includes('/');
}
