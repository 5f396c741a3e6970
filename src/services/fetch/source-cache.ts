/**
 * Content-addressed cache of upstream sources: blobs live at sha256/<aa>/<hash> and are only
 * ever added (never rewritten); a small JSON index remembers which URL gave which hash so a
 * replaced upstream asset is noticed, not silently used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, link, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { integrityError, PkgtrackError } from '../../core/errors.js';
import { exists, writeFileAtomic } from '../../core/fsutil.js';
import { makeDirs, userCacheDir } from '../../core/dirs.js';
import { fetchRetrying } from '../../core/http-retry.js';
import { brokenOffReason, type StallTimer, withStallTimer } from '../../core/stall-timer.js';

export interface CacheEntry {
  url: string;
  sha256: string;
  size: number;
  firstSeen: string;
  /** Set when the URL later served different bytes: what it served first. */
  previousSha256?: string[];
  /** The server's validators for these bytes: the next download asks "changed since?" with them. */
  etag?: string;
  lastModified?: string;
}

/** Sources: $PKGTRACK_CACHE, else the repository's .pkgtrack/cache, else the per-user cache. */
export async function cacheDir(recipesRoot?: string): Promise<string> {
  if (process.env.PKGTRACK_CACHE) return process.env.PKGTRACK_CACHE;
  if (recipesRoot) return join(recipesRoot, '.pkgtrack', 'cache');
  return userCacheDir();
}

export class SourceCache {
  constructor(readonly dir: string) {}

  blobPath(sha256: string): string {
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return exists(this.blobPath(sha256));
  }

