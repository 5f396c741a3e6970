/**
 * The repository web page, as data. `gatherSiteModel()` (services/site-gather.ts) fills it from
 * the published repositories, the state store and the signing key; the renderers in this folder
 * turn it into HTML and SVG without any IO. Every string here is untrusted text (package names,
 * descriptions and versions come from published metadata): renderers escape all of it.
 */

export type Channel = 'stable' | 'trunk';

/** How far a packaged version is from the newest upstream release we observed. */
export type Freshness =
  | { state: 'up-to-date'; latest: string }
  | {
      state: 'behind';
      latest: string;
      /** Distinct upstream versions newer than the packaged one. */
      versionsBehind: number;
      /** Whole days since the first of those newer versions was observed. */
      daysBehind: number;
    }
  /** No upstream observation yet (`pkgtrack check` never ran for it). */
  | { state: 'unknown' };

/** The patch report summary of one package; absent until the patch report is published. */
export interface PatchSummary {
  /** Number of patches per status, e.g. `{ applied: 3, "merged-upstream": 1 }`. */
  counts: Record<string, number>;
  /** Site-relative link to the full HTML report. */
  reportHref: string;
}

/** A site-relative link with the text to show for it. */
export interface SiteLink {
  label: string;
  href: string;
}

export interface SitePackage {
  /** Source package (recipe) name. */
  name: string;
  /** Binary packages it produced in this suite, when they differ from `name`. */
  binaries: string[];
  /** Full package version (epoch, revision, target suffix). */
  version: string;
  /** The upstream part of `version`, what freshness compares. */
  upstreamVersion: string;
  architectures: string[];
  channel: Channel;
  /** ISO date-time of the build (or, lacking a build record, of the publish). */
  builtAt?: string;
  summary?: string;
  /** Absolute upstream homepage, from the recipe. */
  homepage?: string;
  freshness: Freshness;
  patches?: PatchSummary;
  /** Build manifest and logs, copied into the site. */
  buildLinks: SiteLink[];
}

export interface SiteSuite {
  kind: 'apt' | 'yum';
  /** Site-relative folder of the repository holding the suite (`apt`, `yum`; '' = the site root). */
  repoPath: string;
  /** apt suite name, or the yum repository path (e.g. `fedora/41`). */
  suite: string;
  /** `debian:bookworm`, when the suite belongs to a configured target. */
  target?: string;
  channel: Channel;
  components: string[];
  architectures: string[];
  /** When the suite's metadata was last written (Release Date / repomd revision). */
  updatedAt?: string;
  /** apt `NotAutomatic: yes`: installed from only on request (`apt install -t SUITE`). */
  notAutomatic?: boolean;
  /** A debug-symbols suite (`bookworm-debug`): the suite whose packages' symbols it holds. */
  debugFor?: string;
  /** Site-relative link to the suite's signed metadata (Release / repomd.xml). */
  metadataHref: string;
  /** Its packages; only the first page's when `total` says there are more. */
  packages: SitePackage[];
  /** How many packages the suite holds, when `packages` lists only some (an incremental page write). */
  total?: number;
  /** A debug suite's alphabetically first binary package: the install example. */
  binaryExample?: string;
}

/** How many packages a suite holds. */
export const packageCount = (s: SiteSuite): number => s.total ?? s.packages.length;

export interface SiteKey {
  /** Upper-case hex, no spaces. */
  fingerprint: string;
  /** Fingerprints of further keys in the published key file (a rotation window), if any. */
  rotation?: Array<{ fingerprint: string; expires: string | null }>;
  /** ISO date, or null when the key never expires. */
  expires: string | null;
  userIds: string[];
  /** Site-relative path of the armored public key. */
  href: string;
  /** The armored public key written at `href`. */
  armored: string;
}

export interface SiteModel {
  name: string;
  label: string;
  description?: string;
  maintainer?: string;
  /** Public base URL of the repository (no trailing slash); undefined = not configured. */
  url?: string;
  key?: SiteKey;
  suites: SiteSuite[];
  /** When the page was generated (ISO). */
  generatedAt: string;
  generator: string;
}

/** Badge file path (site-relative) of a package: `badges/<name>.svg`. */
export const badgePath = (pkg: string): string => `badges/${pkg}.svg`;

