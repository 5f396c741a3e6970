/**
 * A .gz made of independently compressed segments, and the segments of such a file read back
 * (no decoding). Each segment is raw deflate of one piece of text ending in a full flush (an
 * empty stored block: byte-aligned, and the next segment needs no window from it), so segments
 * compressed separately join into ONE deflate stream, closed by an empty final block, in ONE
 * ordinary gzip member that gzip, zlib's gzread (apt) and every other reader decode.
 * Each segment's sizes and the first 16 bytes of its text's SHA-256 are kept in the header's
 * extra field (RFC 1952 2.3.1.1, subfield "pt": per segment a little-endian u32 compressed
 * length, a u32 uncompressed length and the 16 hash bytes), which readers skip. So the next
 * publish takes unchanged segments as they are (repo/apt/compress.ts), as it does with .xz
 * blocks, from the .gz alone: no plain copy of the old text is needed (apt's Contents indexes
 * are served only as .gz). Pure.
 */
import { crc32 } from 'node:zlib';

export interface GzipSegment {
  /** Raw deflate data of the piece, ending in a full flush (not final). */
  deflate: Uint8Array;
  /** Length of the text it holds. */
  uncompressed: number;
  /** The first TEXT_HASH_BYTES bytes of the SHA-256 of the text it holds. */
  textHash: Uint8Array;
}

export const TEXT_HASH_BYTES = 16;
const ENTRY = 8 + TEXT_HASH_BYTES;

const SUBFIELD = [0x70, 0x74]; // "pt"
/** An empty fixed-Huffman block with BFINAL set: ends the deflate stream. */
const FINAL_BLOCK = [0x03, 0x00];
const FLG_FEXTRA = 0x04;
const MAX_SUBFIELD = 0xffff;

/**
 * One gzip member holding the segments in order; `crc` is the CRC-32 of all the text they hold.
 * The segment table goes in the extra field while it fits (2,730 segments, ~700 MB of index
 * text); past that, the file is still right, it just cannot be reused.
 */
export function joinGzipSegments(segments: readonly GzipSegment[], crc: number): Uint8Array {
  const sizesLen = segments.length * ENTRY;
  const withSizes = sizesLen <= MAX_SUBFIELD - 4;
  const extraLen = withSizes ? 4 + sizesLen : 0;
  const headerLen = 10 + (withSizes ? 2 + extraLen : 0);
  const dataLen = segments.reduce((n, s) => n + s.deflate.length, 0);
  const out = new Uint8Array(headerLen + dataLen + FINAL_BLOCK.length + 8);
  const view = new DataView(out.buffer);
  // ID1 ID2 CM=deflate FLG MTIME=0 XFL=2 (max compression) OS=3 (Unix)
  out.set([0x1f, 0x8b, 0x08, withSizes ? FLG_FEXTRA : 0, 0, 0, 0, 0, 0x02, 0x03]);
  let at = 10;
  if (withSizes) {
    view.setUint16(at, extraLen, true);
    out.set(SUBFIELD, at + 2);
    view.setUint16(at + 4, sizesLen, true);
    at += 6;
    for (const s of segments) {
      view.setUint32(at, s.deflate.length, true);
      view.setUint32(at + 4, s.uncompressed, true);
      out.set(s.textHash.subarray(0, TEXT_HASH_BYTES), at + 8);
      at += ENTRY;
    }
  }
  for (const s of segments) {
    out.set(s.deflate, at);
    at += s.deflate.length;
  }
  out.set(FINAL_BLOCK, at);
  at += FINAL_BLOCK.length;
  const total = segments.reduce((n, s) => n + s.uncompressed, 0);
  view.setUint32(at, crc >>> 0, true);
  view.setUint32(at + 4, total % 2 ** 32, true);
  return out;
}

/**
 * The segments of `gz` when it is one member written by joinGzipSegments whose sizes add up to
 * its length and to the length its trailer records; undefined otherwise (the caller then
 * compresses afresh).
 */
export function gzipSegments(gz: Uint8Array): GzipSegment[] | undefined {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 0x08 || gz[3] !== FLG_FEXTRA) return undefined;
  const view = new DataView(gz.buffer, gz.byteOffset, gz.byteLength);
  const extraLen = view.getUint16(10, true);
  const dataStart = 12 + extraLen;
  if (dataStart > gz.length) return undefined;
  // Find the "pt" subfield among the extra field's subfields.
  let sizes: DataView | undefined;
  for (let at = 12; at + 4 <= dataStart; ) {
    const len = view.getUint16(at + 2, true);
    if (at + 4 + len > dataStart) return undefined;
    if (gz[at] === SUBFIELD[0] && gz[at + 1] === SUBFIELD[1]) sizes = new DataView(gz.buffer, gz.byteOffset + at + 4, len);
    at += 4 + len;
  }
  if (!sizes || sizes.byteLength % ENTRY !== 0) return undefined;
  const segments: GzipSegment[] = [];
  let at = dataStart;
  let text = 0;
  for (let i = 0; i < sizes.byteLength; i += ENTRY) {
    const length = sizes.getUint32(i, true);
    const uncompressed = sizes.getUint32(i + 4, true);
    if (at + length > gz.length) return undefined;
    const hashAt = sizes.byteOffset + i + 8;
    segments.push({ deflate: gz.subarray(at, at + length), uncompressed, textHash: new Uint8Array(sizes.buffer, hashAt, TEXT_HASH_BYTES) });
    at += length;
    text += uncompressed;
  }
  const end = gz.length - 8;
  if (at + FINAL_BLOCK.length !== end || gz[at] !== FINAL_BLOCK[0] || gz[at + 1] !== FINAL_BLOCK[1]) return undefined;
  if (view.getUint32(end + 4, true) !== text % 2 ** 32) return undefined;
  return segments;
}

/** CRC-32 of the text, as the gzip trailer wants it. */
export const gzipCrc = (text: Uint8Array): number => crc32(text);