  /**
   * The cached blob for a hash a trusted index vouches for (a signed Sources file), re-hashed so
   * a damaged cache is never used: no download needed. Undefined when absent or damaged.
   */
  async verifiedBlob(sha256: string): Promise<{ sha256: string; path: string; size: number; changed: false } | undefined> {
    const path = this.blobPath(sha256);
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes || createHash('sha256').update(bytes).digest('hex') !== sha256) return undefined;
    return { sha256, path, size: bytes.length, changed: false };
  }

  private indexFile(): string {
    return join(this.dir, 'urls.json');
  }

  async index(): Promise<Record<string, CacheEntry>> {
    const text = await readFile(this.indexFile(), 'utf8').catch(() => '{}');
    try {
      return JSON.parse(text) as Record<string, CacheEntry>;
    } catch {
      return {};
    }
  }

  async lookup(url: string): Promise<CacheEntry | undefined> {
    return (await this.index())[url];
  }

  /**
   * Record that `url` served `sha256`. When it served other bytes before, the entry keeps the
   * history and the caller is told (force-moved tag, replaced release asset).
   */
  async record(
    url: string,
    sha256: string,
    size: number,
    validators: { etag?: string; lastModified?: string } = {},
  ): Promise<{ changed: boolean; previous?: string }> {
    const idx = await this.index();
    const before = idx[url];
    const save = (entry: Omit<CacheEntry, 'etag' | 'lastModified'>) => {
      idx[url] = { ...entry, ...validators };
      return writeFileAtomic(this.indexFile(), `${JSON.stringify(idx, null, 2)}\n`);
    };
    if (!before) {
      await save({ url, sha256, size, firstSeen: new Date().toISOString() });
      return { changed: false };
    }
    const { etag: _etag, lastModified: _lastModified, ...kept } = before;
    if (before.sha256 !== sha256) {
      await save({ ...kept, sha256, size, previousSha256: [...(before.previousSha256 ?? []), before.sha256] });
      return { changed: true, previous: before.sha256 };
    }
    if (before.etag !== validators.etag || before.lastModified !== validators.lastModified) await save(kept);
    return { changed: false };
  }

  /** Add a file (moved in) and return its hash; `expected` is checked when given. */
  async addFile(tmpFile: string, expected?: string): Promise<{ sha256: string; path: string; size: number }> {
    const bytes = await readFile(tmpFile);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (expected && expected.toLowerCase() !== sha256) {
      await rm(tmpFile, { force: true });
      throw integrityError(
        'SOURCE_SHA256_MISMATCH',
        `downloaded source has SHA-256 ${sha256}, expected ${expected}`,
        'The upstream file changed or the download was corrupted: check upstream, then retry.',
      );
    }
    const path = this.blobPath(sha256);
    await makeDirs(dirname(path));
    // Always renamed over: the bytes were just hashed, while a blob already there may be damaged.
    await rename(tmpFile, path);
    return { sha256, path, size: bytes.length };
  }

  /**
   * Download `url` into the cache (streamed to a temp file, bounded by `maxBytes`). When the
   * cache holds what the URL served last time, with the server's ETag or Last-Modified, the
   * request is conditional: a 304 answer uses the cached bytes (re-hashed), so a cached tarball
   * is not downloaded again while a replaced one still is (and noticed).
   */
  async download(
    url: string,
    opts: { expectedSha256?: string; maxBytes?: number; fetchImpl?: typeof fetch; stallMs?: number } = {},
  ): Promise<{ sha256: string; path: string; size: number; changed: boolean; previous?: string; notModified?: true }> {
    // No overall time limit (a big tarball on a slow link), but one for silence.
    return withStallTimer(opts.stallMs ?? 60_000, (stall) => this.downloadWith(url, opts, stall));
  }

  private async downloadWith(
    url: string,
    opts: { expectedSha256?: string; maxBytes?: number; fetchImpl?: typeof fetch },
    stall: StallTimer,
  ): Promise<{ sha256: string; path: string; size: number; changed: boolean; previous?: string; notModified?: true }> {
    const f = opts.fetchImpl ?? fetch;
    const max = opts.maxBytes ?? 2 * 1024 ** 3;
    const before = await this.lookup(url);
    const cached =
      before && (before.etag || before.lastModified) && (!opts.expectedSha256 || opts.expectedSha256 === before.sha256)
        ? await this.verifiedBlob(before.sha256)
        : undefined;
    const conditional: Record<string, string> = {};
    if (cached && before?.etag) conditional['if-none-match'] = before.etag;
    if (cached && before?.lastModified) conditional['if-modified-since'] = before.lastModified;
    let res: Response;
    try {
      res = await fetchRetrying(
        url,
        { redirect: 'follow', headers: conditional, signal: stall.signal },
        { fetch: f, onRetry: (w) => stall.arm(w.delayMs) },
      );
    } catch (e) {
      throw new PkgtrackError({
        code: 'SOURCE_UNREACHABLE',
        kind: 'network',
        message: `cannot download ${url}: ${(e as Error).message}`,
        fix: 'Check the network and the URL, then retry.',
        cause: e,
      });
    }
    if (res.status === 304 && cached) {
      await res.body?.cancel();
      return { ...cached, notModified: true };
    }
    if (!res.ok || !res.body) {
      throw new PkgtrackError({
        code: res.status === 404 ? 'SOURCE_NOT_FOUND' : 'SOURCE_HTTP_ERROR',
        kind: res.status === 404 ? 'not-found' : 'network',
        message: `${url} answered HTTP ${res.status}`,
        fix: res.status === 404 ? 'Check the version and the source URL template in the recipe.' : 'Retry later.',
      });
    }
    await makeDirs(join(this.dir, 'tmp'));
    const tmp = join(this.dir, 'tmp', randomBytes(8).toString('hex'));
    const out = createWriteStream(tmp);
    let size = 0;
    let received = false;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        stall.arm();
        size += chunk.length;
        if (size > max)
          throw integrityError(
            'SOURCE_TOO_LARGE',
            `${url} is larger than ${max} bytes`,
            'Raise the limit only if this upstream really ships such a large source.',
          );
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      received = true;
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    } catch (e) {
      out.destroy();
      // Its file may still be opening: removed only once the stream has closed, else it is left.
      if (!out.closed) await new Promise<void>((r) => out.once('close', () => r()));
      await rm(tmp, { force: true });
      if (e instanceof PkgtrackError || received) throw e;
      // A transfer that broke off (reset, corrupt encoding, silence): undici's bare TypeError before.
      throw new PkgtrackError({
        code: 'SOURCE_UNREACHABLE',
        kind: 'network',
        message: `downloading ${url} failed after ${size} bytes: ${brokenOffReason(e)}`,
        fix: 'Retry later; check the network and any proxy in between.',
        cause: e,
      });
    }
    const added = await this.addFile(tmp, opts.expectedSha256);
    const etag = res.headers.get('etag');
    const lastModified = res.headers.get('last-modified');
    const rec = await this.record(url, added.sha256, added.size, {
      ...(etag ? { etag } : {}),
      ...(lastModified ? { lastModified } : {}),
    });
    return { ...added, ...rec };
  }

  /** Place a blob at `dest` (hard link when possible, else copy), byte-identical. */
  async materialize(sha256: string, dest: string): Promise<void> {
    await makeDirs(dirname(dest));
    await rm(dest, { force: true });
    await link(this.blobPath(sha256), dest).catch(async () => {
      await copyFile(this.blobPath(sha256), dest);
    });
    await stat(dest);
  }
}
