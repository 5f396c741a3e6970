/**
 * Version helpers shared by upstream tracking, builds and the nightly channel: one entry point
 * per comparison scheme, tag → version mangling from a recipe's `versions` section, and
 * snapshot (trunk) version formatting. Pure.
 */
import { inputError } from '../core/errors.js';
import { checkDebVersion, compareDebParsed, invalidDebVersion } from './version-deb.js';
import { checkRpmEvr, compareRpmParsed, invalidRpmVersion } from './version-rpm.js';

export type VersionScheme = 'deb' | 'rpm';
export const VERSION_SCHEMES: readonly VersionScheme[] = ['deb', 'rpm'];

/** Why `v` is not a valid version in `scheme`, or undefined when it is. */
export function versionProblem(scheme: VersionScheme, v: string): string | undefined {
  const r = scheme === 'deb' ? checkDebVersion(v) : checkRpmEvr(v);
  return r.ok ? undefined : r.reason;
}

/** Throw a VERSION_INVALID input error when `v` is not valid in `scheme`. */
export function assertVersion(scheme: VersionScheme, v: string, field = 'version'): void {
  const problem = versionProblem(scheme, v);
  if (problem) throw scheme === 'deb' ? invalidDebVersion(v, problem, field) : invalidRpmVersion(v, problem, field);
}

/** -1, 0 or 1 as `a` sorts before, equal to or after `b` in `scheme`; throws on invalid input. */
export function compareVersions(scheme: VersionScheme, a: string, b: string): -1 | 0 | 1 {
  if (scheme === 'deb') {
    const pa = checkDebVersion(a);
    if (!pa.ok) throw invalidDebVersion(a, pa.reason, 'a');
    const pb = checkDebVersion(b);
    if (!pb.ok) throw invalidDebVersion(b, pb.reason, 'b');
    return compareDebParsed(pa.version, pb.version);
  }
  const pa = checkRpmEvr(a);
  if (!pa.ok) throw invalidRpmVersion(a, pa.reason, 'a');
  const pb = checkRpmEvr(b);
  if (!pb.ok) throw invalidRpmVersion(b, pb.reason, 'b');
  return compareRpmParsed(pa.evr, pb.evr);
}

export const compareSymbol = (c: -1 | 0 | 1): '<' | '=' | '>' => (c < 0 ? '<' : c > 0 ? '>' : '=');

/**
 * Upstream versions are compared as the upstream part of a Debian version: the ordering
 * packagers expect (`~rc` before the release) and the one the built package will have.
 * Versions that are not valid there (odd tags) fall back to rpmvercmp, which accepts anything.
 */
export function compareUpstreamVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = checkDebVersion(`0:${a}-0`);
  const pb = checkDebVersion(`0:${b}-0`);
  if (pa.ok && pb.ok) return compareDebParsed(pa.version, pb.version);
  return compareRpmParsed({ version: a }, { version: b });
}

/** The `versions` section of a recipe, as far as tag mangling needs it. */
export interface TagRules {
  tagPattern: string;
  stripPrefix?: string | undefined;
  mangle: ReadonlyArray<{ from: string; to: string }>;
}

export const DEFAULT_TAG_RULES: TagRules = { tagPattern: '^v?(?<version>\\d[0-9A-Za-z.+~-]*)$', mangle: [] };

/**
 * The upstream version a tag stands for, or undefined when the tag is not a release tag.
 * Steps: strip the prefix, match tagPattern (named group `version`, else group 1, else the
 * whole match), then apply each mangle substitution (all occurrences, `$1`/`$<name>` in `to`).
 */
export function tagToVersion(tag: string, rules: TagRules = DEFAULT_TAG_RULES): string | undefined {
  let t = tag;
  if (rules.stripPrefix) {
    if (!t.startsWith(rules.stripPrefix)) return undefined;
    t = t.slice(rules.stripPrefix.length);
  }
  const m = new RegExp(rules.tagPattern).exec(t);
  if (!m) return undefined;
  let v = m.groups?.version ?? m[1] ?? m[0];
  for (const rule of rules.mangle) v = v.replace(new RegExp(rule.from, 'g'), rule.to);
  return v === '' ? undefined : v;
}

export interface SnapshotParts {
  /** Latest release before the snapshot, e.g. `2.12.1` (`0` when there is none). */
  release: string;
  /** Commit time of the snapshot. */
  date: Date;
  /** Commits since `release`. */
  commits: number;
  /** Full commit id. */
  sha: string;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * Fill a snapshot version pattern, e.g. `{release}+git{date}.{commits}.{sha7}` →
 * `2.12.1+git20260121.14.1a2b3c4`. {date} is the UTC commit date as YYYYMMDD.
 */
export function formatSnapshotVersion(pattern: string, p: SnapshotParts): string {
  const date = `${p.date.getUTCFullYear()}${pad(p.date.getUTCMonth() + 1)}${pad(p.date.getUTCDate())}`;
  const values: Record<string, string> = { release: p.release, date, commits: String(p.commits), sha7: p.sha.slice(0, 7), sha: p.sha };
  return pattern.replace(/\{([a-z0-9]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw inputError(
        'SNAPSHOT_PATTERN_INVALID',
        `unknown placeholder ${whole} in snapshot version pattern "${pattern}"`,
        'Use {release}, {date}, {commits}, {sha7} or {sha}.',
        {
          field: 'channels.trunk.versionPattern',
        },
      );
    }
    return v;
  });
}

/**
 * Problems with a snapshot version against the release it follows and, when known, the next
 * release: it must sort after `release` and before `next` in every scheme. Empty when fine.
 */
export function snapshotOrderingProblems(snapshot: string, release: string, next?: string): string[] {
  const problems: string[] = [];
  for (const scheme of VERSION_SCHEMES) {
    const bad = versionProblem(scheme, snapshot);
    if (bad) {
      problems.push(`${scheme}: ${snapshot} is invalid: ${bad}`);
      continue;
    }
    if (!versionProblem(scheme, release) && compareVersions(scheme, snapshot, release) <= 0) {
      problems.push(`${scheme}: ${snapshot} does not sort after the release ${release}`);
    }
    if (next !== undefined && !versionProblem(scheme, next) && compareVersions(scheme, snapshot, next) >= 0) {
      problems.push(`${scheme}: ${snapshot} does not sort before the next release ${next}`);
    }
  }
  return problems;
}
