/**
 * The `debian` upstream: a source package's version in one suite of a Debian-style archive.
 * Trust chain as apt's: InRelease verified by gpgv against the keyring, the Sources index
 * checked against the SHA-256 and size the signed Release lists, Valid-Until honoured. One
 * download of the index serves every recipe that reads the same suite.
 */
import { GpgvVerifier } from '../sign/gpgv-verifier.js';
import { problemSummary, verified } from '../sign/verifier.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { integrityError, type PkgtrackError } from '../core/errors.js';
import { ifExists, writeFileAtomic } from '../core/fsutil.js';
import { type UpstreamGetOptions, upstreamGet } from './http-get.js';
import type { Progress } from '../core/progress.js';
import { decompress, MAX_INDEX_TEXT } from '../formats/compress.js';
import { getField, parseDeb822, parseSingleStanza } from '../formats/deb822.js';
import { checkDebVersion, compareDebVersions } from '../formats/version-deb.js';
import type { RecipeUpstream, UpstreamRelease, UpstreamSource } from './source.js';
import { makeDirs } from '../core/dirs.js';

export const DEFAULT_DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const MAX_INRELEASE = 16 * 1024 * 1024;

type DebianUpstream = Extract<RecipeUpstream['config'], { kind: 'debian' }>;

export interface SourceEntry {
  package: string;
  version: string;
  directory: string;
  /** file name → sha256 */
  files: Map<string, string>;
}

export interface DebianSourceOptions {
  progress?: Progress;
  fetch?: typeof fetch;
  /** Used when a recipe names no keyring (default: debian-archive-keyring). */
  defaultKeyring?: string;
  /** Clock for Valid-Until checks (tests). */
  now?: () => Date;
  /**
   * Where entries already extracted from a Sources index are kept, keyed by the index's SHA-256
   * from the verified Release: an unchanged index (most checks and builds) costs the InRelease
   * round trip only, not a 12 MB download, an xz decompression and a scan.
   */
  indexCacheDir?: string;
  /** Per download (default upstreamGet's 5 minutes). */
  timeoutMs?: number;
}

/** Cached entries of one Sources index (by its sha256): package → entries, [] = not in it. */
type IndexCacheFile = Record<string, Array<Omit<SourceEntry, 'files'> & { files: Array<[string, string]> }>>;

