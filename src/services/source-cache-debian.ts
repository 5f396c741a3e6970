/**
 * MINIMAL DEBIAN RESOLVER (fold into src/upstream/debian.ts once it exists): the signed Sources
 * index of one suite (InRelease checked with gpgv against debian-archive-keyring, then the
 * Sources.xz hash against InRelease), and the files of a source package from it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { integrityError, notFound, PkgtrackError } from '../core/errors.js';
import { run } from '../core/exec.js';
import { compareDebVersions } from '../formats/version-deb.js';
import type { DscFile } from '../patches/dsc.js';
import { parseStanza, stripClearsign } from '../patches/dsc.js';

export interface DebianArchiveRef {
  archive?: string;
  suite?: string;
  component?: string;
  keyring?: string;
}

export interface DebianSourceEntry {
  package: string;
  version: string;
  /** Pool directory relative to the archive root, e.g. pool/main/h/hello. */
  directory: string;
  files: DscFile[];
  fields: Record<string, string>;
}

async function get(url: string, f: typeof fetch): Promise<Buffer> {
  const r = await f(url).catch((e: Error) => {
    throw new PkgtrackError({
      code: 'UPSTREAM_UNREACHABLE',
      kind: 'network',
      message: `cannot reach ${url}: ${e.message}`,
      fix: 'Check the network and upstream.archive.',
    });
  });
  if (!r.ok)
    throw notFound(
      'DEBIAN_INDEX_NOT_FOUND',
      `${url} answered HTTP ${r.status}`,
      'Check upstream.suite and upstream.component in the recipe.',
    );
  return Buffer.from(await r.arrayBuffer());
}

/** Path of the decompressed, verified Sources index, refreshed when older than `maxAgeMs`. */
export async function debianSourcesIndex(
  ref: DebianArchiveRef,
  cacheDir: string,
  opts: { maxAgeMs?: number; fetchImpl?: typeof fetch } = {},
): Promise<string> {
  const archive = (ref.archive ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
  const suite = ref.suite ?? 'sid';
  const component = ref.component ?? 'main';
  const dir = join(cacheDir, 'debian-index', createHash('sha256').update(`${archive} ${suite} ${component}`).digest('hex').slice(0, 16));
  const out = join(dir, 'Sources');
  const age = await stat(out).then(
    (s) => Date.now() - s.mtimeMs,
    () => Number.POSITIVE_INFINITY,
  );
  if (age < (opts.maxAgeMs ?? 6 * 3600_000)) return out;
  const f = opts.fetchImpl ?? fetch;
  await mkdir(dir, { recursive: true });
  const inRelease = await get(`${archive}/dists/${suite}/InRelease`, f);
  await writeFile(join(dir, 'InRelease'), inRelease);
  const keyring = ref.keyring ?? '/usr/share/keyrings/debian-archive-keyring.gpg';
  await run('gpgv', ['--keyring', keyring, join(dir, 'InRelease')], {
    what: `gpgv (InRelease of ${suite})`,
    errorCode: 'DEBIAN_INDEX_SIGNATURE_BAD',
    fix: 'The archive index is not signed by a key in the keyring: install debian-archive-keyring or set upstream.keyring.',
  });
  const member = `${component}/source/Sources.xz`;
  const release = parseStanza(stripClearsign(inRelease.toString('utf8')), 'InRelease');
  const line = (release.SHA256 ?? '').split('\n').find((l) => l.trim().endsWith(` ${member}`));
  const expected = line?.trim().split(/\s+/)[0];
  if (!expected) throw notFound('DEBIAN_INDEX_NOT_FOUND', `InRelease of ${suite} does not list ${member}`, 'Check upstream.component.');
  const xz = await get(`${archive}/dists/${suite}/${member}`, f);
  const sha = createHash('sha256').update(xz).digest('hex');
  if (sha !== expected)
    throw integrityError(
      'DEBIAN_INDEX_HASH_MISMATCH',
      `${member} has SHA-256 ${sha}, InRelease says ${expected}`,
      'Retry later: the mirror may be syncing.',
    );
  const text = await run('xz', ['-dc'], { input: xz, binary: true, what: 'xz -dc Sources.xz' });
  await writeFile(out, text.stdoutBytes);
  return out;
}

/** Entries for `pkg` in a Sources index, newest first. */
export async function findDebianSources(indexFile: string, pkg: string): Promise<DebianSourceEntry[]> {
  const text = await readFile(indexFile, 'utf8');
  const out: DebianSourceEntry[] = [];
  let at = text.startsWith(`Package: ${pkg}\n`) ? 0 : text.indexOf(`\nPackage: ${pkg}\n`);
  while (at >= 0) {
    const start = at === 0 ? 0 : at + 1;
    const end = text.indexOf('\n\n', start);
    const fields = parseStanza(text.slice(start, end < 0 ? undefined : end), indexFile);
    const files: DscFile[] = [];
    for (const l of (fields['Checksums-Sha256'] ?? '').split('\n')) {
      const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(l.trim());
      if (m && !m[3]!.includes('/')) files.push({ sha256: m[1]!, size: Number(m[2]), name: m[3]! });
    }
    out.push({ package: pkg, version: fields.Version ?? '', directory: fields.Directory ?? '', files, fields });
    at = text.indexOf(`\nPackage: ${pkg}\n`, start + 1);
  }
  return out.sort((a, b) => compareDebVersions(b.version, a.version));
}
