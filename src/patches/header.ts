/**
 * Patch headers → one model. Reads DEP-3 (Debian/Ubuntu), git format-patch mails, Yocto
 * `Upstream-Status:` and free text; keeps the raw text so a rewrite never loses what it does
 * not understand. The only patch header reader: `patches status`, `report patches`, rebase,
 * forward and import all use it. Pure.
 */

export interface PatchBug {
  /** Vendor from `Bug-<Vendor>:` (e.g. Debian, Ubuntu); undefined for upstream's `Bug:`. */
  vendor?: string;
  url: string;
}

export interface PatchHeaderField {
  name: string;
  value: string;
  /** 1-based line in the patch file. */
  line: number;
}

export interface PatchHeader {
  /** Which convention the header follows. */
  style: 'dep3' | 'git' | 'plain' | 'none';
  /** One-line summary (DEP-3 Description/Subject first line, git Subject without [PATCH]). */
  description?: string;
  /** The rest of the description. */
  longDescription?: string;
  author?: string;
  origin?: string;
  bugs: PatchBug[];
  /** DEP-3 Forwarded: an URL, "no", "not-needed", "yes". */
  forwarded?: string;
  reviewedBy: string[];
  lastUpdate?: string;
  appliedUpstream?: string;
  /** Yocto Upstream-Status, e.g. { status: 'Submitted', detail: 'https://...' }. */
  upstreamStatus?: { status: string; detail?: string };
  /** git format-patch: the commit and date. */
  gitCommit?: string;
  date?: string;
  /** Every `Name: value` field as written, in order. */
  fields: PatchHeaderField[];
  /** The header exactly as written (everything before the first diff). */
  raw: string;
  /** False for a patch with no header text at all (only a diff, or quilt's Index: lines). */
  hasHeader: boolean;
  /** Paragraphs of free text (DEP-3: after the first empty line; git: the commit message body). */
  freeText: string[];
  /** The upstream commit named by `Origin:` (a commit URL or `commit:<sha>`). */
  originCommit?: string;
  /** git cherry-pick -x's `(cherry picked from commit <sha>)`. */
  cherryPickedFrom?: string;
}

/** Index of the first line of the diff proper, or lines.length when there is none. */
export function diffStartLine(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('diff --git ') || l.startsWith('diff -')) return i;
    if (l.startsWith('Index: ') && /^(=+|--- |diff )/.test(lines[i + 1] ?? '')) return i;
    if (l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) return i;
    if (l.startsWith('*** ') && lines[i + 1]?.startsWith('--- ')) return i;
  }
  return lines.length;
}

export function splitPatch(text: string): { header: string; body: string; bodyLine: number } {
  const lines = text.split('\n');
  const start = diffStartLine(lines);
  return {
    header: lines.slice(0, start).join('\n') + (start > 0 && start < lines.length ? '\n' : ''),
    body: lines.slice(start).join('\n'),
    bodyLine: start + 1,
  };
}

const FIELD = /^([A-Za-z][A-Za-z0-9-]*):[ \t]?(.*)$/;

/** Fields DEP-3 defines, and the git trailers that carry the same facts in a commit message. */
const DEP3_FIELDS = new Set([
  'description',
  'subject',
  'origin',
  'bug',
  'forwarded',
  'author',
  'from',
  'reviewed-by',
  'acked-by',
  'last-update',
  'applied-upstream',
]);
const TRAILERS =
  /^(signed-off-by|co-authored-by|tested-by|reported-by|suggested-by|cc|fixes|closes|change-id|upstream-status|gbp-pq|bug-[a-z0-9-]+|x-[a-z0-9-]+)$/;
const known = (name: string) => DEP3_FIELDS.has(name) || TRAILERS.test(name);

/** lintian's quilt-patch-using-template-description text (dpkg-source --commit writes it). */
export const TEMPLATE_DESCRIPTION = 'TODO: Put a short summary on the line above and replace this paragraph';

/**
 * Decode RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?iso-8859-1?q?…?=`) as git format-patch
 * writes them in From: and Subject:. Whitespace between two encoded words is dropped.
 */
export function decodeMimeWords(s: string): string {
  if (!s.includes('=?')) return s;
  return s
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (whole, charset: string, enc: string, data: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : Buffer.from(
                data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
                'latin1',
              );
        return new TextDecoder(charset.replace(/\*.*$/, '').toLowerCase(), { fatal: false }).decode(bytes);
      } catch {
        return whole;
      }
    });
}

