/** The debian/changelog entry pkgtrack writes for each build. Pure. */

export interface ChangelogEntry {
  source: string;
  version: string;
  distribution: string;
  urgency?: string;
  changes: string[];
  maintainer: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date in UTC, the form dpkg-parsechangelog reads: `Sat, 21 Nov 2026 12:00:00 +0000`. */
export function rfc5322(timestamp: number): string {
  const d = new Date(timestamp * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Wrap one change at 80 columns: "  * " first, "    " after. */
function bullet(text: string): string[] {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines: string[] = [];
  let cur = '  *';
  for (const w of words) {
    if (cur.length + 1 + w.length > 79 && cur.trim() !== '*') {
      lines.push(cur);
      cur = '   ';
    }
    cur += ` ${w}`;
  }
  lines.push(cur);
  return lines;
}

export function renderChangelogEntry(e: ChangelogEntry): string {
  const body = e.changes.flatMap(bullet);
  return [
    `${e.source} (${e.version}) ${e.distribution}; urgency=${e.urgency ?? 'medium'}`,
    '',
    ...body,
    '',
    ` -- ${e.maintainer}  ${rfc5322(e.timestamp)}`,
    '',
  ].join('\n');
}

/** The first entry's header of a debian/changelog: `source (version) distribution; urgency=…`. */
export interface ChangelogHead {
  source: string;
  version: string;
  distribution: string;
}

export function changelogHead(text: string): ChangelogHead | undefined {
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^(\S+) \(([^()\s]+)\) ([^;]+);/.exec(line);
    return m ? { source: m[1]!, version: m[2]!, distribution: m[3]!.trim() } : undefined;
  }
  return undefined;
}

/** `[epoch:]upstream-revision` split; revision undefined for a native version. */
export function splitDebianVersion(version: string): { epoch?: string; upstream: string; revision?: string } {
  const colon = version.indexOf(':');
  const epoch = colon > 0 ? version.slice(0, colon) : undefined;
  const rest = colon > 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return {
    ...(epoch ? { epoch } : {}),
    upstream: dash > 0 ? rest.slice(0, dash) : rest,
    ...(dash > 0 ? { revision: rest.slice(dash + 1) } : {}),
  };
}

/**
 * The version a build of `upstream` gets, as a backporter picks it. With a kept
 * debian/changelog whose top entry packages this upstream version: its epoch and revision plus
 * the target's suffix (`1.7.1-3` → `1.7.1-3~bpo12+1`, what `dch --bpo` writes). For another
 * upstream version the packaging's revision says nothing: it resets to 0 (`1.8.0-0~bpo12+1`),
 * which sorts below any revision Debian itself will publish for that version. The epoch is
 * kept either way, or the build would sort below the distro's own package. Without a
 * changelog: the recipe's `revision`.
 */
export function debPackageVersion(upstream: string, recipeRevision: string, suffix: string, head?: ChangelogHead): string {
  if (!head) return `${upstream}-${recipeRevision}${suffix}`;
  const top = splitDebianVersion(head.version);
  const epoch = top.epoch ? `${top.epoch}:` : '';
  const revision = top.upstream === upstream && top.revision ? top.revision : '0';
  return `${epoch}${upstream}-${revision}${suffix}`;
}
