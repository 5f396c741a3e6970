/**
 * The per-package fragments of a yum repository's live metadata, read back from what it
 * published (primary, filelists, other). A publisher that restored only metadata (object
 * storage: the packages stay in the bucket) takes a kept package's fragments from here instead
 * of reading its .rpm — pkgtrack wrote them, one `<package …>…</package>` block per package
 * in a fixed form (package-xml.ts), so the blocks are reused byte for byte. Each block is
 * matched by the package checksum the manifest and the bucket's state both record.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { integrityError } from '../../core/errors.js';
import { ifExists, readTextIfExists } from '../../core/fsutil.js';
import { decompress, MAX_INDEX_TEXT } from '../../formats/compress.js';
import { decodeEntities } from './xml-read.js';

export interface PublishedFragments {
  primary: string;
  filelists: string;
  other: string;
}

/** Every `<package…>…</package>\n` block of a metadata document, in order. Pure. */
export function packageBlocks(doc: string): string[] {
  const out: string[] = [];
  let at = doc.indexOf('<package ');
  while (at >= 0) {
    const end = doc.indexOf('</package>\n', at);
    if (end < 0) break;
    out.push(doc.slice(at, end + '</package>\n'.length));
    at = doc.indexOf('<package ', end);
  }
  return out;
}

const pkgidOf = (block: string) => /^<package pkgid="([0-9a-f]{64})"/.exec(block)?.[1];
const primaryIdOf = (block: string) => /<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>/.exec(block)?.[1];
const hrefOf = (block: string) => {
  const m = /<location href="([^"]*)"\/>/.exec(block);
  return m ? decodeEntities(m[1]!) : undefined;
};

/** The three documents as fragments keyed by package checksum (sha256). Pure. */
export function fragmentsByChecksum(docs: {
  primary: string;
  filelists: string;
  other: string;
}): Map<string, PublishedFragments & { href: string }> {
  const files = new Map(packageBlocks(docs.filelists).map((b) => [pkgidOf(b), b]));
  const other = new Map(packageBlocks(docs.other).map((b) => [pkgidOf(b), b]));
  const out = new Map<string, PublishedFragments & { href: string }>();
  for (const p of packageBlocks(docs.primary)) {
    const id = primaryIdOf(p);
    const href = hrefOf(p);
    const fl = files.get(id);
    const ot = other.get(id);
    if (id && href && fl && ot) out.set(id, { href, primary: p, filelists: fl, other: ot });
  }
  return out;
}

/** Read the live generation of the repository at `<root>/<suite>` (undefined when it has none). */
export async function readPublishedFragments(
  root: string,
  suite: string,
): Promise<Map<string, PublishedFragments & { href: string }> | undefined> {
  const dir = join(root, suite);
  const repomd = await readTextIfExists(join(dir, 'repodata', 'repomd.xml'));
  if (!repomd) return undefined;
  const docs: Record<string, string> = {};
  for (const type of ['primary', 'filelists', 'other']) {
    // The location inside this type's <data> block: a lazy regex over the whole text was
    // quadratic in the number of <data> openings without one (a 1 MB repomd.xml took seconds).
    const at = repomd.indexOf(`<data type="${type}">`);
    const close = at < 0 ? -1 : repomd.indexOf('</data>', at);
    const m = close < 0 ? null : /<location href="([^"]+)"\/>/.exec(repomd.slice(at, close));
    if (!m) return undefined;
    const href = decodeEntities(m[1]!);
    // pkgtrack writes `repodata/<sha256>-<type>.xml.<gz|zst>` (repomd.ts): anything else (`../`,
    // a directory, a name too long to open) is not its metadata, and is not read.
    if (!/^repodata\/[0-9a-f]{64}-[a-z]+\.xml(\.gz|\.zst|\.xz)?$/.test(href)) return undefined;
    const bytes = await ifExists(readFile(join(dir, href)));
    if (!bytes) return undefined;
    const kind = href.endsWith('.gz') ? 'gz' : href.endsWith('.zst') ? 'zst' : href.endsWith('.xz') ? 'xz' : 'none';
    docs[type] = Buffer.from(decompress(bytes, kind, join(dir, href), MAX_INDEX_TEXT)).toString('utf8');
  }
  return fragmentsByChecksum(docs as { primary: string; filelists: string; other: string });
}

export function missingPoolFile(suite: string, href: string): Error {
  return integrityError(
    'YUM_POOL_FILE_MISSING',
    `${suite}/${href} is in the repository's manifest, but neither the file nor its published metadata is here`,
    'Restore the repository with its Packages (or with its repodata, when the packages live in object storage), or remove the package with `pkgtrack repo remove`.',
    { file: `${suite}/${href}` },
  );
}
