/**
 * A small zip reader: central directory, stored and deflated entries, Unix modes from the
 * external attributes (so symlinks are seen as symlinks). Sizes are checked while inflating so
 * a lying header cannot turn into a bomb.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { inputError } from '../core/errors.js';

export interface ZipEntry {
  name: string;
  /** Unix mode (type and permission bits); 0 when the zip was not made on Unix. */
  mode: number;
  size: number;
  data(): Promise<Uint8Array>;
}

export async function readZipEntries(file: string, maxTotal: number): Promise<ZipEntry[]> {
  const buf = await readFile(file);
  const bad = (why: string) =>
    inputError('ARCHIVE_CORRUPT', `${basename(file)} is not a valid zip archive: ${why}`, 'Download it again.', { file });
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw bad('zip64 archives are not supported');
  const entries: ZipEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw bad('broken central directory');
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const ext = buf.readUInt32LE(p + 38);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + xlen + clen;
    total += size;
    if (total > maxTotal)
      throw inputError(
        'ARCHIVE_TOO_LARGE',
        `${basename(file)}: entry ${JSON.stringify(name)} takes the archive past ${maxTotal} bytes unpacked`,
        'This looks like a decompression bomb.',
        { file, entry: name },
      );
    const mode = madeBy === 3 ? ext >>> 16 : 0;
    entries.push({
      name,
      mode,
      size,
      data: async () => {
        // The central directory's offset and sizes are unchecked numbers: past the end of the
        // file they are a corrupt archive (readUInt32LE threw a RangeError; a cut entry came back short).
        if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw bad(`broken local header for ${name}`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        if (start + csize > buf.length) throw bad(`entry ${name} is cut short`);
        const raw = buf.subarray(start, start + csize);
        if (method === 0) {
          if (csize !== size)
            throw inputError(
              'ARCHIVE_BOMB',
              `${basename(file)}: stored entry ${JSON.stringify(name)} is ${csize} bytes but declares ${size}`,
              'The zip lies about its sizes: do not build from it.',
              { file, entry: name },
            );
          return raw;
        }
        if (method !== 8) throw bad(`entry ${name} uses compression method ${method}`);
        try {
          const out = inflateRawSync(raw, { maxOutputLength: size + 1 });
          if (out.length !== size) throw new Error('size mismatch');
          return out;
        } catch {
          throw inputError(
            'ARCHIVE_BOMB',
            `${basename(file)}: entry ${JSON.stringify(name)} inflates to more than its declared ${size} bytes`,
            'The zip lies about its sizes: do not build from it.',
            { file, entry: name },
          );
        }
      },
    });
  }
  return entries;
}
