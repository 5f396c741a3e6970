/**
 * The `ar` archive format as used by .deb files (System V/GNU common subset: 16-byte names,
 * optional trailing '/', members padded to even offsets). Pure: bytes in, member views out
 * (no copies: each member's `data` is a subarray of the input).
 */
import { inputError } from '../core/errors.js';

export interface ArMember {
  name: string;
  /** Offset of the member's data inside the archive. */
  offset: number;
  size: number;
  data: Uint8Array;
}

const MAGIC = '!<arch>\n';
const HEADER = 60;

const ascii = (b: Uint8Array, start: number, len: number) => Buffer.from(b.buffer, b.byteOffset + start, len).toString('latin1');

/**
 * Read members of an ar archive. `source` names the file in errors. `limit` stops after that
 * many members (a .deb's control member is the second: no need to walk past it).
 */
export function readAr(bytes: Uint8Array, source = 'archive', limit = Number.POSITIVE_INFINITY): ArMember[] {
  if (bytes.length < MAGIC.length || ascii(bytes, 0, MAGIC.length) !== MAGIC) {
    throw inputError(
      'AR_BAD_MAGIC',
      `${source} is not an ar archive (a .deb starts with "!<arch>")`,
      'Check that the file is a complete .deb package.',
      {
        file: source,
      },
    );
  }
  const members: ArMember[] = [];
  let pos = MAGIC.length;
  while (pos < bytes.length && members.length < limit) {
    if (pos + HEADER > bytes.length) {
      throw inputError(
        'AR_TRAILING_DATA',
        `${source}: ${bytes.length - pos} byte(s) after the last member (at byte ${pos}) are not a member`,
        'Rebuild the file; do not append to it.',
        { file: source, offset: pos },
      );
    }
    const rawName = ascii(bytes, pos, 16).trimEnd();
    const sizeText = ascii(bytes, pos + 48, 10).trim();
    if (ascii(bytes, pos + 58, 2) !== '`\n' || !/^\d+$/.test(sizeText)) {
      throw inputError(
        'AR_BAD_HEADER',
        `${source}: corrupt ar member header at byte ${pos}`,
        'The file is damaged; rebuild or re-download it.',
        {
          file: source,
          offset: pos,
        },
      );
    }
    const size = Number(sizeText);
    const offset = pos + HEADER;
    if (offset + size > bytes.length) throw truncated(source, pos);
    const name = rawName.endsWith('/') && rawName !== '/' ? rawName.slice(0, -1) : rawName;
    members.push({ name, offset, size, data: bytes.subarray(offset, offset + size) });
    pos = offset + size + (size % 2);
  }
  return members;
}

function truncated(source: string, pos: number) {
  return inputError(
    'AR_TRUNCATED',
    `${source} is truncated (ar member at byte ${pos} runs past the end)`,
    'Re-download or rebuild the file.',
    {
      file: source,
      offset: pos,
    },
  );
}

/**
 * Write an ar archive (the .deb subset readAr reads): 16-byte names, mode 100644, uid/gid 0,
 * members padded to even offsets with '\n'. Pure; `mtime` is seconds since the epoch.
 */
export function writeAr(members: ReadonlyArray<{ name: string; data: Uint8Array }>, mtime = 0): Uint8Array {
  const parts: Uint8Array[] = [Buffer.from(MAGIC, 'latin1')];
  for (const m of members) {
    if (m.name.length > 15 || !/^[\x21-\x7e]+$/.test(m.name)) throw new Error(`ar member name "${m.name}" does not fit 16 bytes`);
    const head =
      `${m.name}/`.padEnd(16) +
      String(mtime).padEnd(12) +
      '0'.padEnd(6) +
      '0'.padEnd(6) +
      '100644'.padEnd(8) +
      String(m.data.length).padEnd(10);
    parts.push(Buffer.from(`${head}\`\n`, 'latin1'), m.data);
    if (m.data.length % 2) parts.push(Uint8Array.of(0x0a));
  }
  return Buffer.concat(parts);
}