/** Checksums of the signed Release: path → { sha256, size }. Pure. */
export function releaseChecksums(
  releaseText: string,
  source = 'Release',
): { fields: Map<string, string>; sha256: Map<string, { sha256: string; size: number }> } {
  const stanza = parseSingleStanza(releaseText, { source });
  const fields = new Map(stanza.fields.map(([k, v]) => [k.toLowerCase(), v]));
  const sha256 = new Map<string, { sha256: string; size: number }>();
  for (const line of (fields.get('sha256') ?? '').split('\n')) {
    const m = /^\s*([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (m) sha256.set(m[3]!, { sha256: m[1]!, size: Number(m[2]) });
  }
  return { fields, sha256 };
}

/** Entries of a Sources index for the wanted packages only (the index is large). Pure. */
export function sourcesEntries(text: string, wanted: ReadonlySet<string>): Map<string, SourceEntry[]> {
  const out = new Map<string, SourceEntry[]>();
  for (const block of text.split(/\n\s*\n/)) {
    const name = /^Package: (\S+)/m.exec(block)?.[1];
    if (!name || !wanted.has(name)) continue;
    const [stanza] = parseDeb822(block, { source: 'Sources' });
    if (!stanza) continue;
    const version = getField(stanza, 'Version') ?? '';
    const files = new Map<string, string>();
    for (const line of (getField(stanza, 'Checksums-Sha256') ?? '').split('\n')) {
      const m = /^\s*([0-9a-f]{64})\s+\d+\s+(\S+)\s*$/.exec(line);
      if (m) files.set(m[2]!, m[1]!);
    }
    out.set(name, [...(out.get(name) ?? []), { package: name, version, directory: getField(stanza, 'Directory') ?? '', files }]);
  }
  return out;
}

/** The upstream part of a Debian version: no epoch, no revision. */
export function upstreamPart(debVersion: string): string {
  const r = checkDebVersion(debVersion);
  return r.ok ? r.version.upstream : debVersion;
}

export class DebianSource implements UpstreamSource {
  readonly kind = 'debian' as const;
  constructor(private readonly opts: DebianSourceOptions = {}) {}

  async releases(recipes: readonly RecipeUpstream[]): Promise<Map<string, UpstreamRelease[] | Error>> {
    const out = new Map<string, UpstreamRelease[] | Error>();
    const groups = new Map<string, RecipeUpstream[]>();
    for (const r of recipes) {
      const c = r.config as DebianUpstream;
      const keyring = this.keyringOf(r);
      // One index download per suite: recipes that differ only in checkValidUntil share it.
      const key = JSON.stringify([c.archive.replace(/\/+$/, ''), c.suite, c.component, keyring]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [key, group] of groups) {
      const [archive, suite, component, keyring] = JSON.parse(key) as [string, string, string, string];
      const wanted = new Set(group.map((r) => (r.config as DebianUpstream).package));
      const lenient = group.some((r) => (r.config as DebianUpstream).checkValidUntil === false);
      let index: Map<string, SourceEntry[]>;
      let expired: Error | undefined;
      try {
        ({ entries: index, expired } = await this.suiteIndex(archive, suite, component, keyring, wanted, lenient));
      } catch (e) {
        for (const r of group) out.set(r.recipe, e as Error);
        continue;
      }
      for (const r of group) {
        const c = r.config as DebianUpstream;
        if (expired && c.checkValidUntil !== false) {
          out.set(r.recipe, expired);
          continue;
        }
        const entries = [...(index.get(c.package) ?? [])].sort((a, b) => compareDebVersions(b.version, a.version));
        out.set(
          r.recipe,
          entries.map((e) => {
            const up = upstreamPart(e.version);
            const rel: UpstreamRelease = { version: r.tagToVersion(up) ?? up, tag: e.version };
            const orig =
              [...e.files.keys()].find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f)) ??
              [...e.files.keys()].find((f) => /\.tar\.[a-z0-9]+$/.test(f));
            if (orig) {
              rel.sourceUrl = `${archive}/${e.directory}/${orig}`;
              rel.sha256 = e.files.get(orig)!;
              if (e.files.has(`${orig}.asc`)) rel.signatureUrl = `${archive}/${e.directory}/${orig}.asc`;
            }
            return rel;
          }),
        );
      }
    }
    return out;
  }

  private keyringOf(r: RecipeUpstream): string {
    const k = (r.config as DebianUpstream).keyring;
    if (!k) return this.opts.defaultKeyring ?? DEFAULT_DEBIAN_KEYRING;
    return isAbsolute(k) || !r.dir ? k : join(r.dir, k);
  }

  private get(url: string, limit: Pick<UpstreamGetOptions, 'maxBytes' | 'tooLarge'>): Promise<Uint8Array> {
    return upstreamGet(url, {
      fetch: this.opts.fetch,
      progress: this.opts.progress,
      ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
      field: 'upstream.archive',
      notFound: { code: 'DEBIAN_SUITE_NOT_FOUND', fix: 'Check upstream.archive, suite and component.' },
      ...limit,
    });
  }

  /**
   * Verified InRelease → checked Sources index → entries of the wanted packages. A Release past
   * its Valid-Until is refused unless `acceptExpired` (some recipe has checkValidUntil: false):
   * then the entries come with `expired`, the error for the recipes that do check.
   */
  async suiteIndex(
    archive: string,
    suite: string,
    component: string,
    keyring: string,
    wanted: ReadonlySet<string>,
    acceptExpired = false,
  ): Promise<{ entries: Map<string, SourceEntry[]>; expired?: Error }> {
    const base = `${archive}/dists/${suite}`;
    this.opts.progress?.step(`debian: ${base}/InRelease`);
    // Debian's is ~200 KB; a mirror sending more is not an InRelease.
    const inRelease = await this.get(`${base}/InRelease`, {
      maxBytes: MAX_INRELEASE,
      tooLarge: { code: 'UPSTREAM_PAGE_TOO_LARGE', fix: 'Check upstream.archive: it should be a Debian-style archive.' },
    });
    const releaseText = await verifiedReleaseText(inRelease, keyring, `${base}/InRelease`);
    const { fields, sha256 } = releaseChecksums(releaseText, `${base}/InRelease`);
    const now = this.opts.now?.() ?? new Date();
    // The verdict for recipes that check Valid-Until; thrown here when none accepts an expired Release.
    const expired = expiredRelease(fields, `${base}/InRelease`, now);
    checkReleaseValidity(fields, `${base}/InRelease`, {
      checkValidUntil: !acceptExpired,
      now,
      ...(this.opts.progress ? { progress: this.opts.progress } : {}),
    });
    const result = (entries: Map<string, SourceEntry[]>) => (expired ? { entries, expired } : { entries });
    const candidates = ['xz', 'gz', ''].map((ext) => `${component}/source/Sources${ext ? `.${ext}` : ''}`);
    const path = candidates.find((p) => sha256.has(p));
    if (!path)
      throw integrityError(
        'DEBIAN_INDEX_NOT_LISTED',
        `${base}/InRelease lists no ${component}/source/Sources index`,
        'Check upstream.component and that the archive carries sources.',
      );
    const want = sha256.get(path)!;
    const cached = await this.cachedEntries(want.sha256, wanted);
    if (cached) return result(cached);
    this.opts.progress?.step(`debian: ${base}/${path}`);
    // No more than the signed Release says it has: a longer (or endless) answer is cut off there.
    const bytes = await this.get(`${base}/${path}`, {
      maxBytes: want.size,
      tooLarge: {
        code: 'DEBIAN_INDEX_HASH_MISMATCH',
        kind: 'integrity',
        fix: 'The mirror is mid-update or tampered with; retry later or use another mirror.',
      },
    });
    const got = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== want.size || got !== want.sha256) {
      throw integrityError(
        'DEBIAN_INDEX_HASH_MISMATCH',
        `${base}/${path} does not match the signed Release (sha256 ${got}, ${bytes.length} bytes; expected ${want.sha256}, ${want.size} bytes)`,
        'The mirror is mid-update or tampered with; retry later or use another mirror.',
        { url: `${base}/${path}` },
      );
    }
    const text = Buffer.from(
      path.endsWith('.xz')
        ? decompress(bytes, 'xz', path, MAX_INDEX_TEXT)
        : path.endsWith('.gz')
          ? decompress(bytes, 'gz', path, MAX_INDEX_TEXT)
          : bytes,
    ).toString('utf8');
    const entries = sourcesEntries(text, wanted);
    await this.cacheEntries(want.sha256, wanted, entries);
    return result(entries);
  }

  private cacheFile(indexSha256: string): string | undefined {
    return this.opts.indexCacheDir && join(this.opts.indexCacheDir, 'debian-sources', `${indexSha256}.json`);
  }

  /** The wanted packages' entries from the cache, when every one of them was extracted before. */
  private async cachedEntries(indexSha256: string, wanted: ReadonlySet<string>): Promise<Map<string, SourceEntry[]> | undefined> {
    const file = this.cacheFile(indexSha256);
    if (!file) return undefined;
    let data: IndexCacheFile;
    try {
      data = JSON.parse(await readFile(file, 'utf8')) as IndexCacheFile;
    } catch {
      return undefined; // absent or damaged: download again (and rewrite it)
    }
    const out = new Map<string, SourceEntry[]>();
    for (const name of wanted) {
      const list = data[name];
      if (!Array.isArray(list)) return undefined;
      if (list.length)
        out.set(
          name,
          list.map((e) => ({ ...e, files: new Map(e.files) })),
        );
    }
    return out;
  }

  private async cacheEntries(indexSha256: string, wanted: ReadonlySet<string>, entries: Map<string, SourceEntry[]>): Promise<void> {
    const file = this.cacheFile(indexSha256);
    if (!file) return;
    const data = (await readFile(file, 'utf8')
      .then((t) => JSON.parse(t) as IndexCacheFile)
      .catch(() => ({}))) as IndexCacheFile;
    for (const name of wanted) data[name] = (entries.get(name) ?? []).map((e) => ({ ...e, files: [...e.files] }));
    // A cache: failing to write it only costs the next run a download.
    await makeDirs(dirname(file))
      .then(() => writeFileAtomic(file, JSON.stringify(data)))
      .then(() => pruneOlderThan(dirname(file), 14 * 86_400_000))
      .catch(() => undefined);
  }
}

