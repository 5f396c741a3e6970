/**
 * RPM versions: `rpmvercmp` (rpmio/rpmvercmp.c, with `~` sorting before everything and `^`
 * after the base version but before the next one) and EVR comparison as `rpm.vercmp` and
 * rpmverCmp do it. Pure: strings in, numbers out.
 *
 * Validation follows rpmbuild's rules for Version and Release (ALLOWED_CHARS_VERREL without the
 * macro characters, no `..`), so a version we accept is one rpmbuild accepts.
 */
import { inputError, type PkgtrackError } from '../core/errors.js';

export interface RpmEvr {
  /** Undefined when the string had no `E:` (rpm then compares it as 0). */
  epoch?: string;
  version: string;
  /** Undefined when the string had no `-release` (compared as an empty release). */
  release?: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 126;
const CARET = 94;

/** rpm's rpmvercmp over one version or release string: -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let one = 0;
  let two = 0;
  const ca = (k: number) => (k < a.length ? a.charCodeAt(k) : 0);
  const cb = (k: number) => (k < b.length ? b.charCodeAt(k) : 0);
  while (one < a.length || two < b.length) {
    while (one < a.length && !isAlnum(ca(one)) && ca(one) !== TILDE && ca(one) !== CARET) one++;
    while (two < b.length && !isAlnum(cb(two)) && cb(two) !== TILDE && cb(two) !== CARET) two++;

    // A tilde sorts before everything, even the end of the string.
    if (ca(one) === TILDE || cb(two) === TILDE) {
      if (ca(one) !== TILDE) return 1;
      if (cb(two) !== TILDE) return -1;
      one++;
      two++;
      continue;
    }
    // A caret sorts after the end of the string but before any other segment.
    if (ca(one) === CARET || cb(two) === CARET) {
      if (one >= a.length) return -1;
      if (two >= b.length) return 1;
      if (ca(one) !== CARET) return 1;
      if (cb(two) !== CARET) return -1;
      one++;
      two++;
      continue;
    }
    if (!(one < a.length && two < b.length)) break;

    let end1 = one;
    let end2 = two;
    const isnum = isDigit(ca(one));
    const inSeg = isnum ? isDigit : isAlpha;
    while (end1 < a.length && inSeg(ca(end1))) end1++;
    while (end2 < b.length && inSeg(cb(end2))) end2++;
    // One side numeric, the other alpha: numeric segments are newer.
    if (end2 === two) return isnum ? 1 : -1;

    let s1 = a.slice(one, end1);
    let s2 = b.slice(two, end2);
    if (isnum) {
      s1 = s1.replace(/^0+/, '');
      s2 = s2.replace(/^0+/, '');
      if (s1.length !== s2.length) return s1.length > s2.length ? 1 : -1;
    }
    if (s1 !== s2) return s1 < s2 ? -1 : 1;
    one = end1;
    two = end2;
  }
  if (one >= a.length && two >= b.length) return 0;
  return one >= a.length ? -1 : 1;
}

const VERREL = /^[A-Za-z0-9._+~^]+$/;

/** Why `part` cannot be an rpm Version or Release, or undefined when it can. */
function verrelProblem(part: string, what: 'version' | 'release'): string | undefined {
  if (part === '') return `${what} is empty`;
  if (what === 'version' && part.includes('-')) return 'a "-" cannot appear in an rpm Version (it separates the release)';
  const bad = [...part].find((c) => !/[A-Za-z0-9._+~^]/.test(c));
  if (bad !== undefined) return `illegal character ${JSON.stringify(bad)} in ${what} (allowed: letters, digits and . _ + ~ ^)`;
  if (part.includes('..')) return `illegal sequence ".." in ${what}`;
  return VERREL.test(part) ? undefined : `invalid ${what}`;
}

/** Parse and validate `[E:]V[-R]`; the reason is returned instead of throwing. */
export function checkRpmEvr(input: string): { ok: true; evr: RpmEvr } | { ok: false; reason: string } {
  if (input === '') return { ok: false, reason: 'version string is empty' };
  if (/\s/.test(input)) return { ok: false, reason: 'version string has whitespace' };
  const colon = input.indexOf(':');
  let rest = input;
  let epoch: string | undefined;
  if (colon >= 0) {
    epoch = input.slice(0, colon);
    if (!/^\d+$/.test(epoch)) return { ok: false, reason: `epoch ${JSON.stringify(epoch)} is not a number` };
    if (Number(epoch) > 2 ** 32 - 1) return { ok: false, reason: 'epoch is too big' };
    rest = input.slice(colon + 1);
  }
  const parts = rest.split('-');
  if (parts.length > 2) return { ok: false, reason: 'a "-" cannot appear in an rpm Version or Release (write V-R with one hyphen)' };
  const version = parts[0]!;
  const release = parts[1];
  const vp = verrelProblem(version, 'version');
  if (vp) return { ok: false, reason: vp };
  if (release !== undefined) {
    const rp = verrelProblem(release, 'release');
    if (rp) return { ok: false, reason: rp };
  }
  return { ok: true, evr: { ...(epoch !== undefined ? { epoch } : {}), version, ...(release !== undefined ? { release } : {}) } };
}

export function invalidRpmVersion(input: string, reason: string, field = 'version'): PkgtrackError {
  return inputError(
    'VERSION_INVALID',
    `${JSON.stringify(input)} is not a valid RPM version: ${reason}`,
    'An RPM EVR is [epoch:]version[-release]; version and release hold letters, digits and . _ + ~ ^ (no "-", no "..").',
    { field, scheme: 'rpm', reason },
  );
}

export function parseRpmEvr(input: string, field = 'version'): RpmEvr {
  const r = checkRpmEvr(input);
  if (r.ok) return r.evr;
  throw invalidRpmVersion(input, r.reason, field);
}

/**
 * rpmverCmp (what `rpm.vercmp` uses): epochs (missing = 0), versions, then releases with a
 * missing release read as empty, so 1.0-1 sorts after 1.0. (Dependency matching, rpmdsCompare,
 * instead ignores a missing release; that is a range question, not an ordering one.)
 */
export function compareRpmParsed(a: RpmEvr, b: RpmEvr): -1 | 0 | 1 {
  const e = rpmvercmp(a.epoch ?? '0', b.epoch ?? '0');
  if (e) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v) return v;
  return rpmvercmp(a.release ?? '', b.release ?? '');
}

/** Compare two EVR strings like `rpm.vercmp()`; throws on an invalid version. */
export function compareRpmVersions(a: string, b: string): -1 | 0 | 1 {
  return compareRpmParsed(parseRpmEvr(a, 'a'), parseRpmEvr(b, 'b'));
}

export function formatRpmEvr(v: RpmEvr): string {
  return `${v.epoch !== undefined ? `${v.epoch}:` : ''}${v.version}${v.release !== undefined ? `-${v.release}` : ''}`;
}
