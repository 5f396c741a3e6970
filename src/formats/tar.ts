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

function octal(b: Uint8Array, off: number, len: number, source: string): number {
  // GNU base-256 for huge sizes: high bit of the first byte set.
  if ((b[off]! & 0x80) !== 0) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
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

/**
 * Iterate entries. `stopAfter` returns true to stop early (e.g. once `control` was seen).
 */
export function readTar(bytes: Uint8Array, source = 'tar', stopAfter?: (e: TarEntry) => boolean): TarEntry[] {
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  let pax: Map<string, string> | undefined;
  while (pos + BLOCK <= bytes.length) {
    const h = bytes.subarray(pos, pos + BLOCK);
    if (h.every((x) => x === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(h, 148, 8, source)) {
      throw inputError(
        'TAR_BAD_CHECKSUM',
        `${source}: tar header checksum mismatch at byte ${pos}`,
        'The archive is damaged; rebuild it.',
        { file: source },
      );
    }
    const type = String.fromCharCode(h[156] || 0x30);
    let size = octal(h, 124, 12, source);
    if (pax?.has('size')) size = Number(pax.get('size'));
    const start = pos + BLOCK;
    if (start + size > bytes.length)
      throw inputError('TAR_TRUNCATED', `${source}: tar archive is truncated`, 'The archive is damaged.', { file: source });
    const data = bytes.subarray(start, start + size);
    pos = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(h, 345, 155);
    let name = field(h, 0, 100);
    if (prefix && field(h, 257, 6).startsWith('ustar')) name = `${prefix}/${name}`;
    if (longName !== undefined) name = longName;
    if (pax?.has('path')) name = pax.get('path')!;
    longName = undefined;
    pax = undefined;
    const entry: TarEntry = { name: normalise(name), type, size, data };
    out.push(entry);
    if (stopAfter?.(entry)) break;
  }
  return out;
}
