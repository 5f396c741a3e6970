/**
 * "Are this patch's hunks already in that file?" for upstreams that took a change but moved it
 * (other line numbers, other context). Pure: works on text.
 */
import type { FilePatch, Hunk } from '../patches/diff-parse.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** A line worth matching on its own: some letters or digits, not just braces and punctuation. */
const substantive = (l: string) => l.replace(/[^A-Za-z0-9]/g, '').length >= 4;

interface AddedBlock {
  lines: string[];
  /** The hunk's context line right before / after the block (normalised), if any. */
  before?: string;
  after?: string;
}

/**
 * Runs of added lines in a hunk, normalised, blank lines dropped, with their neighbouring
 * context lines; lines the same patch also removes (a move or a re-indent) are left out.
 */
function addedBlocks(h: Hunk, moved: ReadonlySet<string>): AddedBlock[] {
  const side = h.lines
    .filter((l) => l.kind !== '-')
    .map((l) => ({ kind: l.kind, text: norm(l.text) }))
    .filter((l) => l.text.length > 0);
  const out: AddedBlock[] = [];
  for (let i = 0; i < side.length; i++) {
    if (side[i]!.kind !== '+') continue;
    let j = i;
    while (j < side.length && side[j]!.kind === '+') j++;
    const lines = side.slice(i, j).map((l) => l.text);
    if (!lines.every((l) => moved.has(l))) {
      const before = side[i - 1]?.text;
      const after = side[j]?.text;
      out.push({ lines, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) });
    }
    i = j;
  }
  return out;
}

/** Blocks of removed lines in a hunk (normalised, blank lines dropped). */
function removedBlocks(h: Hunk): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const l of h.lines) {
    if (l.kind === '-') {
      const t = norm(l.text);
      if (t) cur.push(t);
    } else if (l.kind === ' ' && cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

function indexesOf(haystack: readonly string[], block: readonly string[]): number[] {
  const at: number[] = [];
  outer: for (let i = 0; i + block.length <= haystack.length; i++) {
    for (let j = 0; j < block.length; j++) if (haystack[i + j] !== block[j]) continue outer;
    at.push(i);
  }
  return at;
}

/**
 * A heuristic, never proof: true when every hunk's added lines stand in `text` as consecutive
 * lines next to the context line they follow or precede in the patch, and no block of
 * removed-only lines is still there. It stays silent (false) on what cannot tell anything:
 * - lines the patch both removes and adds (code moved or re-indented) are not counted;
 * - an added block without context (a new file) must be at least 3 lines;
 * - a patch adding fewer than 2 substantive lines (a one-line addition found anywhere).
 */
export function hunksPresent(fp: FilePatch, text: string): boolean {
  const lines = text
    .split('\n')
    .map(norm)
    .filter((l) => l.length > 0);
  const removed = new Set(fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === '-').map((l) => norm(l.text))));
  let substance = 0;
  for (const h of fp.hunks) {
    const added = addedBlocks(h, removed);
    const addedSet = new Set(added.flatMap((b) => b.lines));
    for (const b of added) {
      const anchored = indexesOf(lines, b.lines).some(
        (i) =>
          (b.before !== undefined && lines[i - 1] === b.before) ||
          (b.after !== undefined && lines[i + b.lines.length] === b.after) ||
          (b.before === undefined && b.after === undefined && b.lines.length >= 3),
      );
      if (!anchored) return false;
      substance += b.lines.filter((l) => !removed.has(l) && substantive(l)).length;
    }
    for (const b of removedBlocks(h)) {
      const removedOnly = b.filter((l) => !addedSet.has(l));
      if (removedOnly.length && removedOnly.join('').length >= 8 && indexesOf(lines, removedOnly).length) return false;
    }
  }
  return substance >= 2;
}

/** Counts for the report's size column. */
export function patchSize(files: readonly FilePatch[]): { files: number; added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const f of files) for (const h of f.hunks) for (const l of h.lines) l.kind === '+' ? added++ : l.kind === '-' ? removed++ : 0;
  return { files: files.length, added, removed };
}

/** A patch subject normalised for comparison with commit subjects and changelog lines. */
export function normalizeSubject(s: string): string {
  return s
    .replace(/\[PATCH[^\]]*\]/gi, ' ')
    .replace(/[.\s]+$/, '')
    .replace(/\s*\((?:#|GH-|gh-|PR ?#?)\d+\)\s*$/, '')
    .replace(/\s+#\d+\s*$/, '')
    .replace(/[.\s]+$/, '')
    .replace(/\s+/g, ' ')
    .toLowerCase()
    .trim();
}

/**
 * The patch as a git-style diff (`diff --git` headers, paths after -pN), which is what
 * `git patch-id` recognises; quilt patches often carry only `---`/`+++` lines.
 */
export function toGitDiff(files: readonly FilePatch[], strip: number): string {
  const cut = (n: string | undefined) => (n === undefined ? undefined : n.split('/').filter(Boolean).slice(strip).join('/'));
  const out: string[] = [];
  for (const f of files) {
    const oldPath = cut(f.oldName);
    const newPath = cut(f.newName);
    const a = oldPath ?? newPath;
    const b = newPath ?? oldPath;
    if (!a || !b) continue;
    out.push(`diff --git a/${a} b/${b}`, `--- ${oldPath ? `a/${oldPath}` : '/dev/null'}`, `+++ ${newPath ? `b/${newPath}` : '/dev/null'}`);
    for (const h of f.hunks) {
      out.push(`@@ -${h.oldStart},${h.oldCount} +${h.newStart},${h.newCount} @@${h.section ? ` ${h.section}` : ''}`);
      for (const l of h.lines) out.push(`${l.kind}${l.text}`);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
