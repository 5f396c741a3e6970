/**
 * Safe extraction of upstream archives (tar.gz/xz/bz2/zst/lzma, plain tar, zip). Refuses, naming
 * the entry: absolute names, "..", names with control characters, writes through a symlink,
 * hardlinks to anything but an earlier regular file of the same archive, devices and fifos,
 * setuid/setgid modes, duplicate names, and archives expanding past a bound (bombs).
 * Extraction goes to a fresh temporary directory that is renamed into place at the end, so a
 * refused archive leaves nothing behind and nothing is ever written outside `dest`.
 */
import type { ErrorCode } from '../core/error-codes.js';
import { ifExists } from '../core/fsutil.js';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { inputError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { noSymlinkOnPath, safeComponents } from './safe-path.js';
import { readZipEntries } from './zip.js';
import { makeDirs } from '../core/dirs.js';

export interface ExtractLimits {
  /** Total bytes of all files (default 8 GiB). */
  maxBytes?: number;
  /** Largest expansion ratio allowed once past 64 MiB (default 1000). */
  maxRatio?: number;
  /** Number of entries (default 500 000). */
  maxEntries?: number;
  /** The ratio is only checked once this many bytes are out (default 64 MiB). */
  ratioAfterBytes?: number;
}

export interface ExtractResult {
  entries: number;
  bytes: number;
  /** The single top-level directory, when the archive has exactly one. */
  topDir?: string;
}

type Kind = 'gz' | 'xz' | 'bz2' | 'zst' | 'lzma' | 'tar' | 'zip';

export function archiveKind(name: string): Kind | undefined {
  if (/\.(tar\.gz|tgz)$/.test(name)) return 'gz';
  if (/\.(tar\.xz|txz)$/.test(name)) return 'xz';
  if (/\.(tar\.bz2|tbz2?)$/.test(name)) return 'bz2';
  if (/\.tar\.zst$/.test(name)) return 'zst';
  if (/\.tar\.lzma$/.test(name)) return 'lzma';
  if (name.endsWith('.tar')) return 'tar';
  if (name.endsWith('.zip')) return 'zip';
  return undefined;
}

const DEFAULTS = { maxBytes: 8 * 1024 ** 3, maxRatio: 1000, maxEntries: 500_000, ratioAfterBytes: 64 * 1024 ** 2 };

class Writer {
  readonly seen = new Map<string, 'file' | 'dir' | 'symlink'>();
  bytes = 0;
  entries = 0;
  constructor(
    readonly root: string,
    readonly archive: string,
    readonly limits: Required<ExtractLimits>,
    readonly packedSize: number,
  ) {}

  refuse(code: ErrorCode, entry: string, why: string, fix: string): never {
    throw inputError(code, `${basename(this.archive)}: entry ${JSON.stringify(entry)} ${why}`, fix, { file: this.archive, entry });
  }

  async target(name: string, allowDir = false): Promise<{ parts: string[]; abs: string }> {
    const details = { file: this.archive, entry: name };
    const parts = safeComponents(name, `${basename(this.archive)}: entry`, details);
    if (++this.entries > this.limits.maxEntries)
      this.refuse(
        'ARCHIVE_TOO_MANY_ENTRIES',
        name,
        `is past the limit of ${this.limits.maxEntries} entries`,
        'This is not a normal source archive.',
      );
    const key = parts.join('/');
    const before = this.seen.get(key);
    if (before && !(allowDir && before === 'dir'))
      this.refuse(
        'ARCHIVE_DUPLICATE',
        name,
        'appears twice in the archive',
        'A second entry would silently replace the first: repack the archive without duplicates.',
      );
    const abs = await noSymlinkOnPath(this.root, parts, `${basename(this.archive)}: entry`, details);
    await makeDirs(dirname(abs));
    return { parts, abs };
  }

  count(name: string, n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes)
      this.refuse(
        'ARCHIVE_TOO_LARGE',
        name,
        `takes the archive past ${this.limits.maxBytes} bytes unpacked`,
        'This looks like a decompression bomb; if the source is really that large, raise the limit.',
      );
    if (this.bytes > this.limits.ratioAfterBytes && this.bytes / Math.max(this.packedSize, 1) > this.limits.maxRatio) {
      this.refuse(
        'ARCHIVE_BOMB',
        name,
        `expands the archive more than ${this.limits.maxRatio}:1`,
        'This looks like a decompression bomb: do not build from it.',
      );
    }
  }

  checkMode(name: string, mode: number): number {
    if (mode & 0o6000)
      this.refuse(
        'ARCHIVE_SETUID',
        name,
        'has a setuid/setgid mode',
        'Source archives have no reason to carry setuid files: set modes in the packaging.',
      );
    // dpkg-source -x's modes (its fixperms under umask 022): 755 when any execute bit is set,
    // else 644; group/other write and owner-only modes from the tarball do not survive.
    return mode & 0o111 ? 0o755 : 0o644;
  }

  async file(name: string, mode: number, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<void> {
    const m = this.checkMode(name, mode);
    const { parts, abs } = await this.target(name);
    // Streamed to disk chunk by chunk: a bomb hits the byte bound, never memory. "wx" refuses
    // to open anything that already exists (a symlink planted by a racing process included).
    const fh = await open(abs, 'wx', m);
    try {
      if (data instanceof Uint8Array) {
        this.count(name, data.length);
        await fh.write(data);
      } else {
        for await (const c of data) {
          this.count(name, c.length);
          await fh.write(c);
        }
      }
    } finally {
      await fh.close();
    }
    await chmod(abs, m);
    this.seen.set(parts.join('/'), 'file');
  }

  async dir(name: string, _mode: number): Promise<void> {
    // setgid on a directory only means "inherit the group" (findutils' debian/ has it): the
    // special bits are dropped for directories, not refused; every directory is 755, as after
    // dpkg-source -x.
    const { parts, abs } = await this.target(name, true);
    await makeDirs(abs);
    await chmod(abs, 0o755);
    this.seen.set(parts.join('/'), 'dir');
  }

  async symlink(name: string, target: string): Promise<void> {
    if (/[\u0000]/.test(target)) this.refuse('ARCHIVE_BAD_LINK', name, 'has a link target with a NUL byte', 'Repack the archive.');
    const { parts, abs } = await this.target(name);
    await symlink(target, abs);
    this.seen.set(parts.join('/'), 'symlink');
  }

  async hardlink(name: string, target: string): Promise<void> {
    let tparts: string[];
    try {
      tparts = safeComponents(target, 'hardlink target', { file: this.archive, entry: name });
    } catch {
      return this.refuse(
        'ARCHIVE_HARDLINK_OUTSIDE',
        name,
        `is a hardlink to ${JSON.stringify(target)}, outside the archive`,
        'Hardlinks may only point to files earlier in the same archive.',
      );
    }
    if (this.seen.get(tparts.join('/')) !== 'file') {
      this.refuse(
        'ARCHIVE_HARDLINK_OUTSIDE',
        name,
        `is a hardlink to ${JSON.stringify(target)}, which is not a regular file extracted earlier`,
        'Hardlinks may only point to files earlier in the same archive.',
      );
    }
    const src = await noSymlinkOnPath(this.root, tparts, 'hardlink target', { file: this.archive, entry: name });
    const { parts, abs } = await this.target(name);
    await link(src, abs);
    this.seen.set(parts.join('/'), 'file');
  }
}

/** Decompress to a temp file, never more than `max` bytes (the bound is enforced by head -c). */
async function decompressToFile(archive: string, kind: Kind, out: string, max: number): Promise<void> {
  const tool = { xz: 'xz', lzma: 'xz', bz2: 'bzip2', zst: 'zstd', gz: 'gzip', tar: 'cat', zip: 'cat' }[kind];
  const args = kind === 'tar' ? '' : '-dc';
  // Values reach the shell as positional parameters, never inside the script text.
  const r = await run(
    'bash',
    ['-c', `set -o pipefail; "$1" ${args} -- "$2" | head -c "$3" > "$4"`, 'bash', tool, archive, String(max + 1), out],
    { check: false },
  );
  const size = (await stat(out)).size;
  if (size > max) return;
  if (r.code !== 0) {
    throw inputError(
      'ARCHIVE_CORRUPT',
      `${basename(archive)} cannot be decompressed (${tool}: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`})`,
      'Download it again; if it persists, the upstream file is damaged.',
      { file: archive },
    );
  }
}

/** Extract `archive` into `dest` (which must not exist yet). */
export async function extractArchive(archive: string, dest: string, limits: ExtractLimits = {}): Promise<ExtractResult> {
  const kind = archiveKind(archive);
  if (!kind)
    throw inputError(
      'ARCHIVE_UNKNOWN_FORMAT',
      `${basename(archive)} is not a tar.{gz,xz,bz2,zst,lzma}, tar or zip archive`,
      'Use one of those formats.',
      { file: archive },
    );
  if (await ifExists(lstat(dest))) {
    throw inputError('EXTRACT_DEST_EXISTS', `${dest} already exists`, 'Extract into a new directory.', { file: dest });
  }
  const lim = { ...DEFAULTS, ...limits };
  await makeDirs(dirname(dest));
  const tmp = join(dirname(dest), `.${basename(dest)}.extract-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { mode: 0o700 });
  const packed = (await stat(archive)).size;
  const w = new Writer(tmp, archive, lim, packed);
  try {
    if (kind === 'zip') await extractZip(archive, w);
    else await extractTar(archive, kind, w, tmp);
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const top = await readdir(dest);
  const result: ExtractResult = { entries: w.entries, bytes: w.bytes };
  if (top.length === 1 && (await lstat(join(dest, top[0]!))).isDirectory()) result.topDir = top[0]!;
  return result;
}

async function extractTar(archive: string, kind: Kind, w: Writer, tmp: string): Promise<void> {
  let input: NodeJS.ReadableStream;
  let tarFile: string | undefined;
  if (kind === 'gz') {
    input = createReadStream(archive).pipe(createGunzip());
  } else if (kind === 'tar') {
    input = createReadStream(archive);
  } else {
    tarFile = `${tmp}.tar`;
    // Room for tar headers on top of the content bound; the content bound itself is per entry.
    const max = Math.min(w.limits.maxBytes + 1024 * w.limits.maxEntries + 64 * 1024 ** 2, Number.MAX_SAFE_INTEGER);
    await decompressToFile(archive, kind, tarFile, max);
    if ((await stat(tarFile)).size > max) {
      await rm(tarFile, { force: true });
      w.refuse('ARCHIVE_TOO_LARGE', '(whole archive)', `decompresses past ${max} bytes`, 'This looks like a decompression bomb.');
    }
    input = createReadStream(tarFile);
  }
  // v7 tar headers (no ustar magic) still ship in old upstream tarballs (bc, dash).
  const ex = tarExtract({ allowUnknownFormat: true } as Parameters<typeof tarExtract>[0]);
  const work = (async () => {
    for await (const entry of ex) {
      const h = entry.header;
      const name = h.name.replace(/^(\.\/)+/, '');
      if (name === '' || name === '.' || name === './') {
        entry.resume();
        continue;
      }
      const mode = h.mode ?? 0o644;
      switch (h.type) {
        case 'file':
        case 'contiguous-file':
          await w.file(name, mode, entry as unknown as AsyncIterable<Uint8Array>);
          break;
        case 'directory':
          entry.resume();
          await w.dir(name, mode);
          break;
        case 'symlink':
          entry.resume();
          await w.symlink(name, h.linkname ?? '');
          break;
        case 'link':
          entry.resume();
          await w.hardlink(name, (h.linkname ?? '').replace(/^(\.\/)+/, ''));
          break;
        case 'character-device':
        case 'block-device':
        case 'fifo':
          entry.resume();
          w.refuse(
            'ARCHIVE_SPECIAL_FILE',
            name,
            `is a ${h.type}`,
            'Source archives have no reason to carry device files or fifos: repack without them.',
          );
          break;
        default:
          entry.resume();
      }
    }
  })();
  try {
    // Both settle before we judge: a refusal inside `work` also breaks the pipeline, and the
    // refusal (naming the entry) is the error to report, not the broken pipe.
    const [piped, worked] = await Promise.allSettled([pipeline(input as NodeJS.ReadableStream, ex), work]);
    if (worked.status === 'rejected') throw worked.reason;
    if (piped.status === 'rejected') throw piped.reason;
  } catch (e) {
    ex.destroy();
    if (e instanceof Error && e.name === 'PkgtrackError') throw e;
    throw inputError(
      'ARCHIVE_CORRUPT',
      `${basename(archive)} is not a valid ${kind} archive: ${(e as Error).message}`,
      'Download it again; if it persists, the upstream file is damaged.',
      { file: archive },
    );
  } finally {
    if (tarFile) await rm(tarFile, { force: true });
  }
}

async function extractZip(archive: string, w: Writer): Promise<void> {
  for (const e of await readZipEntries(archive, w.limits.maxBytes)) {
    const type = (e.mode >> 12) & 0o17;
    if (e.name.endsWith('/')) await w.dir(e.name, e.mode & 0o7777 || 0o755);
    else if (type === 0o12) await w.symlink(e.name, Buffer.from(await e.data()).toString('utf8'));
    else if (type !== 0 && type !== 0o10)
      w.refuse('ARCHIVE_SPECIAL_FILE', e.name, 'is a device file or fifo', 'Repack without special files.');
    else await w.file(e.name, e.mode & 0o7777 || 0o644, await e.data());
  }
}