/** Remove the files of `dir` not modified for `ms` (indexes the archive no longer serves). */
async function pruneOlderThan(dir: string, ms: number): Promise<void> {
  const now = Date.now();
  for (const n of await readdir(dir)) {
    const st = await ifExists(stat(join(dir, n)));
    if (st && now - st.mtimeMs > ms) await rm(join(dir, n), { force: true });
  }
}

/**
 * apt's freshness rule: a Release past its Valid-Until is refused (a stale mirror, or one
 * replaying old metadata). `checkValidUntil: false` accepts it with a warning.
 */
export function checkReleaseValidity(
  fields: Map<string, string>,
  url: string,
  opts: { checkValidUntil: boolean; now: Date; progress?: Progress },
): void {
  const expired = expiredRelease(fields, url, opts.now);
  if (!expired) return;
  if (opts.checkValidUntil) throw expired;
  opts.progress?.warn(
    `${url} expired on ${fields.get('valid-until')}; accepted because upstream.checkValidUntil is false (versions may be stale)`,
  );
}

/** The error for a Release past its Valid-Until at `now`; undefined while it is valid (or has none). */
function expiredRelease(fields: Map<string, string>, url: string, now: Date): PkgtrackError | undefined {
  const validUntil = fields.get('valid-until');
  if (!validUntil || Date.parse(validUntil) >= now.getTime()) return undefined;
  return integrityError(
    'DEBIAN_RELEASE_EXPIRED',
    `${url} expired on ${validUntil}`,
    'The mirror is stale or replaying an old Release; use an up-to-date mirror, or, for a snapshot mirror you trust, set upstream.checkValidUntil: false in the recipe.',
    { url },
  );
}

/** gpgv checks the clearsigned InRelease against `keyring`; returns exactly the signed text. */
export async function verifiedReleaseText(inRelease: Uint8Array, keyring: string, what: string): Promise<string> {
  const verifier = new GpgvVerifier(
    keyring,
    keyring === DEFAULT_DEBIAN_KEYRING ? 'apt-get install debian-archive-keyring' : 'Check upstream.keyring in the recipe.',
  );
  const r = await verifier.cleartext(what, inRelease);
  if (!verified(r) || r.text === undefined) {
    throw integrityError(
      'DEBIAN_INRELEASE_BAD_SIGNATURE',
      `${what}: ${problemSummary(r)}`,
      'Use the archive keyring that signs this archive (upstream.keyring), or check the mirror.',
      { keyring },
    );
  }
  return r.text;
}
