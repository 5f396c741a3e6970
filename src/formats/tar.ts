/**
 * A minimal, strict tar reader over bytes (ustar, GNU long names, pax `path`/`size`), enough
 * to pull `./control` out of a .deb's control.tar. Pure: decompressed bytes in, entries out.
 * Only reads: it never extracts, so hostile names cannot escape anything here, but names are
 * normalised ("./control" → "control") so callers match them simply.
 */
import { inputError } from '../core/errors.js';

export interface TarEntry {
  /** Normalised path: no leading "./", no trailing "/". */
  name: string;
  /** '0' file, '5' dir, '2' symlink, '1' hardlink, ... (ustar typeflag). */
  type: string;
  size: number;
  data: Uint8Array;
}

const BLOCK = 512;

function field(b: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + off, end - off).toString('utf8');
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function octal(b: Uint8Array, off: number, len: number, source: string): number {
  // GNU base-256 for huge sizes: high bit of the first byte set.
  if ((b[off]! & 0x80) !== 0) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  // The common shape read from the bytes (listing a data.tar reads thousands of headers):
  // blanks, octal digits, blanks, up to a NUL or the field's end. Anything else takes the text
  // path below, which gives the verdict.
  const end = off + len;
  let i = off;
  while (i < end && isSpace(b[i]!)) i++;
  let v = 0;
  for (; i < end && b[i]! >= 0x30 && b[i]! <= 0x37; i++) v = v * 8 + (b[i]! - 0x30);
  while (i < end && isSpace(b[i]!)) i++;
  if (i === end || b[i] === 0) return v;
  return octalText(b, off, len, source);
}

function octalText(b: Uint8Array, off: number, len: number, source: string): number {
  const t = field(b, off, len).trim();
  if (t === '') return 0;
  if (!/^[0-7]+$/.test(t))
    throw inputError('TAR_BAD_HEADER', `${source}: corrupt tar header (number "${t}")`, 'The archive is damaged.', { file: source });
  return Number.parseInt(t, 8);
}