/** Package names that are safe as one path segment (Debian and RPM names always are). */
export const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;

/**
 * Freshness of `packaged` against the observed upstream versions.
 * `compare` orders upstream versions; `observations` carry when each version was first seen.
 */
export function computeFreshness(
  packaged: string,
  observations: ReadonlyArray<{ version: string; observedAt: string }>,
  compare: (a: string, b: string) => number,
  now: Date,
): Freshness {
  if (observations.length === 0) return { state: 'unknown' };
  const firstSeen = new Map<string, number>();
  for (const o of observations) {
    const t = Date.parse(o.observedAt);
    const prev = firstSeen.get(o.version);
    if (prev === undefined || (!Number.isNaN(t) && t < prev)) firstSeen.set(o.version, Number.isNaN(t) ? now.getTime() : t);
  }
  const versions = [...firstSeen.keys()].sort(compare);
  const latest = versions[versions.length - 1]!;
  const newer = versions.filter((v) => compare(v, packaged) > 0);
  if (newer.length === 0) return { state: 'up-to-date', latest };
  const since = Math.min(...newer.map((v) => firstSeen.get(v)!));
  const daysBehind = Math.max(0, Math.floor((now.getTime() - since) / 86_400_000));
  return { state: 'behind', latest, versionsBehind: newer.length, daysBehind };
}

/** Short human text for a freshness state: "up to date", "behind by 2 versions (9 days)". */
export function freshnessText(f: Freshness): string {
  if (f.state === 'up-to-date') return 'up to date';
  if (f.state === 'unknown') return 'upstream not checked';
  const v = `${f.versionsBehind} version${f.versionsBehind === 1 ? '' : 's'}`;
  const d = `${f.daysBehind} day${f.daysBehind === 1 ? '' : 's'}`;
  return `behind by ${v} (${d})`;
}

/**
 * The one freshness each package's badge shows when it is published in several suites: the
 * stable channel's (trunk only when there is no stable build), and of those the furthest behind
 * (a badge must not hide a stale target). One pass over the model.
 */
export function badgeFreshnessByPackage(model: SiteModel): Map<string, { version: string; freshness: Freshness }> {
  const rows = new Map<string, SitePackage[]>();
  for (const s of model.suites) {
    for (const p of s.packages) {
      const list = rows.get(p.name);
      if (list) list.push(p);
      else rows.set(p.name, [p]);
    }
  }
  return new Map([...rows].map(([n, list]) => [n, badgeFreshnessOf(list)]));
}

/** The badge of one package from its rows in suite order (badgeFreshnessByPackage's rule). */
export function badgeFreshnessOf(rows: readonly SitePackage[]): { version: string; freshness: Freshness } {
  const rank = (f: Freshness) => (f.state === 'behind' ? 2 + f.versionsBehind : f.state === 'unknown' ? 1 : 0);
  let best = rows[0]!;
  for (const p of rows.slice(1)) {
    const better =
      (best.channel === 'trunk' && p.channel === 'stable') || (best.channel === p.channel && rank(p.freshness) > rank(best.freshness));
    if (better) best = p;
  }
  return { version: best.upstreamVersion, freshness: best.freshness };
}

/** `badgeFreshnessByPackage` for one package. */
export function badgeFreshness(model: SiteModel, pkg: string): { version: string; freshness: Freshness } | undefined {
  return badgeFreshnessByPackage(model).get(pkg);
}

/** Names of every package in the model, sorted, once each. */
export function packageNames(model: SiteModel): string[] {
  return [...new Set(model.suites.flatMap((s) => s.packages.map((p) => p.name)))].sort();
}

/**
 * Package names in page order: what `a.localeCompare(b)` gives, from one collator made once
 * (String#localeCompare sets one up per call: 10 ms per sort of 10,000 names).
 */
export const compareNames: (a: string, b: string) => number = new Intl.Collator().compare;

/** Code-unit order: what SQLite's BINARY collation gives for the same (ASCII) names. */
export const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The first page's order: most recently changed first (ISO times), ties by name in code-unit
 * order, the order the stored model's query gives (services/site/model-sync.ts).
 */
export const newestFirst = (a: { name: string; at: string }, b: { name: string; at: string }): number =>
  a.at === b.at ? compareCodeUnits(a.name, b.name) : a.at < b.at ? 1 : -1;
