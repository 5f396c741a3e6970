/**
 * The member structure of a .deb, checked as strictly as one reading can be made unambiguous:
 * dpkg reads `debian-binary`, then `control.tar*`, then `data.tar*` (members named `_...` may
 * come between and are ignored), and stops. A second control or data member, a control member
 * after the data, an unknown member, or anything after the data member would let two readers
 * (our index, dpkg installing) see two different packages: all are refused, naming the member.
 * And the data member must be whole: a truncated one is refused (ar sizes; the compressed
 * stream must end where the member ends). Pure: bytes in, member views out.
 */
import { crc32 } from 'node:zlib';
import { inputError } from '../core/errors.js';
import { type ArMember, readAr } from './ar.js';
import { type Compression, compressionOf, decompressChunks, gunzipSmall } from './compress.js';

export interface DebMembers {
  control: ArMember;
  controlCompression: Compression;
  data: ArMember;
  dataCompression: Compression;
}

function ambiguous(source: string, member: string, what: string) {
  return inputError(
    'DEB_AMBIGUOUS',
    `${source}: ${what} (member "${member}")`,
    'Rebuild the package with dpkg-deb; do not append to or merge .deb files.',
    {
      file: source,
      member,
    },
  );
}

/** The control and data members of the .deb `deb`, after checking the whole member list. */
export function debMembers(deb: Uint8Array, source = 'package.deb'): DebMembers {
  const members = readAr(deb, source);
  const first = members[0];
  if (
    first?.name !== 'debian-binary' ||
    !Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength).toString('latin1').startsWith('2.')
  ) {
    throw inputError(
      'DEB_BAD_FORMAT',
      `${source} is not a Debian binary package (no "debian-binary" 2.x member first)`,
      'Build it with dpkg-deb.',
      { file: source },
    );
  }
  let control: ArMember | undefined;
  let data: ArMember | undefined;
  const seen = new Set<string>(['debian-binary']);
  for (const m of members.slice(1)) {
    if (seen.has(m.name)) throw ambiguous(source, m.name, 'the member appears twice');
    seen.add(m.name);
    if (data) throw ambiguous(source, m.name, 'a member after the data member (dpkg would never read it)');
    if (m.name.startsWith('control.tar')) {
      if (control) throw ambiguous(source, m.name, 'a second control member');
      control = m;
    } else if (m.name.startsWith('data.tar')) {
      if (!control) throw ambiguous(source, m.name, 'the data member comes before the control member');
      data = m;
    } else if (!m.name.startsWith('_')) {
      throw ambiguous(source, m.name, 'an unknown member (dpkg-deb refuses it)');
    }
  }
  const controlCompression = control ? compressionOf(control.name) : undefined;
  if (!control || !controlCompression) {
    throw inputError('DEB_NO_CONTROL', `${source} has no control.tar{,.gz,.xz,.zst} member`, 'Rebuild the package with dpkg-deb.', {
      file: source,
    });
  }
  const dataCompression = data ? compressionOf(data.name) : undefined;
  if (!data || !dataCompression) {
    throw inputError('DEB_NO_DATA', `${source} has no data.tar{,.gz,.xz,.zst} member`, 'Rebuild the package with dpkg-deb.', {
      file: source,
    });
  }
  return { control, controlCompression, data, dataCompression };
}

function truncatedData(source: string, member: string, what: string) {
  return inputError('DEB_TRUNCATED', `${source}: the ${member} member is incomplete (${what})`, 'Re-download or rebuild the package.', {
    file: source,
    member,
  });
}

/** Where the xz stream in `b` ends (its footer checked), or a reason it does not. */
function xzEnds(b: Uint8Array): string | undefined {
  let end = b.length;
  while (end >= 4 && b[end - 1] === 0 && b[end - 2] === 0 && b[end - 3] === 0 && b[end - 4] === 0) end -= 4; // stream padding
  if (end < 24 || b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) return 'no xz stream footer';
  const footer = Buffer.from(b.buffer, b.byteOffset + end - 12, 12);
  if (footer.readUInt32LE(0) !== crc32(footer.subarray(4, 10))) return 'the xz stream footer is damaged';
  if (b[6] !== footer[8] || b[7] !== footer[9]) return 'the xz stream footer does not match its header';
  return undefined;
}

/** Walk the zstd frames in `b` block by block (no decoding): they must end exactly at its end. */
function zstdEnds(b: Uint8Array): string | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  while (p < b.length) {
    if (p + 4 > b.length) return 'a zstd frame is cut short';
    const magic = dv.getUint32(p, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (p + 8 > b.length) return 'a zstd frame is cut short';
      p += 8 + dv.getUint32(p + 4, true);
      continue;
    }
    if (magic !== 0xfd2fb528) return 'not a zstd frame';
    const fhd = b[p + 4];
    if (fhd === undefined) return 'a zstd frame is cut short';
    const single = (fhd >> 5) & 1;
    const fcs = [single, 2, 4, 8][fhd >> 6]!;
    p += 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcs;
    for (;;) {
      if (p + 3 > b.length) return 'a zstd block is cut short';
      const h = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
      const type = (h >> 1) & 3;
      if (type === 3) return 'a reserved zstd block type';
      p += 3 + (type === 1 ? 1 : h >>> 3);
      if (h & 1) break;
    }
    if ((fhd >> 2) & 1) p += 4;
  }
  return p === b.length ? undefined : 'a zstd frame is cut short';
}

/** Inflate a small gzip data member to its end (compress.ts gunzipSmall): undefined when it may be big. */
function gunzipsSmall(b: Uint8Array, source: string): Buffer | undefined {
  try {
    return gunzipSmall(b);
  } catch (e) {
    throw inputError(
      'DECOMPRESS_FAILED',
      `${source}: cannot decompress gz data: ${e instanceof Error ? e.message : String(e)}`,
      'The file is damaged or not what its name says; rebuild or re-download it.',
      { file: source },
    );
  }
}

/**
 * Refuse a .deb whose data member does not end as a complete stream: xz and zstd are checked
 * by their framing (footer, block walk) without decoding; gzip has no such framing and is
 * inflated to its end (natively, streamed for a big one, nothing kept); an uncompressed tar
 * must end with its end-of-archive blocks. Answers the data tar when the check had it whole
 * anyway (uncompressed, or a small gzip member): listing its files then inflates nothing again.
 */
export async function checkDebData(
  deb: Uint8Array,
  source = 'package.deb',
  members = debMembers(deb, source),
): Promise<Uint8Array | undefined> {
  const { data, dataCompression } = members;
  const b = data.data;
  let why: string | undefined;
  let tar: Uint8Array | undefined;
  if (dataCompression === 'xz') why = xzEnds(b);
  else if (dataCompression === 'zst') why = zstdEnds(b);
  else if (dataCompression === 'none') {
    const tail = b.subarray(Math.max(0, b.length - 1024));
    why = b.length % 512 !== 0 || tail.length < 1024 || tail.some((x) => x !== 0) ? 'no tar end-of-archive blocks' : undefined;
    tar = b;
  } else {
    try {
      tar = gunzipsSmall(b, `${source}:${data.name}`);
      if (!tar) await decompressChunks(b, 'gz', `${source}:${data.name}`, () => undefined);
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
  }
  if (why) throw truncatedData(source, data.name, why);
  return tar;
}
