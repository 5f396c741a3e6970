/**
 * Debian source packages for `recipe import` and the test corpus: the signed Sources
 * index of one suite (InRelease checked with gpgv against debian-archive-keyring, then the
 * Sources.xz hash against InRelease), and the files of a source package from it.
 */
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorCode } from '../../core/error-codes.js';
import { integrityError, notFound } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { ifExists, writeFileAtomic } from '../../core/fsutil.js';
import { run } from '../../core/exec.js';
import { compareDebVersions } from '../../formats/version-deb.js';
import { firstStanzaRecord } from '../../formats/deb822.js';
import { upstreamGet } from '../../upstream/http-get.js';
import { checkReleaseValidity, DEFAULT_DEBIAN_KEYRING, releaseChecksums, verifiedReleaseText } from '../../upstream/debian.js';
import { cacheDir } from './source-cache.js';
import { makeDirs } from '../../core/dirs.js';

export interface DebianArchiveRef {
  archive?: string;
  suite?: string;
  component?: string;
  /** Refuse a Release past its Valid-Until (default true), as the recipe's upstream.checkValidUntil. */
  checkValidUntil?: boolean;
  keyring?: string;
}

/** A file a Sources entry lists, with the SHA-256 it is checked against. */
export interface SourceFileEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface DebianSourceEntry {
  package: string;
  version: string;
  /** Pool directory relative to the archive root, e.g. pool/main/h/hello. */
  directory: string;
  files: SourceFileEntry[];
  fields: Record<string, string>;
}

/**
 * GET one archive file (upstream/http-get.ts: a 5xx or 429 is asked again, one that persists is
 * the mirror's failure, never a wrong suite in the recipe; only 404/410 mean the file is not
 * there). No overall time limit (an orig tarball can be hundreds of MB); a transfer gone silent
 * still ends (upstreamGet's stallMs).
 */
async function get(url: string, f: typeof fetch, missing: { code: ErrorCode; fix: string }, progress?: Progress): Promise<Buffer> {
  const body = await upstreamGet(url, {
    fetch: f,
    timeoutMs: 0,
    notFound: missing,
    field: 'upstream.archive',
    failingFix: 'The mirror is failing or syncing: retry later, or set upstream.archive to another mirror',
    progress,
  });
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

const INDEX_MISSING = {
  code: 'DEBIAN_INDEX_NOT_FOUND',
  fix: 'Check upstream.suite and upstream.component in the recipe.',
} as const satisfies { code: ErrorCode; fix: string };

/** Path of the decompressed, verified Sources index, refreshed when older than `maxAgeMs`. */
export async function debianSourcesIndex(
  ref: DebianArchiveRef,
  cacheDir: string,
  opts: { maxAgeMs?: number; fetchImpl?: typeof fetch; progress?: Progress } = {},
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
  await makeDirs(dir);
  const inReleaseUrl = `${archive}/dists/${suite}/InRelease`;
  const inRelease = await get(inReleaseUrl, f, INDEX_MISSING, opts.progress);
  // Only what gpgv vouches for is read: the exact signed text.
  const releaseText = await verifiedReleaseText(inRelease, ref.keyring ?? DEFAULT_DEBIAN_KEYRING, inReleaseUrl);
  await writeFileAtomic(join(dir, 'InRelease'), inRelease);
  const { fields, sha256 } = releaseChecksums(releaseText, inReleaseUrl);
  checkReleaseValidity(fields, inReleaseUrl, { checkValidUntil: ref.checkValidUntil !== false, now: new Date() });
  const member = `${component}/source/Sources.xz`;
  const listed = sha256.get(member);
  if (!listed) throw notFound('DEBIAN_INDEX_NOT_FOUND', `InRelease of ${suite} does not list ${member}`, 'Check upstream.component.');
  const expected = listed.sha256;
  const xz = await get(`${archive}/dists/${suite}/${member}`, f, INDEX_MISSING, opts.progress);
  const sha = createHash('sha256').update(xz).digest('hex');
  if (sha !== expected)
    throw integrityError(
      'DEBIAN_INDEX_HASH_MISMATCH',
      `${member} has SHA-256 ${sha}, InRelease says ${expected}`,
      'Retry later: the mirror may be syncing.',
    );
  const text = await run('xz', ['-dc'], { input: xz, binary: true, what: 'xz -dc Sources.xz' });
  // Atomic: parallel readers see the old index or the new one, never a part.
  await writeFileAtomic(out, text.stdoutBytes);
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
    const fields = firstStanzaRecord(text.slice(start, end < 0 ? undefined : end), indexFile);
    const files: SourceFileEntry[] = [];
    for (const l of (fields['Checksums-Sha256'] ?? '').split('\n')) {
      const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(l.trim());
      if (m && !m[3]!.includes('/')) files.push({ sha256: m[1]!, size: Number(m[2]), name: m[3]! });
    }
    out.push({ package: pkg, version: fields.Version ?? '', directory: fields.Directory ?? '', files, fields });
    at = text.indexOf(`\nPackage: ${pkg}\n`, start + 1);
  }
  return out.sort((a, b) => compareDebVersions(b.version, a.version));
}

export interface DebianSourceDownload {
  package: string;
  version: string;
  dsc: string;
  files: string[];
  dir: string;
}

/**
 * Download a Debian source package (.dsc and every file it lists, SHA-256 checked against the
 * signed Sources index) into `destDir`. `version` picks one (Debian version); default: newest.
 */
export async function downloadDebianSource(
  pkg: string,
  destDir: string,
  opts: DebianArchiveRef & { version?: string; cacheDir?: string; fetchImpl?: typeof fetch; progress?: Progress } = {},
): Promise<DebianSourceDownload> {
  const f = opts.fetchImpl ?? fetch;
  const archive = (opts.archive ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
  const index = await debianSourcesIndex(opts, opts.cacheDir ?? (await cacheDir()), {
    fetchImpl: f,
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  const entries = await findDebianSources(index, pkg);
  const want = opts.version?.replace(/^\d+:/, '');
  const entry = want ? entries.find((e) => e.version.replace(/^\d+:/, '') === want) : entries[0];
  if (!entry) {
    throw notFound(
      'DEBIAN_VERSION_NOT_FOUND',
      `${pkg} ${opts.version ?? ''} is not in ${opts.suite ?? 'sid'}/${opts.component ?? 'main'}`,
      entries.length
        ? `Available: ${entries.map((e) => e.version).join(', ')}`
        : `Check that "${pkg}" is a Debian source package (not a binary package name).`,
    );
  }
  await makeDirs(destDir);
  const names: string[] = [];
  for (const file of entry.files) {
    const target = join(destDir, file.name);
    names.push(target);
    const have = await ifExists(readFile(target));
    if (have && createHash('sha256').update(have).digest('hex') === file.sha256) continue;
    const bytes = await get(
      `${archive}/${entry.directory}/${encodeURIComponent(file.name)}`,
      f,
      {
        code: 'DEBIAN_FILE_NOT_FOUND',
        fix: 'The Sources index lists a file the mirror lacks: retry later (the mirror may be syncing) or use another mirror.',
      },
      opts.progress,
    );
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== file.sha256)
      throw integrityError(
        'DEBIAN_FILE_SHA256_MISMATCH',
        `${file.name} has SHA-256 ${sha}, the Sources index says ${file.sha256}`,
        'Retry; if it persists the mirror is broken.',
      );
    await writeFile(target, bytes);
  }
  const dsc = names.find((n) => n.endsWith('.dsc'))!;
  return { package: pkg, version: entry.version, dsc, files: names, dir: destDir };
}
