/** Content-Type and Cache-Control for a published repository file, by its path. */

const TYPES: Array<[RegExp, string]> = [
  [/\.deb$|\.udeb$|\.ddeb$/, 'application/vnd.debian.binary-package'],
  [/\.rpm$/, 'application/x-rpm'],
  [/\.dsc$/, 'text/plain; charset=utf-8'],
  [/\.gz$|\.tgz$/, 'application/gzip'],
  [/\.xz$/, 'application/x-xz'],
  [/\.bz2$/, 'application/x-bzip2'],
  [/\.zst$/, 'application/zstd'],
  [/\.(gpg|asc)$/, 'application/pgp-signature'],
  [/\.html?$/, 'text/html; charset=utf-8'],
  [/\.css$/, 'text/css; charset=utf-8'],
  [/\.js$/, 'text/javascript; charset=utf-8'],
  [/\.svg$/, 'image/svg+xml'],
  [/\.png$/, 'image/png'],
  [/\.json$/, 'application/json'],
  [/\.xml$/, 'application/xml'],
  [/\.repo$|\.list$|\.sources$|\.txt$/, 'text/plain; charset=utf-8'],
  [/(^|\/)(Release|InRelease|Packages|Sources|Index|Translation-[a-zA-Z_]+)$/, 'text/plain; charset=utf-8'],
  [/_changelog$/, 'text/plain; charset=utf-8'],
];

export function contentType(rel: string): string {
  for (const [re, t] of TYPES) if (re.test(rel)) return t;
  return 'application/octet-stream';
}

/** Pool and content-addressed files never change under their name; the rest may. */
export function isImmutablePath(rel: string): boolean {
  return /(^|\/)(pool|changelogs)\//.test(rel) || /\/by-hash\//.test(rel) || /(^|\/)repodata\/[0-9a-f]{64}-/.test(rel);
}

export function cacheControl(rel: string): string {
  return isImmutablePath(rel) ? 'public, max-age=31536000, immutable' : 'public, max-age=60';
}
