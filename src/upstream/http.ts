/**
 * The `http` upstream, like uscan: fetch an index page, match the recipe's regex against every
 * link on it (href values, resolved against the page URL) — or against the page text when it
 * has no links, for plain directory listings — and read the version from the named group
 * `version` (else group 1).
 */
import { PkgtrackError } from '../core/errors.js';
import { upstreamGet } from './http-get.js';
import type { Progress } from '../core/progress.js';
import { compareUpstreamVersions } from '../formats/versions.js';
import type { RecipeUpstream, UpstreamRelease, UpstreamSource } from './source.js';

const MAX_PAGE = 16 * 1024 * 1024;

type HttpUpstream = Extract<RecipeUpstream['config'], { kind: 'http' }>;

/** Releases found on one page. Pure. */
export function releasesFromPage(
  page: string,
  pageUrl: string,
  pattern: string,
  tagToVersion: (t: string) => string | undefined,
): UpstreamRelease[] {
  const re = new RegExp(pattern);
  const hrefs = [...page.matchAll(/\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) =>
    decodeEntities(m[1] ?? m[2] ?? m[3] ?? ''),
  );
  const seen = new Map<string, UpstreamRelease>();
  const consider = (text: string, link: string | undefined) => {
    const m = re.exec(text);
    if (!m) return;
    const raw = m.groups?.version ?? m[1] ?? m[0];
    const version = tagToVersion(raw);
    if (version === undefined || seen.has(version)) return;
    const rel: UpstreamRelease = { version, tag: raw };
    if (link !== undefined) {
      try {
        const u = new URL(link, pageUrl);
        // Only http(s) is a download: a page must not point the fetch at file:, javascript: ...
        if (u.protocol === 'http:' || u.protocol === 'https:') rel.sourceUrl = u.toString();
      } catch {
        /* not a URL: keep the version without a download link */
      }
    }
    seen.set(version, rel);
  };
  if (hrefs.length) for (const h of hrefs) consider(h, h);
  else {
    const g = new RegExp(pattern, 'gm');
    for (const m of page.matchAll(g)) consider(m[0], undefined);
  }
  return [...seen.values()].sort((a, b) => compareUpstreamVersions(b.version, a.version));
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&#x2F;/gi, '/')
    .replace(/&#47;/g, '/')
    .replace(/&quot;/g, '"');
}

export class HttpSource implements UpstreamSource {
  readonly kind = 'http' as const;
  constructor(
    private readonly opts: {
      progress?: Progress;
      fetch?: typeof fetch;
      /** Per page (default 60 s). */
      timeoutMs?: number;
    } = {},
  ) {}

  async releases(recipes: readonly RecipeUpstream[]): Promise<Map<string, UpstreamRelease[] | Error>> {
    const out = new Map<string, UpstreamRelease[] | Error>();
    await Promise.all(
      recipes.map(async (r) => {
        const cfg = r.config as HttpUpstream;
        try {
          this.opts.progress?.step(`http: ${cfg.url}`);
          const page = await this.page(cfg.url);
          out.set(r.recipe, releasesFromPage(page, cfg.url, cfg.pattern, r.tagToVersion));
        } catch (e) {
          out.set(r.recipe, e as Error);
        }
      }),
    );
    return out;
  }

  private async page(url: string): Promise<string> {
    if (!/^https?:\/\//i.test(url)) {
      throw new PkgtrackError({
        code: 'HTTP_URL_UNSUPPORTED',
        kind: 'input',
        message: `${url} is not an http(s) URL`,
        fix: 'Use an http:// or https:// index page.',
        details: { field: 'upstream.url' },
      });
    }
    // The limit applies while the page arrives: an endless body is cut off, not buffered.
    const body = await upstreamGet(url, {
      fetch: this.opts.fetch,
      progress: this.opts.progress,
      timeoutMs: this.opts.timeoutMs ?? 60_000,
      headers: { 'user-agent': 'pkgtrack' },
      field: 'upstream.url',
      notFound: { code: 'UPSTREAM_PAGE_NOT_FOUND', fix: 'Check upstream.url in the recipe.' },
      maxBytes: MAX_PAGE,
      tooLarge: { code: 'UPSTREAM_PAGE_TOO_LARGE', fix: 'Point upstream.url at an index page.' },
    });
    return Buffer.from(body).toString('utf8');
  }
}
