/**
 * What dnf checks of a yum repository's metadata, for `pkgtrack verify`: every <data> repomd.xml
 * lists is there with the size and sha256 it states, decompresses to the open-size and
 * open-checksum it states, and every package primary lists is there with its size and sha256
 * (what dnf compares before installing). The repomd.xml.asc signature is checked by the caller.
 */
import { decompress } from '../../formats/compress.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { ifExists } from '../../core/fsutil.js';
import { mapLimit } from '../../core/concurrency.js';
import { MAX_METADATA_OPEN, safeHref } from '../../repo/yum/metadata-hrefs.js';
import { child, childrenNamed, parseXml, type XmlElement } from '../../repo/yum/xml-read.js';
import type { VerifyProblem } from '../../sign/verify.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const readIf = (path: string) => ifExists(readFile(path));

/**
 * The file's content, or undefined for a compression this check cannot open (bzip2, which
 * createrepo_c uses for its sqlite databases): its size and SHA-256, what dnf checks when it
 * downloads it, are still verified; only the open-checksum is not.
 */
function open(data: Buffer, href: string): Buffer | undefined {
  if (href.endsWith('.zst')) return zstdDecompressSync(data, { maxOutputLength: MAX_METADATA_OPEN });
  if (href.endsWith('.gz')) return gunzipSync(data, { maxOutputLength: MAX_METADATA_OPEN });
  if (href.endsWith('.xz')) return Buffer.from(decompress(data, 'xz', href, MAX_METADATA_OPEN));
  if (href.endsWith('.bz2')) return undefined;
  return data;
}

/**
 * Problems with the files repomd.xml (text `xml`, shown as `repomdFile`) lists, relative to
 * `repoDir` (the folder holding repodata/). `rel` turns a path under repoDir into one for reports.
 */
export async function checkRepomd(repoDir: string, repomdFile: string, xml: string, rel: (p: string) => string): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const add = (file: string, code: string, message: string) => problems.push({ file, code, severity: 'error', message });
  let doc: XmlElement;
  try {
    doc = parseXml(xml, repomdFile);
  } catch (e) {
    add(repomdFile, 'REPOMD_MALFORMED', (e as Error).message);
    return problems;
  }
  const repomd = childrenNamed(doc, 'repomd')[0] ?? doc;
  const data = childrenNamed(repomd, 'data');
  if (!data.some((d) => d.attrs.type === 'primary'))
    add(repomdFile, 'REPOMD_NO_PRIMARY', 'lists no primary metadata: dnf refuses the repository');
  for (const d of data) {
    const type = d.attrs.type ?? '?';
    const href = child(d, 'location')?.attrs.href ?? '';
    const sum = child(d, 'checksum');
    const openSum = child(d, 'open-checksum');
    if (sum?.attrs.type !== 'sha256' || !/^[0-9a-f]{64}$/.test(sum.text) || !href) {
      add(repomdFile, 'REPOMD_BAD_ENTRY', `<data type="${type}"> lacks a sha256 checksum or location`);
      continue;
    }
    if (!safeHref(href)) {
      add(repomdFile, 'REPOMD_BAD_PATH', `location "${href}" leaves the repository`);
      continue;
    }
    const file = rel(href);
    const bytes = await readIf(join(repoDir, href));
    if (!bytes) {
      add(repomdFile, 'REPOMD_MISSING_FILE', `${href} (${type}) is listed but missing`);
      continue;
    }
    const size = child(d, 'size')?.text;
    // One finding per file: a wrong size is already a mismatch (dnf says the same of it).
    if (size !== undefined && String(bytes.length) !== size) {
      add(file, 'HASH_MISMATCH', `size ${bytes.length}, repomd.xml says ${size}`);
      continue;
    }
    if (sha256(bytes) !== sum.text) {
      add(file, 'HASH_MISMATCH', `SHA256 differs from repomd.xml (${type}); dnf: "checksum doesn't match"`);
      continue;
    }
    let opened: Buffer | undefined;
    try {
      opened = open(bytes, href);
    } catch (e) {
      add(file, 'REPOMD_UNREADABLE', `cannot decompress: ${(e as Error).message}`);
      continue;
    }
    if (opened === undefined) {
      if (type === 'primary') add(file, 'REPOMD_UNREADABLE', 'primary metadata in bzip2: this check cannot read the packages it lists');
      continue;
    }
    const openSize = child(d, 'open-size')?.text;
    if (openSize !== undefined && String(opened.length) !== openSize)
      add(file, 'HASH_MISMATCH', `open size ${opened.length}, repomd.xml says ${openSize}`);
    if (openSum && openSum.text !== sha256(opened)) add(file, 'HASH_MISMATCH', 'open-checksum differs from repomd.xml');
    if (type === 'primary') problems.push(...(await checkPrimary(repoDir, file, opened, rel)));
  }
  return problems;
}

/** Packages checked at once by checkPrimary (each is read whole: rpms can be large). */
const PACKAGES_AT_ONCE = 8;

/** Every package primary lists: present, with the size and sha256 primary gives. */
async function checkPrimary(repoDir: string, file: string, opened: Buffer, rel: (p: string) => string): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  let doc: XmlElement;
  try {
    doc = parseXml(opened.toString('utf8'), file);
  } catch (e) {
    return [{ file, code: 'PRIMARY_MALFORMED', severity: 'error', message: (e as Error).message }];
  }
  const metadata = childrenNamed(doc, 'metadata')[0] ?? doc;
  // Several packages read at once (one after the other, a 10,000-package check waited on each read).
  const found = await mapLimit(childrenNamed(metadata, 'package'), PACKAGES_AT_ONCE, async (p) => {
    const out: VerifyProblem[] = [];
    const href = child(p, 'location')?.attrs.href ?? '';
    const want = child(p, 'checksum');
    const size = child(p, 'size')?.attrs.package;
    const err = (code: string, message: string) => out.push({ file: safeHref(href) ? rel(href) : file, code, severity: 'error', message });
    if (!safeHref(href)) {
      err('PRIMARY_BAD_PATH', `package location "${href}" leaves the repository`);
      return out;
    }
    const bytes = await readIf(join(repoDir, href));
    if (!bytes) err('PRIMARY_MISSING_PACKAGE', 'listed in primary but missing');
    else if (size !== undefined && String(bytes.length) !== size) err('HASH_MISMATCH', `size ${bytes.length}, primary says ${size}`);
    else if (want?.attrs.type === 'sha256' && sha256(bytes) !== want.text) err('HASH_MISMATCH', 'SHA256 differs from primary');
    return out;
  });
  problems.push(...found.flat());
  return problems;
}
