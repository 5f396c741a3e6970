/**
 * The RPM header structure, shared by the signature header and the main header:
 * magic (8e ad e8 01), 4 reserved bytes, index count, data size, 16-byte index entries
 * (tag, type, offset, count, big-endian) and the data store. Pure: bytes in, objects out.
 */
import { inputError } from '../../core/errors.js';
import { RpmType, type RpmTypeCode } from './tags.js';

export const HEADER_MAGIC = Uint8Array.of(0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0);
/** Sanity bounds from rpm's header.c (hdrchkTags/hdrchkData): refuse absurd sizes early. */
const MAX_INDEX = 0x0000ffff;
const MAX_DATA = 0x0fffffff;

export interface HeaderEntry {
  tag: number;
  type: RpmTypeCode;
  offset: number;
  count: number;
}

export interface RpmHeader {
  /** Byte offset of the header (its magic) in the input. */
  start: number;
  /** Byte offset just past the header's data store. */
  end: number;
  /** Index entries in on-disk order. */
  entries: HeaderEntry[];
  /** The data store. */
  data: Uint8Array;
  byTag: Map<number, HeaderEntry>;
  /** The file, for errors about its tags. */
  source?: string | undefined;
}

function bad(what: string, source: string | undefined, offset: number) {
  return inputError(
    'RPM_MALFORMED',
    `${source ?? 'rpm'}: ${what} (at byte ${offset})`,
    'The file is not a valid RPM package or is truncated; rebuild or re-download it.',
    {
      ...(source ? { file: source } : {}),
      offset,
    },
  );
}

/** Parse one header starting at `start`. `source` names the file in errors. */
export function parseHeader(buf: Uint8Array, start: number, source?: string): RpmHeader {
  if (buf.length < start + 16) throw bad('truncated header', source, start);
  for (let i = 0; i < 4; i++) if (buf[start + i] !== HEADER_MAGIC[i]) throw bad('bad header magic', source, start);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const il = dv.getUint32(start + 8);
  const dl = dv.getUint32(start + 12);
  if (il > MAX_INDEX || dl > MAX_DATA) throw bad(`implausible header size (${il} entries, ${dl} bytes)`, source, start);
  const dataStart = start + 16 + il * 16;
  const end = dataStart + dl;
  if (end > buf.length) throw bad('truncated header data', source, start);
  const entries: HeaderEntry[] = [];
  const byTag = new Map<number, HeaderEntry>();
  for (let i = 0; i < il; i++) {
    const o = start + 16 + i * 16;
    const type = dv.getUint32(o + 4);
    if (type > RpmType.I18NSTRING) throw bad(`unknown entry type ${type}`, source, o);
    const e: HeaderEntry = { tag: dv.getUint32(o), type: type as RpmTypeCode, offset: dv.getInt32(o + 8), count: dv.getUint32(o + 12) };
    if (e.offset < 0 || e.offset > dl) throw bad(`entry ${e.tag} points outside the header`, source, o);
    entries.push(e);
    if (!byTag.has(e.tag)) byTag.set(e.tag, e);
  }
  const data = buf.subarray(dataStart, end);
  checkRegion(entries, data, il, source, start);
  return { start, end, entries, data, byTag, source };
}

const REGION_TAGS = new Set([61, 62, 63]); // HEADERIMAGE, HEADERSIGNATURES, HEADERIMMUTABLE
const REGION_TAG_COUNT = 16;

/**
 * rpm's hdrblobVerifyRegion: a header whose first entry is a region tag (every header rpm >= 4
 * writes) must close with a trailer entry naming the same tag and the size of the index it
 * covers. A wrong entry count (or any shift of the index) fails here, as it does in rpm
 * ("region trailer: BAD"), instead of reading data as something else.
 */