function normalise(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  if (n.endsWith('/')) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

function paxRecords(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = Buffer.from(data).toString('utf8');
  let pos = 0;
  while (pos < text.length) {
    const sp = text.indexOf(' ', pos);
    if (sp < 0) break;
    const len = Number(text.slice(pos, sp));
    if (!Number.isInteger(len) || len <= 0) break;
    const rec = text.slice(sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** What a header block says, before GNU long-name and pax records are applied. */
interface Header {
  /** '0' file, '5' dir, 'L' GNU long name, 'K' GNU long link, 'x' pax, 'g' pax global ... */
  type: string;
  size: number;
  name: string;
}

/** Parse one 512-byte header; undefined for an all-zero block (the end of the archive). */
function readHeader(h: Uint8Array, at: number, source: string): Header | undefined {
  if (h.every((x) => x === 0)) return undefined;
  // The checksum field counts as eight blanks.
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += h[i]!;
  for (let i = 156; i < BLOCK; i++) sum += h[i]!;
  if (sum !== octal(h, 148, 8, source)) {
    throw inputError('TAR_BAD_CHECKSUM', `${source}: tar header checksum mismatch at byte ${at}`, 'The archive is damaged; rebuild it.', {
      file: source,
    });
  }
  let name = field(h, 0, 100);
  // A ustar prefix ("ustar" magic, a non-empty prefix field) goes before the name.
  const ustar = h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72;
  if (ustar && h[345] !== 0) name = `${field(h, 345, 155)}/${name}`;
  return { type: String.fromCharCode(h[156] || 0x30), size: octal(h, 124, 12, source), name };
}

/**
 * The records that only modify the next entry: GNU long name ('L'), pax ('x'); a pax global
 * header ('g') and a GNU long link target ('K') are skipped (only names are needed here).
 */
class NameState {
  private longName: string | undefined;
  private pax: Map<string, string> | undefined;

  /** Size of the entry's data (a pax record may give it); `at`: the header's offset, for errors. */
  size(h: Header, at: number, source: string): number {
    const pax = this.pax?.get('size');
    if (pax === undefined) return h.size;
    // Decimal digits only: a negative size walked the reader back to the same header forever,
    // and made the lister allocate a negative-length record.
    if (!/^\d+$/.test(pax))
      throw inputError(
        'TAR_BAD_HEADER',
        `${source}: corrupt tar header at byte ${at} (pax size ${JSON.stringify(pax.slice(0, 40))} is not a byte count)`,
        'The archive is damaged; rebuild it.',
        { file: source, offset: at },
      );
    return Number(pax);
  }

  /** Whether the header is a modifier record (its data goes to `apply`) rather than an entry. */
  static isRecord(type: string): boolean {
    return type === 'L' || type === 'x' || type === 'g' || type === 'K';
  }

  apply(type: string, data: Uint8Array): void {
    if (type === 'L') this.longName = field(data, 0, data.length);
    else if (type === 'x') this.pax = paxRecords(data);
  }

  /** The entry's normalised name; resets the modifiers for the next entry. */
  take(h: Header): string {
    const name = this.pax?.get('path') ?? this.longName ?? h.name;
    this.longName = undefined;
    this.pax = undefined;
    return normalise(name);
  }
}

/**
 * The entries of `bytes` in order, GNU long-name and pax records applied. When the archive is
 * cut short the last item (an entry or a name record) reaches past the end: `start + size >
 * bytes.length`; nothing follows it. Throws on a damaged header.
 */
function* walk(bytes: Uint8Array, source: string): Generator<{ name: string; type: string; size: number; start: number }> {
  const names = new NameState();
  let pos = 0;
  while (pos + BLOCK <= bytes.length) {
    const h = readHeader(bytes.subarray(pos, pos + BLOCK), pos, source);
    if (!h) return;
    const size = names.size(h, pos, source);
    const start = pos + BLOCK;
    const cut = start + size > bytes.length;
    if (!NameState.isRecord(h.type)) yield { name: names.take(h), type: h.type, size, start };
    else if (cut) yield { name: '', type: h.type, size, start };
    else names.apply(h.type, bytes.subarray(start, start + size));
    if (cut) return;
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}

/**
 * Iterate entries. `stopAfter` returns true to stop early (e.g. once `control` was seen).
 */
export function readTar(bytes: Uint8Array, source = 'tar', stopAfter?: (e: TarEntry) => boolean): TarEntry[] {
  const out: TarEntry[] = [];
  for (const { name, type, size, start } of walk(bytes, source)) {
    if (start + size > bytes.length)
      throw inputError('TAR_TRUNCATED', `${source}: tar archive is truncated`, 'The archive is damaged.', { file: source });
    const entry: TarEntry = { name, type, size, data: bytes.subarray(start, start + size) };
    out.push(entry);
    if (stopAfter?.(entry)) break;
  }
  return out;
}

/**
 * Whether the regular file `name` is complete in `bytes`, the start of a tar stream still being
 * decompressed. Never throws: a damaged archive is for readTar to report, over all of it. Lets a
 * decoder stop once a wanted member is in (a .deb's control file) without readTar's cost, and
 * its truncation error, on every piece.
 */
export function tarHasFile(bytes: Uint8Array, name: string): boolean {
  try {
    for (const e of walk(bytes, 'tar')) if (e.name === name && e.type === '0') return e.start + e.size <= bytes.length;
  } catch {
    /* a damaged header: not (yet) there */
  }
  return false;
}

/** Name records bigger than this are refused (a real long name or pax header is a few KB). */
const MAX_RECORD = 1 << 20;

/**
 * Names and types of a tar stream's entries, fed in pieces of any size (`push`), then `end()`.
 * Entry data is skipped, never kept: listing a data.tar of gigabytes takes a few KB.
 */
export class TarNameLister {
  readonly entries: Array<{ name: string; type: string }> = [];
  private readonly head = new Uint8Array(BLOCK);
  private headFill = 0;
  /** Bytes of data and padding still to pass over. */
  private skip = 0;
  /** A name record being collected, then `pad` bytes to pass over. */
  private record: { type: string; data: Uint8Array; fill: number; pad: number } | undefined;
  private readonly names = new NameState();
  private offset = 0;
  private atEnd = false;

  constructor(private readonly source = 'tar') {}

  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length && !this.atEnd) {
      if (this.record) {
        const r = this.record;
        const n = Math.min(r.data.length - r.fill, chunk.length - p);
        r.data.set(chunk.subarray(p, p + n), r.fill);
        r.fill += n;
        p += n;
        if (r.fill === r.data.length) {
          this.names.apply(r.type, r.data);
          this.skip = r.pad;
          this.record = undefined;
        }
        continue;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - p);
        this.skip -= n;
        p += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headFill, chunk.length - p);
      this.head.set(chunk.subarray(p, p + n), this.headFill);
      this.headFill += n;
      p += n;
      if (this.headFill === BLOCK) {
        this.headFill = 0;
        this.header(this.offset + p - BLOCK);
      }
    }
    this.offset += chunk.length;
  }

  private header(at: number): void {
    const h = readHeader(this.head, at, this.source);
    if (!h) {
      this.atEnd = true;
      return;
    }
    const size = this.names.size(h, at, this.source);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (h.type === 'L' || h.type === 'x') {
      if (size > MAX_RECORD)
        throw inputError('TAR_BAD_HEADER', `${this.source}: a ${size}-byte name record`, 'The archive is damaged.', { file: this.source });
      if (size === 0) this.names.apply(h.type, new Uint8Array(0));
      else this.record = { type: h.type, data: new Uint8Array(size), fill: 0, pad: padded - size };
      return;
    }
    this.skip = padded;
    if (!NameState.isRecord(h.type)) this.entries.push({ name: this.names.take(h), type: h.type });
  }

  /** Whether the end-of-archive blocks were read: anything pushed after them is ignored. */
  get ended(): boolean {
    return this.atEnd;
  }

  /** The entries; refuses an archive that stopped inside a header or an entry's data. */
  end(): Array<{ name: string; type: string }> {
    if (!this.atEnd && (this.headFill > 0 || this.skip > 0 || this.record))
      throw inputError('TAR_TRUNCATED', `${this.source}: tar archive is truncated`, 'The archive is damaged.', { file: this.source });
    return this.entries;
  }
}

/** One entry to write: a regular file ('0') or a directory ('5'). */
export interface TarWriteEntry {
  name: string;
  type: '0' | '5';
  data?: Uint8Array;
  mode?: number;
  mtime?: number;
}

/**
 * Write a ustar archive (names up to 100 bytes, owner root:root), ending with two zero blocks.
 * Pure. What .deb control and data members hold; enough for generated test and bench packages.
 */
export function writeTar(entries: ReadonlyArray<TarWriteEntry>): Uint8Array {
  const parts: Uint8Array[] = [];
  const put = (h: Uint8Array, off: number, len: number, s: string) => {
    Buffer.from(h.buffer, h.byteOffset + off, len).write(s, 'latin1');
  };
  const oct = (n: number, len: number) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  for (const e of entries) {
    const data = e.data ?? new Uint8Array();
    const name = e.type === '5' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name "${name}" is over 100 bytes`);
    const h = new Uint8Array(BLOCK);
    put(h, 0, 100, name);
    put(h, 100, 8, oct(e.mode ?? (e.type === '5' ? 0o755 : 0o644), 8));
    put(h, 108, 8, oct(0, 8));
    put(h, 116, 8, oct(0, 8));
    put(h, 124, 12, oct(data.length, 12));
    put(h, 136, 12, oct(e.mtime ?? 0, 12));
    put(h, 148, 8, '        ');
    h[156] = e.type.charCodeAt(0);
    put(h, 257, 8, 'ustar\x0000');
    put(h, 265, 32, 'root');
    put(h, 297, 32, 'root');
    let sum = 0;
    for (const b of h) sum += b;
    put(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
    parts.push(h, data);
    if (data.length % BLOCK) parts.push(new Uint8Array(BLOCK - (data.length % BLOCK)));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(parts);
}