/** Lines before the diff that are not header text: quilt's `Index:`/`====`, `diff`/`index` lines. */
const LEAD_IN = /^(Index: |=+$|diff |index [0-9a-f]+\.\.)/;

/**
 * The one DEP-3 reader (https://dep-team.pages.debian.net/deps/dep3/), for `patches status`,
 * `report patches`, rebase, forward and import alike. The header is what stands before the first
 * line starting with `---` or the first line of the diff. It reads:
 * - DEP-3 field paragraphs (continuation lines start with a space, ` .` is an empty line);
 *   any field may repeat (every mention is kept in `fields`; `lastField` gives the last);
 * - git format-patch / gbp pq exports: the `From <sha> <date>` line, mail headers (From, Date,
 *   Subject with RFC 822 folding and RFC 2047 encoded words), the free-form body, and DEP-3
 *   fields or git trailers in a later paragraph;
 * - free text: DEP-3 ends the structured part at the first empty line, so a paragraph that is
 *   not all fields is long description; a header of free text only is its own description.
 */
export function parsePatchHeader(text: string): PatchHeader {
  const raw = splitPatch(text).header;
  const all = raw.replace(/\r/g, '').split('\n');
  const dashes = all.findIndex((l) => l.startsWith('---'));
  const lines = (dashes >= 0 ? all.slice(0, dashes) : all).map((l, i) => ({ text: l, n: i + 1 }));
  const header: PatchHeader = { style: 'none', bugs: [], reviewedBy: [], fields: [], raw, hasHeader: false, freeText: [] };

  let at = 0;
  const first = /^From ([0-9a-f]{40}) /.exec(lines[0]?.text ?? '');
  if (first) {
    header.gitCommit = first[1]!;
    at = 1;
  }
  // Paragraphs of header text; the lead-in lines quilt and diff tools write are no header text.
  const paragraphs: Array<typeof lines> = [];
  let cur: typeof lines = [];
  for (const l of lines.slice(at)) {
    if (/^\s*$/.test(l.text)) {
      if (cur.length) paragraphs.push(cur);
      cur = [];
    } else if (!LEAD_IN.test(l.text)) cur.push(l);
  }
  if (cur.length) paragraphs.push(cur);
  if (!paragraphs.length) return header;

  const mailHeaders =
    first !== null || (/^From: /i.test(paragraphs[0]![0]!.text) && paragraphs[0]!.some((l) => /^Subject: /i.test(l.text)));
  header.style = mailHeaders ? 'git' : 'dep3';
  let descriptionFrom: 'field' | 'free' | undefined;
  paragraphs.forEach((para, pi) => {
    // The first paragraph is the field set; later ones count as fields only when every line is
    // a field (or its continuation) and one of them is a DEP-3 field or a git trailer.
    const fieldAt = (t: string) => {
      const m = FIELD.exec(t);
      return m && !/^(https?|ftp)$/i.test(m[1]!) ? m : null;
    };
    const allFields =
      para.every((l, i) => fieldAt(l.text) || (i > 0 && /^[ \t]/.test(l.text))) &&
      para.some((l) => {
        const m = fieldAt(l.text);
        return m && known(m[1]!.toLowerCase());
      });
    if (pi > 0 && !allFields) {
      header.freeText.push(para.map((l) => l.text).join('\n'));
      return;
    }
    let open: PatchHeaderField | undefined;
    for (const l of para) {
      const m = fieldAt(l.text);
      if (m && (pi === 0 || known(m[1]!.toLowerCase()) || allFields)) {
        open = { name: m[1]!, value: m[2]!.trimEnd(), line: l.n };
        header.fields.push(open);
      } else if (open && /^[ \t]/.test(l.text)) {
        const t = l.text.trim();
        // Mail headers fold with a space; DEP-3 continuation lines are lines (` .` = empty).
        open.value += mailHeaders && pi === 0 ? ` ${t}` : `\n${t === '.' ? '' : t}`;
      } else {
        // Text in the field paragraph (a dpatch/plain header): long description.
        open = undefined;
        header.freeText.push(l.text);
      }
    }
  });
  for (const f of header.fields) applyField(header, f);
  if (header.description !== undefined) descriptionFrom = 'field';
  const free = header.freeText.join('\n\n').trim();
  if (header.description === undefined && free) {
    const [head, ...rest] = free.split('\n');
    header.description = head!.trim();
    if (rest.join('\n').trim()) header.longDescription = rest.join('\n').trim();
    descriptionFrom = 'free';
    if (!header.fields.length) header.style = 'plain';
  } else if (free) header.longDescription = header.longDescription ? `${header.longDescription}\n\n${free}` : free;
  if (descriptionFrom === 'field' && mailHeaders) header.description = cleanSubject(header.description ?? '');
  const picked = /\(cherry picked from commit ([0-9a-f]{7,40})\)/.exec(free);
  if (picked) header.cherryPickedFrom = picked[1]!;
  const originCommit = /(?:\/commit\/|\/commits\/|[?&;]h=|[?&;]id=|^commit:?\s*|,\s*commit:?\s*)([0-9a-f]{7,40})\b/.exec(
    header.origin ?? '',
  );
  if (originCommit) header.originCommit = originCommit[1]!;
  header.hasHeader = header.description !== undefined || header.fields.length > 0;
  if (!header.hasHeader) header.style = 'none';
  return header;
}

