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
  // Stop at the end-of-archive blocks: what follows is no file, and a 100 KB member could make
  // gigabytes of it (zstd RLE blocks) that took seconds to decode for nothing.
  await decompressChunks(data.data, comp, where, (chunk) => {
    tar.push(chunk);
    return tar.ended;
  });
  return installedPaths(tar);
}

/** debDataFiles of a data member already decompressed (`tar`, its whole bytes). */
export function tarDataFiles(tar: Uint8Array, where: string): string[] {
  const lister = new TarNameLister(where);
  lister.push(tar);
  return installedPaths(lister);
}

const installedPaths = (tar: TarNameLister) =>
  tar
    .end()
    .filter((e) => e.type !== '5' && e.name !== '')
    .map((e) => e.name);

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
    lines[i] = contentsLine(path, typeof o === 'string' ? o : [...o]);
  }
  return lines.join('');
}

/** One Contents line: the path, blanks to column 60, its owners sorted bytewise. */
function contentsLine(path: string, owners: string | string[]): string {
  return `${path}${PAD[path.length] ?? ' '}${typeof owners === 'string' ? owners : owners.sort(bytewise).join(',')}\n`;
}

/** A package's part in a Contents index: where it is listed (contentsLocation) and the paths it ships. */
export interface ContentsOwner {
  location: string;
  files: readonly string[];
}

/**
 * Whether renderContents' lines for these paths and this location can be found again in the
 * text by spliceContents: a path without a newline or a trailing blank, a location without
 * blanks or commas.
 */
export function spliceable(o: ContentsOwner): boolean {
  return /^[^\s,]+$/.test(o.location) && o.files.every((f) => !/\n|\s$/.test(f));
}

/** A change spliceContents made: `removed` bytes of the old text at `at` became `added` bytes. */
export interface TextEdit {
  at: number;
  removed: number;
  added: number;
}

const NL = 0x0a;
const BLANK = 0x20;

/**
 * What renderContents writes for a set of packages (UTF-8), from what it wrote for the set
 * before (`previous`) and the packages that left (`removed`) and came (`added`): only the lines
 * of their paths are found (by binary search: the lines are sorted bytewise) and rewritten, and
 * the changes are listed (`edits`, in order) so that the caller can cut and compress only
 * around them. Adding one package to 10,000 of 26 files each re-rendered 260,000 lines (~0.2 s)
 * for 26 new ones.
 *
 * The caller vouches that `previous` is renderContents' text for the set before, that every
 * owner here is `spliceable`, and that no package outside `removed` and `added` shares a
 * location with one of them (removing a location from a path would then drop the other
 * package's claim); under those the result is byte for byte renderContents' text for the new
 * set (tests check it). A package replaced by another version is in both lists. Pure.
 */
export function spliceContents(
  previous: Uint8Array,
  removed: readonly ContentsOwner[],
  added: readonly ContentsOwner[],
): { text: Buffer; edits: TextEdit[] } {
  const old = Buffer.from(previous.buffer, previous.byteOffset, previous.byteLength);
  // Per path: the locations that leave it and that come to it.
  const changes = new Map<string, { gone: Set<string>; come: Set<string> }>();
  const change = (path: string) => {
    let c = changes.get(path);
    if (!c) changes.set(path, (c = { gone: new Set(), come: new Set() }));
    return c;
  };
  for (const o of removed) for (const f of o.files) change(f).gone.add(o.location);
  for (const o of added) for (const f of o.files) change(f).come.add(o.location);
  const parts: Buffer[] = [];
  const edits: TextEdit[] = [];
  let copied = 0; // old[0, copied) is in `parts`
  for (const path of [...changes.keys()].sort(bytewise)) {
    const key = Buffer.from(path);
    const at = firstLineAtOrAfter(old, key, copied);
    const end = at < old.length ? old.indexOf(NL, at) + 1 || old.length : at;
    const here = at < end && old.subarray(at, pathEnd(old, at, end)).equals(key);
    const owners = new Set(here ? old.toString('utf8', old.lastIndexOf(BLANK, end - 1) + 1, end - 1).split(',') : []);
    const { gone, come } = changes.get(path)!;
    for (const l of gone) owners.delete(l);
    for (const l of come) owners.add(l);
    const line = owners.size > 0 ? Buffer.from(contentsLine(path, [...owners])) : Buffer.alloc(0);
    parts.push(old.subarray(copied, at), line);
    const gap = here ? end - at : 0;
    const last = edits[edits.length - 1];
    if (last && last.at + last.removed === at) {
      last.removed += gap;
      last.added += line.length;
    } else edits.push({ at, removed: gap, added: line.length });
    copied = at + gap;
  }
  parts.push(old.subarray(copied));
  return { text: Buffer.concat(parts), edits };
}

/** Where a Contents line's path ends (see spliceable): before the blanks before its last field. */
function pathEnd(text: Buffer, at: number, end: number): number {
  let p = text.lastIndexOf(BLANK, end - 1);
  while (p > at && text[p - 1] === BLANK) p--;
  return Math.max(p, at);
}

/** Offset of the first line of `text` from `from` (a line start) whose path sorts at or after `path`, or text.length. */
function firstLineAtOrAfter(text: Buffer, path: Buffer, from: number): number {
  let lo = from;
  let hi = text.length;
  // Invariant: lo and hi are line starts (or the end); every line before lo sorts before `path`,
  // every line from hi on at or after it.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // The start of the line holding `mid`: at or after lo (lo starts a line).
    const at = mid > lo ? text.lastIndexOf(NL, mid - 1) + 1 : lo;
    const end = text.indexOf(NL, at) + 1 || text.length;
    if (text.subarray(at, pathEnd(text, at, end)).compare(path) < 0) lo = end;
    else hi = at;
  }
  return lo;
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