function checkRegion(entries: readonly HeaderEntry[], data: Uint8Array, il: number, source: string | undefined, start: number): void {
  const first = entries[0];
  if (!first || !REGION_TAGS.has(first.tag) || first.type !== RpmType.BIN || first.count !== REGION_TAG_COUNT) return;
  if (first.offset + REGION_TAG_COUNT > data.length) throw bad(`region trailer of tag ${first.tag} runs past the header`, source, start);
  const dv = new DataView(data.buffer, data.byteOffset + first.offset, REGION_TAG_COUNT);
  const tag = dv.getUint32(0);
  const type = dv.getUint32(4);
  const offset = -dv.getInt32(8);
  const count = dv.getUint32(12);
  const ril = offset / 16;
  if (tag !== first.tag || type !== RpmType.BIN || count !== REGION_TAG_COUNT || offset % 16 !== 0 || ril < 1 || ril > il)
    throw bad(`region trailer of tag ${first.tag} does not match the header index (${il} entries): rpm refuses it`, source, start);
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function readStrings(h: RpmHeader, e: HeaderEntry): string[] {
  const out: string[] = [];
  let p = e.offset;
  for (let i = 0; i < e.count; i++) {
    const z = h.data.indexOf(0, p);
    if (z < 0) throw bad(`unterminated string in tag ${e.tag}`, h.source, h.start);
    out.push(decoder.decode(h.data.subarray(p, z)));
    p = z + 1;
  }
  return out;
}

/** The string value of `tag` (first element for arrays and i18n strings), or undefined. */
export function getString(h: RpmHeader, tag: number): string | undefined {
  const e = h.byTag.get(tag);
  if (!e) return undefined;
  if (e.type !== RpmType.STRING && e.type !== RpmType.STRING_ARRAY && e.type !== RpmType.I18NSTRING) return undefined;
  return readStrings(h, { ...e, count: Math.min(e.count, 1) })[0];
}

/** The string array value of `tag`; [] when absent. */
export function getStrings(h: RpmHeader, tag: number): string[] {
  const e = h.byTag.get(tag);
  if (!e) return [];
  if (e.type !== RpmType.STRING && e.type !== RpmType.STRING_ARRAY && e.type !== RpmType.I18NSTRING) return [];
  return readStrings(h, e);
}

/** The integer array of `tag` (INT8/16/32/64, unsigned); [] when absent. */
export function getNumbers(h: RpmHeader, tag: number): number[] {
  const e = h.byTag.get(tag);
  if (!e) return [];
  const dv = new DataView(h.data.buffer, h.data.byteOffset, h.data.byteLength);
  const out: number[] = new Array(e.count);
  const size =
    e.type === RpmType.INT64
      ? 8
      : e.type === RpmType.INT32
        ? 4
        : e.type === RpmType.INT16
          ? 2
          : e.type === RpmType.INT8 || e.type === RpmType.CHAR
            ? 1
            : 0;
  if (!size) return [];
  if (e.offset + size * e.count > h.data.length) throw bad(`tag ${e.tag} runs past the header`, h.source, h.start);
  for (let i = 0; i < e.count; i++) {
    const o = e.offset + i * size;
    out[i] = size === 8 ? Number(dv.getBigUint64(o)) : size === 4 ? dv.getUint32(o) : size === 2 ? dv.getUint16(o) : dv.getUint8(o);
  }
  return out;
}

export function getNumber(h: RpmHeader, tag: number): number | undefined {
  return getNumbers(h, tag)[0];
}

/** Raw bytes of a BIN entry. */
export function getBinary(h: RpmHeader, tag: number): Uint8Array | undefined {
  const e = h.byTag.get(tag);
  if (!e || e.type !== RpmType.BIN) return undefined;
  return h.data.subarray(e.offset, e.offset + e.count);
}

/** A value to encode into a header. */
export type HeaderValue =
  | { type: typeof RpmType.INT32; value: number[] }
  | { type: typeof RpmType.INT64; value: bigint[] }
  | { type: typeof RpmType.STRING; value: string }
  | { type: typeof RpmType.STRING_ARRAY; value: string[] }
  | { type: typeof RpmType.BIN; value: Uint8Array };

/** Decode an entry back into an encodable value (for rewriting the signature header). */
export function entryValue(h: RpmHeader, e: HeaderEntry): HeaderValue {
  switch (e.type) {
    case RpmType.INT32:
      return { type: RpmType.INT32, value: getNumbers(h, e.tag) };
    case RpmType.INT64: {
      // Checked before Array.from: a count past the data store would throw a raw RangeError.
      if (e.offset + 8 * e.count > h.data.length) throw bad(`tag ${e.tag} runs past the header`, h.source, h.start);
      const dv = new DataView(h.data.buffer, h.data.byteOffset, h.data.byteLength);
      return { type: RpmType.INT64, value: Array.from({ length: e.count }, (_, i) => dv.getBigUint64(e.offset + i * 8)) };
    }
    case RpmType.STRING:
      return { type: RpmType.STRING, value: readStrings(h, { ...e, count: 1 })[0]! };
    case RpmType.STRING_ARRAY:
      return { type: RpmType.STRING_ARRAY, value: readStrings(h, e) };
    case RpmType.BIN:
      return { type: RpmType.BIN, value: h.data.slice(e.offset, e.offset + e.count) };
    default:
      throw bad(`cannot re-encode signature entry ${e.tag} of type ${e.type}`, h.source, h.start);
  }
}

const ALIGN: Partial<Record<number, number>> = { [RpmType.INT16]: 2, [RpmType.INT32]: 4, [RpmType.INT64]: 8 };

/**
 * Encode a header the way rpm's headerExport does for a signature header: entries sorted by
 * tag, data in the same order with natural alignment, and the whole header made one region
 * (`regionTag`, e.g. HEADERSIGNATURES) whose trailer closes the data store.
 */
export function encodeHeader(values: Map<number, HeaderValue>, regionTag: number): Uint8Array {
  const tags = [...values.keys()].filter((t) => t !== regionTag).sort((a, b) => a - b);
  const il = tags.length + 1;
  const enc = new TextEncoder();
  const chunks: Array<{ tag: number; type: number; offset: number; count: number; bytes: Uint8Array }> = [];
  let size = 0;
  for (const tag of tags) {
    const v = values.get(tag)!;
    let bytes: Uint8Array;
    let count: number;
    switch (v.type) {
      case RpmType.INT32: {
        bytes = new Uint8Array(4 * v.value.length);
        const dv = new DataView(bytes.buffer);
        for (const [i, n] of v.value.entries()) dv.setUint32(i * 4, n);
        count = v.value.length;
        break;
      }
      case RpmType.INT64: {
        bytes = new Uint8Array(8 * v.value.length);
        const dv = new DataView(bytes.buffer);
        for (const [i, n] of v.value.entries()) dv.setBigUint64(i * 8, n);
        count = v.value.length;
        break;
      }
      case RpmType.STRING:
        bytes = Uint8Array.from([...enc.encode(v.value), 0]);
        count = 1;
        break;
      case RpmType.STRING_ARRAY:
        bytes = Uint8Array.from(v.value.flatMap((s) => [...enc.encode(s), 0]));
        count = v.value.length;
        break;
      case RpmType.BIN:
        bytes = v.value;
        count = v.value.length;
        break;
    }
    const align = ALIGN[v.type] ?? 1;
    size = Math.ceil(size / align) * align;
    chunks.push({ tag, type: v.type, offset: size, count, bytes });
    size += bytes.length;
  }
  const trailerOffset = size;
  const dl = size + 16;
  const out = new Uint8Array(16 + il * 16 + dl);
  const dv = new DataView(out.buffer);
  out.set(HEADER_MAGIC, 0);
  dv.setUint32(8, il);
  dv.setUint32(12, dl);
  const writeEntry = (at: number, tag: number, type: number, offset: number, count: number) => {
    dv.setUint32(at, tag);
    dv.setUint32(at + 4, type);
    dv.setInt32(at + 8, offset);
    dv.setUint32(at + 12, count);
  };
  writeEntry(16, regionTag, RpmType.BIN, trailerOffset, 16);
  const dataStart = 16 + il * 16;
  chunks.forEach((c, i) => {
    writeEntry(16 + (i + 1) * 16, c.tag, c.type, c.offset, c.count);
    out.set(c.bytes, dataStart + c.offset);
  });
  writeEntry(dataStart + trailerOffset, regionTag, RpmType.BIN, -(il * 16), 16);
  return out;
}
