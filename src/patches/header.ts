/**
 * Patch headers → one model. Reads DEP-3 (Debian/Ubuntu), git format-patch mails, Yocto
 * `Upstream-Status:` and free text; keeps the raw text so a rewrite never loses what it does
 * not understand. Pure.
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

export function parsePatchHeader(text: string): PatchHeader {
  const raw = splitPatch(text).header;
  const lines = raw.replace(/\n$/, '').split('\n');
  const header: PatchHeader = { style: 'none', bugs: [], reviewedBy: [], fields: [], raw };
  if (!raw.trim()) return header;

  const isGit = /^From [0-9a-f]{40} /.test(lines[0] ?? '') || (/^From: /.test(lines[0] ?? '') && lines.some((l) => /^Subject: /.test(l)));
  if (isGit) return parseGitHeader(lines, header);

  // DEP-3: fields with continuation lines (leading space); free text may sit between paragraphs.
  const freeText: string[] = [];
  let current: PatchHeaderField | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = FIELD.exec(l);
    if (m && !/^(https?|ftp)$/i.test(m[1]!)) {
      current = { name: m[1]!, value: m[2]!.trimEnd(), line: i + 1 };
      header.fields.push(current);
    } else if (current && /^[ \t]/.test(l) && l.trim() !== '') {
      current.value += `\n${l.replace(/^[ \t]/, '') === '.' ? '' : l.replace(/^[ \t]/, '')}`;
    } else {
      current = undefined;
      if (l.trim() && l.trim() !== '---') freeText.push(l);
    }
  }
  for (const f of header.fields) applyField(header, f);
  if (header.fields.some((f) => /^(Description|Subject|Origin|Forwarded|Author|Bug(-.*)?|Last-Update|Applied-Upstream)$/i.test(f.name))) {
    header.style = 'dep3';
  } else if (header.upstreamStatus) header.style = 'dep3';
  else header.style = freeText.length ? 'plain' : header.fields.length ? 'dep3' : 'none';
  if (!header.description && freeText.length) {
    header.description = freeText[0]!.trim();
    if (freeText.length > 1) header.longDescription = freeText.slice(1).join('\n').trim();
  }
  return header;
}

function applyField(h: PatchHeader, f: PatchHeaderField): void {
  const name = f.name.toLowerCase();
  const [first, ...rest] = f.value.split('\n');
  if (name === 'description' || name === 'subject') {
    if (h.description === undefined) {
      h.description = first!.trim();
      const more = rest.join('\n').trim();
      if (more) h.longDescription = more;
    }
  } else if (name === 'author' || name === 'from') h.author ??= f.value.trim();
  else if (name === 'origin') h.origin = f.value.trim();
  else if (name === 'bug') h.bugs.push({ url: f.value.trim() });
  else if (name.startsWith('bug-')) h.bugs.push({ vendor: f.name.slice(4), url: f.value.trim() });
  else if (name === 'forwarded') h.forwarded = f.value.trim();
  else if (name === 'reviewed-by' || name === 'acked-by') h.reviewedBy.push(f.value.trim());
  else if (name === 'last-update') h.lastUpdate = f.value.trim();
  else if (name === 'applied-upstream') h.appliedUpstream = f.value.trim();
  else if (name === 'upstream-status') {
    const m = /^(\S+)\s*(?:\[(.*)\])?\s*(.*)$/.exec(f.value.trim());
    const detail = (m?.[2] ?? m?.[3] ?? '').trim();
    h.upstreamStatus = { status: m?.[1] ?? f.value.trim(), ...(detail ? { detail } : {}) };
  }
}

function parseGitHeader(lines: string[], h: PatchHeader): PatchHeader {
  h.style = 'git';
  let i = 0;
  const first = /^From ([0-9a-f]{40}) /.exec(lines[0] ?? '');
  if (first) {
    h.gitCommit = first[1]!;
    i = 1;
  }
  // Mail headers up to the first blank line, with RFC 822 continuation lines.
  let current: PatchHeaderField | undefined;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const l = lines[i]!;
    const m = FIELD.exec(l);
    if (m) {
      current = { name: m[1]!, value: m[2]!, line: i + 1 };
      h.fields.push(current);
    } else if (current && /^[ \t]/.test(l)) current.value += ` ${l.trim()}`;
  }
  for (const f of h.fields) {
    const n = f.name.toLowerCase();
    if (n === 'from') h.author = f.value.trim();
    else if (n === 'date') h.date = f.value.trim();
    else if (n === 'subject') h.description = f.value.replace(/^\s*(\[[^\]]*\]\s*)+/, '').trim();
  }
  // Body up to the `---` before the diffstat; trailers (Reviewed-by, Upstream-Status, DEP-3) count.
  const body: string[] = [];
  for (i++; i < lines.length && lines[i] !== '---'; i++) body.push(lines[i]!);
  for (let k = 0; k < body.length; k++) {
    const m = FIELD.exec(body[k]!);
    if (m && /^(Reviewed-by|Acked-by|Upstream-Status|Origin|Bug(-\w+)?|Forwarded|Applied-Upstream|Last-Update)$/i.test(m[1]!)) {
      const f = { name: m[1]!, value: m[2]!, line: 0 };
      h.fields.push(f);
      applyField(h, f);
    }
  }
  const text = body.join('\n').trim();
  if (text) h.longDescription = text;
  return h;
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
