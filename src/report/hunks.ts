/**
 * "Are this patch's hunks already in that file?" for upstreams that took a change but moved it
 * (other line numbers, other context). Pure: works on text.
 */
import type { FilePatch, Hunk } from '../patches/diff-parse.js';

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Blocks of consecutive lines of one kind in a hunk, normalised, blank lines dropped. */
function blocks(h: Hunk, kind: '+' | '-'): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  for (const l of h.lines) {
    if (l.kind === kind) {
      const t = norm(l.text);
      if (t) cur.push(t);
    } else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

function containsBlock(haystack: readonly string[], block: readonly string[]): boolean {
  outer: for (let i = 0; i + block.length <= haystack.length; i++) {
    for (let j = 0; j < block.length; j++) if (haystack[i + j] !== block[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * True when every hunk's added lines stand in `text` as consecutive lines and no block of
 * removed-only lines is still there. A hunk that adds nothing substantial (fewer than 8
 * non-blank characters in all) cannot prove anything, so such a patch is never "present".
 */
export function hunksPresent(fp: FilePatch, text: string): boolean {
  const lines = text
    .split('\n')
    .map(norm)
    .filter((l) => l.length > 0);
  let substance = 0;
  for (const h of fp.hunks) {
    const added = blocks(h, '+');
    const addedSet = new Set(added.flat());
    for (const b of added) {
      if (!containsBlock(lines, b)) return false;
      substance += b.join('').length;
    }
    for (const b of blocks(h, '-')) {
      const removedOnly = b.filter((l) => !addedSet.has(l));
      if (removedOnly.length && removedOnly.join('').length >= 8 && containsBlock(lines, removedOnly)) return false;
    }
  }
  return substance >= 8;
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
    .replace(/^\[PATCH[^\]]*\]\s*/i, '')
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
