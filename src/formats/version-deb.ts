/**
 * Debian version strings, parsed and compared exactly as dpkg does (lib/dpkg/parsehelp.c
 * `parseversion` and lib/dpkg/version.c `verrevcmp`). Pure: strings in, numbers out.
 *
 * Where dpkg only *warns* (a version not starting with a digit, an invalid character) we reject:
 * such versions are refused by dpkg-source and the archive tools, and a package built with one
 * would not install cleanly. `checkDebVersion` reports which rule was broken, in dpkg's words.
 */
import { inputError, type PkgtrackError } from '../core/errors.js';

export interface DebVersion {
  epoch: number;
  /** The upstream part (between the epoch and the last hyphen). */
  upstream: string;
  /** The Debian revision after the last hyphen; empty for native versions. */
  revision: string;
}

/** Largest epoch dpkg accepts (it stores the epoch in a C int). */
const MAX_EPOCH = 2 ** 31 - 1;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Parse a Debian version; the result carries either the version or the reason (dpkg's message)
 * it is not one. Leading and trailing blanks are ignored as dpkg does.
 */
export function checkDebVersion(input: string): { ok: true; version: DebVersion } | { ok: false; reason: string } {
  let s = input;
  let i = 0;
  while (i < s.length && isBlank(s[i])) i++;
  s = s.slice(i);
  if (s === '') return { ok: false, reason: 'version string is empty' };
  let end = 0;
  while (end < s.length && !isBlank(s[end])) end++;
  for (let p = end; p < s.length; p++) {
    if (!isBlank(s[p])) return { ok: false, reason: 'version string has embedded spaces' };
  }
  s = s.slice(0, end);
  // Other whitespace (newlines, NUL ...) is not blank to dpkg but is never valid in a version.
  let epoch = 0;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    // dpkg reads the epoch with strtol: optional whitespace and sign, then digits up to the colon.
    const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(s)!;
    if (m[2] === '') return { ok: false, reason: 'epoch in version is empty' };
    if (m[0].length !== colon) return { ok: false, reason: 'epoch in version is not number' };
    const value = Number(m[2]);
    if (m[1] === '-' && value !== 0) return { ok: false, reason: 'epoch in version is negative' };
    if (value > MAX_EPOCH) return { ok: false, reason: 'epoch in version is too big' };
    if (colon === s.length - 1) return { ok: false, reason: 'nothing after colon in version number' };
    epoch = value;
    s = s.slice(colon + 1);
  }
  const hyphen = s.lastIndexOf('-');
  let upstream = s;
  let revision = '';
  if (hyphen >= 0) {
    upstream = s.slice(0, hyphen);
    revision = s.slice(hyphen + 1);
    if (revision === '') return { ok: false, reason: 'revision number is empty' };
  }
  if (upstream === '') return { ok: false, reason: 'version number is empty' };
  if (!isDigit(upstream[0])) return { ok: false, reason: 'version number does not start with digit' };
  for (const c of upstream) {
    if (!isDigit(c) && !isAlpha(c) && !'.-+~:'.includes(c)) return { ok: false, reason: 'invalid character in version number' };
  }
  for (const c of revision) {
    if (!isDigit(c) && !isAlpha(c) && !'.+~'.includes(c)) return { ok: false, reason: 'invalid character in revision number' };
  }
  return { ok: true, version: { epoch, upstream, revision } };
}

/** Parse a Debian version or throw an input error naming the rule it breaks. */
export function parseDebVersion(input: string, field = 'version'): DebVersion {
  const r = checkDebVersion(input);
  if (r.ok) return r.version;
  throw invalidDebVersion(input, r.reason, field);
}

export function invalidDebVersion(input: string, reason: string, field = 'version'): PkgtrackError {
  return inputError(
    'VERSION_INVALID',
    `${JSON.stringify(input)} is not a valid Debian version: ${reason}`,
    'A Debian version is [epoch:]upstream[-revision]; upstream starts with a digit and holds letters, digits and . + ~ - :, the revision letters, digits and . + ~ (see deb-version(7)).',
    { field, scheme: 'deb', reason },
  );
}

/** dpkg's character weight: digits 0 (they end a non-digit run), letters first, then ~ lowest. */
function order(c: number): number {
  if (c >= 48 && c <= 57) return 0;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c;
  if (c === 126) return -1;
  if (c) return c + 256;
  return 0;
}

/** dpkg's verrevcmp over one part (upstream or revision). Returns <0, 0 or >0. */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  const digit = (c: number) => c >= 48 && c <= 57;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !digit(at(a, i))) || (j < b.length && !digit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === 48) i++;
    while (at(b, j) === 48) j++;
    while (digit(at(a, i)) && digit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (digit(at(a, i))) return 1;
    if (digit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

export function compareDebParsed(a: DebVersion, b: DebVersion): -1 | 0 | 1 {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const u = verrevcmp(a.upstream, b.upstream);
  if (u) return sign(u);
  return sign(verrevcmp(a.revision, b.revision));
}

/** Compare two Debian versions like `dpkg --compare-versions`; throws on an invalid version. */
export function compareDebVersions(a: string, b: string): -1 | 0 | 1 {
  return compareDebParsed(parseDebVersion(a, 'a'), parseDebVersion(b, 'b'));
}

export function formatDebVersion(v: DebVersion): string {
  return `${v.epoch ? `${v.epoch}:` : ''}${v.upstream}${v.revision ? `-${v.revision}` : ''}`;
}
