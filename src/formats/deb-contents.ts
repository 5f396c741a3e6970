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
 * text by spliceContents: a path without a newline, without a trailing blank and without a
 * character where UTF-16 and byte order differ (the text is then in JavaScript's order); a
 * location without blanks or commas.
 */
export function spliceable(o: ContentsOwner): boolean {
  return /^[^\s,]+$/.test(o.location) && o.files.every((f) => !/\n|\s$|[\ud800-\uffff]/.test(f));
}

/**
 * What renderContents writes for a set of packages, from what it wrote for the set before
 * (`previous`) and the packages that left (`removed`) and came (`added`): only the lines of
 * their paths are found (by binary search: the lines are sorted) and rewritten. Adding one
 * package to 10,000 of 26 files each re-rendered 260,000 lines (~0.2 s) for 26 new ones.
 *
 * The caller vouches that `previous` is renderContents' text for the set before, that every
 * owner here is `spliceable`, and that no package outside `removed` and `added` shares a
 * location with one of them (removing a location from a path would then drop the other
 * package's claim); under those the result is byte for byte renderContents' text for the new
 * set (tests check it). A package replaced by another version is in both lists. Pure.
 */
export function spliceContents(previous: string, removed: readonly ContentsOwner[], added: readonly ContentsOwner[]): string {
  // Per path: the locations that leave it and that come to it.
  const edits = new Map<string, { gone: Set<string>; come: Set<string> }>();
  const edit = (path: string) => {
    let e = edits.get(path);
    if (!e) edits.set(path, (e = { gone: new Set(), come: new Set() }));
    return e;
  };
  for (const o of removed) for (const f of o.files) edit(f).gone.add(o.location);
  for (const o of added) for (const f of o.files) edit(f).come.add(o.location);
  const paths = [...edits.keys()].sort();
  const out: string[] = [];
  let copied = 0; // previous[0, copied) is in `out`
  for (const path of paths) {
    const at = firstLineAtOrAfter(previous, path, copied);
    const end = at < previous.length ? previous.indexOf('\n', at) + 1 || previous.length : at;
    const line = at < end ? previous.slice(at, end) : '';
    const here = line !== '' && pathOfLine(line) === path;
    const owners = new Set(here ? line.slice(line.lastIndexOf(' ') + 1, -1).split(',') : []);
    const { gone, come } = edits.get(path)!;
    for (const l of gone) owners.delete(l);
    for (const l of come) owners.add(l);
    out.push(previous.slice(copied, at));
    if (owners.size > 0) out.push(contentsLine(path, [...owners]));
    copied = here ? end : at;
  }
  out.push(previous.slice(copied));
  return out.join('');
}

/** A Contents line's path (see spliceable): what comes before the blanks before its last field. */
function pathOfLine(line: string): string {
  return line.slice(0, line.lastIndexOf(' ')).replace(/ +$/, '');
}

/** Offset of the first line of `text` from `from` (a line start) whose path sorts at or after `path`, or text.length. */
function firstLineAtOrAfter(text: string, path: string, from: number): number {
  let lo = from;
  let hi = text.length;
  // Invariant: lo and hi are line starts (or the end); every line before lo sorts before `path`,
  // every line from hi on at or after it.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // The start of the line holding `mid`: at or after lo (lo starts a line).
    const at = mid > lo ? text.lastIndexOf('\n', mid - 1) + 1 : lo;
    const end = text.indexOf('\n', at) + 1 || text.length;
    if (pathOfLine(text.slice(at, end)) < path) lo = end;
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
