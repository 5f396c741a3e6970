/**
 * The .xz container, at the level of its blocks (no decoding): split a one-stream file into
 * its blocks, and join blocks from several such files into one stream (a new index and
 * footer). A block is self-contained (its header names its filter and dictionary, its check
 * covers its own data), so a block cut from one stream decodes the same in another with the
 * same check type: this is how a big index is recompressed only where its text changed
 * (repo/apt/compress.ts). The result is an ordinary multi-block .xz, as `xz -T` writes.
 * Format: https://tukaani.org/xz/xz-file-format.txt (sections 2.1, 3, 4). Pure.
 */
import { crc32 } from 'node:zlib';

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

export interface XzBlock {
  /** Block header, compressed data, padding and check, as stored. */
  bytes: Uint8Array;
  /** Header + compressed data + check (the index's Unpadded Size). */
  unpadded: number;
  uncompressed: number;
}

export interface XzBlocks {
  /** The stream flags (2 bytes: the check type), which every joined block must share. */
  flags: number;
  blocks: XzBlock[];
}

function readVarint(b: Uint8Array, at: number): [value: number, next: number] | undefined {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    const x = b[at + i];
    if (x === undefined) return undefined;
    v += (x & 0x7f) * 2 ** (7 * i);
    if (!(x & 0x80)) return [v, at + i + 1];
  }
  return undefined;
}

function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset + at, 4).getUint32(0, true);

/**
 * The blocks of `data` when it is exactly one .xz stream whose header, index and footer check
 * out; undefined otherwise (the caller then does not reuse it).
 */
export function xzBlocks(data: Uint8Array): XzBlocks | undefined {
  if (data.length < 32 || MAGIC.some((m, i) => data[i] !== m)) return undefined;
  if (u32(data, 8) !== crc32(data.subarray(6, 8))) return undefined;
  const end = data.length;
  if (data[end - 2] !== 0x59 || data[end - 1] !== 0x5a) return undefined;
  if (u32(data, end - 12) !== crc32(data.subarray(end - 8, end - 2))) return undefined;
  if (data[end - 4] !== data[6] || data[end - 3] !== data[7]) return undefined;
  const indexSize = (u32(data, end - 8) + 1) * 4;
  const indexStart = end - 12 - indexSize;
  if (indexStart < 12 || data[indexStart] !== 0) return undefined;
  if (u32(data, end - 16) !== crc32(data.subarray(indexStart, end - 16))) return undefined;
  const count = readVarint(data, indexStart + 1);
  if (!count) return undefined;
  let p = count[1];
  let at = 12;
  const blocks: XzBlock[] = [];
  for (let i = 0; i < count[0]; i++) {
    const unpadded = readVarint(data, p);
    const uncompressed = unpadded && readVarint(data, unpadded[1]);
    if (!unpadded || !uncompressed || p >= end - 16) return undefined;
    p = uncompressed[1];
    const stored = Math.ceil(unpadded[0] / 4) * 4;
    if (at + stored > indexStart) return undefined;
    blocks.push({ bytes: data.subarray(at, at + stored), unpadded: unpadded[0], uncompressed: uncompressed[0] });
    at += stored;
  }
  if (at !== indexStart) return undefined;
  return { flags: (data[6]! << 8) | data[7]!, blocks };
}

/** One .xz stream of `blocks` (in order), all written with the check type in `flags`. */
export function joinXzBlocks(flags: number, blocks: readonly XzBlock[]): Buffer {
  const flagBytes = Buffer.from([flags >> 8, flags & 0xff]);
  const header = Buffer.alloc(12);
  Buffer.from(MAGIC).copy(header);
  flagBytes.copy(header, 6);
  header.writeUInt32LE(crc32(flagBytes), 8);
  const index: number[] = [0];
  pushVarint(index, blocks.length);
  for (const b of blocks) {
    pushVarint(index, b.unpadded);
    pushVarint(index, b.uncompressed);
  }
  while (index.length % 4) index.push(0);
  const indexBytes = Buffer.alloc(index.length + 4);
  Buffer.from(index).copy(indexBytes);
  indexBytes.writeUInt32LE(crc32(indexBytes.subarray(0, index.length)), index.length);
  const footer = Buffer.alloc(12);
  footer.writeUInt32LE(indexBytes.length / 4 - 1, 4);
  flagBytes.copy(footer, 8);
  footer.writeUInt32LE(crc32(footer.subarray(4, 10)), 0);
  footer[10] = 0x59;
  footer[11] = 0x5a;
  return Buffer.concat([header, ...blocks.map((b) => b.bytes), indexBytes, footer]);
}
