/** Parse yum metadata documents into per-package comparable trees (test helper). */
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseXml, type XmlElement, child, childrenNamed } from '../../../src/repo/yum/xml-read.js';

export interface Tree {
  name: string;
  attrs: Record<string, string>;
  text?: string;
  children?: Tree[];
}

export function tree(el: XmlElement): Tree {
  if (el.children.length === 0) return { name: el.name, attrs: el.attrs, text: el.text };
  return { name: el.name, attrs: el.attrs, children: el.children.map(tree) };
}

export interface RepoDocs {
  repomd: XmlElement;
  docs: Record<string, XmlElement>;
}

/** The href (repodata/…) of the primary.xml that repodata/repomd.xml under `repoDir` names now. */
export function primaryHref(repoDir: string): string {
  const repomd = parseXml(readFileSync(join(repoDir, 'repodata', 'repomd.xml'), 'utf8'), 'repomd.xml');
  const primary = childrenNamed(repomd, 'data').find((d) => d.attrs.type === 'primary');
  return child(primary!, 'location')!.attrs.href!;
}

/** Read repodata/repomd.xml under `repoDir` and the primary/filelists/other it names. */
export function readRepo(repoDir: string): RepoDocs {
  const repomd = parseXml(readFileSync(join(repoDir, 'repodata', 'repomd.xml'), 'utf8'), 'repomd.xml');
  const docs: Record<string, XmlElement> = {};
  for (const d of childrenNamed(repomd, 'data')) {
    const type = d.attrs.type!;
    if (!['primary', 'filelists', 'other'].includes(type)) continue;
    const href = child(d, 'location')!.attrs.href!;
    const raw = readFileSync(join(repoDir, href));
    const text = href.endsWith('.zst') ? Buffer.from(require_zstd(raw)).toString('utf8') : gunzipSync(raw).toString('utf8');
    docs[type] = parseXml(text, href);
  }
  return { repomd, docs };
}

function require_zstd(raw: Buffer): Uint8Array {
  // Node >= 23.8 ships zstd in zlib.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { zstdDecompressSync } = process.getBuiltinModule('node:zlib') as typeof import('node:zlib');
  return zstdDecompressSync(raw);
}

/** Map pkgid -> tree, per document type. */
export function packagesById(docs: Record<string, XmlElement>): Record<string, Map<string, Tree>> {
  const out: Record<string, Map<string, Tree>> = {};
  for (const [type, doc] of Object.entries(docs)) {
    const m = new Map<string, Tree>();
    for (const p of childrenNamed(doc, 'package')) {
      const id = type === 'primary' ? child(p, 'checksum')!.text : p.attrs.pkgid!;
      m.set(id, tree(p));
    }
    out[type] = m;
  }
  return out;
}

/** A package's `time file` blanked: createrepo_c takes the pool file's mtime, we the artifact's. */
export function withoutFileTime(t: Tree): Tree {
  return {
    ...t,
    ...(t.children ? { children: t.children.map((c) => (c.name === 'time' ? { ...c, attrs: { ...c.attrs, file: '' } } : c)) } : {}),
  };
}

/**
 * createrepo_c over a hard-linked copy of `repo`'s Packages/ (same paths and mtimes), then every
 * package of our primary, filelists and other must equal its own but for `time file`. `count`:
 * how many packages each document must hold.
 */
export function expectSameAsCreaterepo(
  repo: string,
  scratch: string,
  count: number,
  expectEqual: (a: unknown, b: unknown, what: string) => void,
): void {
  mkdirSync(scratch, { recursive: true });
  execFileSync('cp', ['-al', join(repo, 'Packages'), `${scratch}/`]);
  execFileSync('createrepo_c', ['-q', '--no-database', scratch]);
  const ours = packagesById(readRepo(repo).docs);
  const theirs = packagesById(readRepo(scratch).docs);
  for (const t of ['primary', 'filelists', 'other']) {
    expectEqual(ours[t]!.size, count, `${t} package count`);
    for (const [id, want] of theirs[t]!) expectEqual(withoutFileTime(ours[t]!.get(id)!), withoutFileTime(want), `${t} ${id}`);
  }
}
