/**
 * `repo verify` for a yum repository directory: repomd.xml lists files whose size and sha256
 * (compressed and open) must match; every package primary names must be there with its size
 * and sha256; repomd.xml.asc must verify with the given keyring. Reports every problem found.
 */
import { readKeys } from '../../sign/keys.js';
import { ifExists } from '../../core/fsutil.js';
import { mapLimit } from '../../core/concurrency.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { VerifyReport } from '../format.js';
import { signedByOneOf } from './rpm-signing.js';
import { verifyDetached } from './userfiles.js';
import { child, childrenNamed, parseXml } from './xml-read.js';
import { MAX_METADATA_OPEN, safeHref } from './metadata-hrefs.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface YumVerifyOptions {
  keyring?: string;
  fingerprints?: string[];
  /** Read files (paths below the repository) through this instead of from the folder `target` (object storage). */
  fetch?: (rel: string) => Promise<Buffer | undefined>;
}

/** Read errors that mean the href names no readable file (a directory, a name too long): reported, not thrown. */
const NOT_A_FILE = new Set(['EISDIR', 'ENAMETOOLONG', 'ELOOP']);

/** Packages read and checked at once (each is held in memory while it is hashed and its signature checked). */
const PACKAGES_IN_FLIGHT = 8;

export async function verifyYumRepo(target: string, opts: YumVerifyOptions): Promise<VerifyReport> {
  const report: VerifyReport = { target, ok: true, checkedFiles: 0, signatures: [], problems: [] };
  const problem = (file: string, text: string) => {
    report.ok = false;
    report.problems.push({ file, problem: text });
  };
  const get =
    opts.fetch ??
    ((rel: string) =>
      ifExists(readFile(join(target, rel))).catch((e: NodeJS.ErrnoException) => {
        if (e.code && NOT_A_FILE.has(e.code)) return undefined;
        throw e;
      }));
  const where = (rel: string) => (opts.fetch ? `${target.replace(/\/$/, '')}/${rel}` : join(target, rel));
  const repomdPath = where('repodata/repomd.xml');
  const repomdBytes = await get('repodata/repomd.xml');
  if (!repomdBytes) {
    problem(repomdPath, 'missing');
    return report;
  }
  report.checkedFiles++;
  const asc = (await get('repodata/repomd.xml.asc'))?.toString('utf8');
  if (!asc) problem(`${repomdPath}.asc`, 'missing: dnf with repo_gpgcheck=1 refuses this repository');
  else if (opts.keyring) {
    try {
      const by = await verifyDetached(repomdBytes, asc, await readFile(opts.keyring), `${repomdPath}.asc`);
      const unexpected = opts.fingerprints?.length ? by.filter((k) => !opts.fingerprints!.some((f) => f.toUpperCase().endsWith(k))) : [];
      if (unexpected.length) problem(`${repomdPath}.asc`, `signed by unexpected key(s) ${unexpected.join(', ')}`);
      report.signatures.push({ file: `${repomdPath}.asc`, ok: unexpected.length === 0, by: by.join(',') });
    } catch (e) {
      report.signatures.push({ file: `${repomdPath}.asc`, ok: false, detail: (e as Error).message });
      problem(`${repomdPath}.asc`, (e as Error).message);
    }
  }
  const keys = opts.keyring ? await readKeys(await readFile(opts.keyring), opts.keyring).catch(() => undefined) : undefined;
  const repomd = parseXml(repomdBytes.toString('utf8'), repomdPath);
  for (const d of childrenNamed(repomd, 'data')) {
    const href = child(d, 'location')?.attrs.href ?? '';
    const path = where(href);
    report.checkedFiles++;
    if (!safeHref(href)) {
      problem(path, `repomd.xml names it by no href inside the repository (${JSON.stringify(href)})`);
      continue;
    }
    const data = await get(href);
    if (!data) {
      problem(path, 'listed in repomd.xml but missing');
      continue;
    }
    if (String(data.length) !== child(d, 'size')?.text) problem(path, `size ${data.length}, repomd.xml says ${child(d, 'size')?.text}`);
    if (sha256(data) !== child(d, 'checksum')?.text) problem(path, 'sha256 differs from repomd.xml');
    let open: Buffer | undefined;
    // Opened no further than the open-size repomd.xml states (a byte more shows a mismatch).
    const openSize = Number(child(d, 'open-size')?.text ?? Number.NaN);
    const limit = Number.isSafeInteger(openSize) && openSize >= 0 && openSize < MAX_METADATA_OPEN ? openSize + 1 : MAX_METADATA_OPEN;
    try {
      const cap = { maxOutputLength: limit };
      open = href.endsWith('.zst') ? zstdDecompressSync(data, cap) : href.endsWith('.gz') ? gunzipSync(data, cap) : data;
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      const past = limit < MAX_METADATA_OPEN ? `the open-size repomd.xml states (${limit - 1} bytes)` : `${MAX_METADATA_OPEN} bytes`;
      problem(path, tooLarge ? `decompresses past ${past}` : 'cannot be decompressed');
      continue;
    }
    const openSum = child(d, 'open-checksum')?.text;
    if (openSum && sha256(open) !== openSum) problem(path, 'open-checksum differs from repomd.xml');
    if (d.attrs.type === 'primary') {
      await mapLimit(childrenNamed(parseXml(open.toString('utf8'), path), 'package'), PACKAGES_IN_FLIGHT, async (p) => {
        const loc = child(p, 'location')?.attrs.href ?? '';
        const rpm = where(loc);
        report.checkedFiles++;
        if (!safeHref(loc)) return problem(rpm, `primary names it by no href inside the repository (${JSON.stringify(loc)})`);
        const bytes = await get(loc);
        if (!bytes) problem(rpm, 'listed in primary but missing');
        else if (String(bytes.length) !== child(p, 'size')?.attrs.package) problem(rpm, 'size differs from primary');
        else if (sha256(bytes) !== child(p, 'checksum')?.text) problem(rpm, 'sha256 differs from primary');
        else if (keys) {
          // dnf's gpgcheck=1 needs every package signed by the repository key.
          let ok = false;
          try {
            ok = await signedByOneOf(bytes, keys, rpm);
          } catch {
            ok = false;
          }
          if (!ok) problem(rpm, 'no valid header signature by the repository key (dnf gpgcheck=1 refuses it)');
        }
      });
    }
  }
  return report;
}