/** A mail subject without its `[PATCH n/m]` tags. */
function cleanSubject(s: string): string {
  return s.replace(/^\s*(\[[^\]]*\]\s*)+/, '').trim();
}

/** The last mention of a field (case-insensitive), as lintian and dpkg read repeated fields. */
export function lastField(h: PatchHeader, name: string): string | undefined {
  const n = name.toLowerCase();
  for (let i = h.fields.length - 1; i >= 0; i--) if (h.fields[i]!.name.toLowerCase() === n) return h.fields[i]!.value.trim();
  return undefined;
}

function applyField(h: PatchHeader, f: PatchHeaderField): void {
  const name = f.name.toLowerCase();
  const value = name === 'from' || name === 'subject' || name === 'author' ? decodeMimeWords(f.value) : f.value;
  const [firstLine, ...rest] = value.split('\n');
  if (name === 'description' || name === 'subject') {
    if (h.description === undefined) {
      h.description = firstLine!.trim();
      const more = rest.join('\n').trim();
      if (more) h.longDescription = more;
    }
  } else if (name === 'author' || name === 'from') h.author ??= value.trim();
  else if (name === 'origin') h.origin = value.trim();
  else if (name === 'bug') h.bugs.push({ url: value.trim() });
  else if (name.startsWith('bug-')) h.bugs.push({ vendor: f.name.slice(4), url: value.trim() });
  else if (name === 'forwarded') h.forwarded = value.trim();
  else if (name === 'reviewed-by' || name === 'acked-by') h.reviewedBy.push(value.trim());
  else if (name === 'last-update') h.lastUpdate = value.trim();
  else if (name === 'date') h.date ??= value.trim();
  else if (name === 'applied-upstream') h.appliedUpstream = value.trim();
  else if (name === 'upstream-status') {
    const m = /^(\S+)\s*(?:\[(.*)\])?\s*(.*)$/.exec(value.trim());
    const detail = (m?.[2] ?? m?.[3] ?? '').trim();
    h.upstreamStatus = { status: m?.[1] ?? value.trim(), ...(detail ? { detail } : {}) };
  }
}

/**
 * When the patch was last touched, as YYYY-MM-DD: Last-Update, else the mail Date, else
 * undefined (the caller may fall back to version control, never to file times).
 */
export function headerDate(h: PatchHeader): string | undefined {
  for (const v of [h.lastUpdate, h.date]) {
    if (!v) continue;
    const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(v);
    const t = iso ? Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3])) : Date.parse(v);
    if (Number.isFinite(t)) return new Date(t).toISOString().slice(0, 10);
  }
  return undefined;
}

/**
 * Set (or add) a DEP-3 field in a raw header, keeping every other byte. Used by rebase to
 * update Last-Update and to record why a patch was dropped.
 */
export function setHeaderField(raw: string, name: string, value: string): string {
  const lines = raw.split('\n');
  const re = new RegExp(`^${name}:`, 'i');
  const at = lines.findIndex((l) => re.test(l));
  if (at >= 0) {
    let end = at + 1;
    while (end < lines.length && /^[ \t]\S/.test(lines[end]!)) end++;
    lines.splice(at, end - at, `${name}: ${value}`);
    return lines.join('\n');
  }
  // Add after the last field of the first paragraph, or at the top when there is none.
  let last = -1;
  for (let k = 0; k < lines.length && lines[k]!.trim() !== ''; k++) if (FIELD.test(lines[k]!) || /^[ \t]/.test(lines[k]!)) last = k;
  if (last < 0 && raw.trim() === '') return `${name}: ${value}\n${raw.startsWith('\n') ? '' : raw.length ? '\n' : ''}${raw}`;
  lines.splice(last + 1, 0, `${name}: ${value}`);
  return lines.join('\n');
}
