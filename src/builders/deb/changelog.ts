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
