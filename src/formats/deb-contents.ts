/**
 * Contents indices (apt-file's data): which package ships which path. Pure: a .deb's bytes in,
 * its file list out; file lists in, the index text out.
 *
 * Format (Debian repository format, "Contents indices"): one line per path, the path without a
 * leading "./", whitespace, then a comma-separated list of `[[area/]section/]package`. Clients
 * take the last whitespace-separated field as the list, so paths with spaces are fine. Lines
 * are sorted bytewise by path, as dak and apt-ftparchive write them.
 */
import { inputError } from '../core/errors.js';
import { readAr } from './ar.js';
import { compressionOf, decompressChunks } from './compress.js';
import { TarNameLister } from './tar.js';

/**
 * Every path a .deb installs that is not a directory (files, symlinks, hard links, device
 * nodes), normalised ("./usr/bin/x" → "usr/bin/x"), in archive order. data.tar is streamed
 * through the decompressor and only its headers are read: memory stays small for any size.
 */
export async function debDataFiles(deb: Uint8Array, source = 'package.deb'): Promise<string[]> {
  const data = readAr(deb, source).find((m) => m.name.startsWith('data.tar'));
  const comp = data ? compressionOf(data.name) : undefined;
  if (!data || !comp)
    throw inputError('DEB_NO_DATA', `${source} has no data.tar{,.gz,.xz,.zst} member`, 'Rebuild the package with dpkg-deb.', {
      file: source,
    });
  const where = `${source}:${data.name}`;
  const tar = new TarNameLister(where);
  await decompressChunks(data.data, comp, where, (chunk) => tar.push(chunk));
  return tar
    .end()
    .filter((e) => e.type !== '5' && e.name !== '')
    .map((e) => e.name);
}

/** The qualified name a Contents line gives a package: `section/name` (dak's form), or just the name. */
export function contentsLocation(name: string, section?: string): string {
  return section ? `${section}/${name}` : name;
}

/** The blanks after a path of each length below 60 (Contents lines align their locations at column 60). */
const PAD = Array.from({ length: 60 }, (_, n) => ' '.repeat(60 - n));

/**
 * Contents index text for packages with their file lists (several packages may share a path).
 * Built for hundreds of thousands of lines: a path's owner is kept as one string until a second
 * package claims it (a Set per path was most of the time, in allocation and collection), paths
 * sort natively unless one holds a character where UTF-16 and UTF-8 order differ, and the
 * lines are joined once (one flat string, cheap to encode, not a rope of 260,000 pieces).
 */
export function renderContents(packages: Iterable<{ location: string; files: readonly string[] }>): string {
  const owners = new Map<string, string | Set<string>>();
  for (const p of packages) {
    for (const f of p.files) {
      const o = owners.get(f);
      if (o === undefined) owners.set(f, p.location);
      else if (typeof o === 'string') {
        if (o !== p.location) owners.set(f, new Set([o, p.location]));
      } else o.add(p.location);
    }
  }
  const paths = [...owners.keys()];
  if (paths.some((p) => ABOVE_SURROGATES.test(p))) paths.sort(bytewise);
  else paths.sort();
  const lines = new Array<string>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const o = owners.get(path)!;
    lines[i] = `${path}${PAD[path.length] ?? ' '}${typeof o === 'string' ? o : [...o].sort(bytewise).join(',')}\n`;
  }
  return lines.join('');
}

/** A character from U+D800 up: where JavaScript's default (UTF-16) order may differ from byte order (see bytewise). */
const ABOVE_SURROGATES = /[\ud800-\uffff]/;

/** Parse Contents text back to path → locations (tests, and reading a published index). */
export function parseContents(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(.*\S)\s+(\S+)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.split(','));
  }
  return out;
}

/**
 * Byte order of the UTF-8 encodings (what `LC_ALL=C sort` and dak use) without encoding: UTF-8
 * order is code point order, which differs from JavaScript's UTF-16 order only where a
 * surrogate (a code point above U+FFFF) meets U+E000..U+FFFF.
 */
export function bytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}
