/**
 * Regenerating a patch's diff after it was applied with offsets or fuzz onto a new upstream
 * (what `quilt refresh` does): the header is kept byte for byte, the diff is rebuilt from the
 * files' contents before and after, with a/ b/ names and 3 lines of context. Pure.
 */
import { structuredPatch } from 'diff';

export interface FileChange {
  /** Path before (undefined for a new file) and after (undefined for a deleted file). */
  oldPath?: string;
  newPath?: string;
  /** Contents as latin1 strings (byte-exact). */
  before: string;
  after: string;
  /** Mode change to record in a git-style header. */
  oldMode?: number;
  newMode?: number;
}

/** A unified diff of one file, in the form quilt and dpkg-source expect (-p1). */
export function unifiedFileDiff(c: FileChange): string {
  const a = c.oldPath === undefined ? '/dev/null' : `a/${c.oldPath}`;
  const b = c.newPath === undefined ? '/dev/null' : `b/${c.newPath}`;
  const parts: string[] = [];
  // git extended headers where a plain diff cannot say it: renames, modes, new executables.
  const renamed = c.oldPath !== undefined && c.newPath !== undefined && c.oldPath !== c.newPath;
  const modeChange = c.oldMode !== undefined && c.newMode !== undefined && c.oldMode !== c.newMode;
  const newExec = c.oldPath === undefined && c.newMode !== undefined && (c.newMode & 0o111) !== 0;
  if (renamed || modeChange || newExec) {
    const gitOld = c.oldPath ?? c.newPath!;
    const gitNew = c.newPath ?? c.oldPath!;
    parts.push(`diff --git a/${gitOld} b/${gitNew}\n`);
    if (newExec) parts.push(`new file mode ${c.newMode!.toString(8)}\n`);
    if (modeChange) parts.push(`old mode ${c.oldMode!.toString(8)}\nnew mode ${c.newMode!.toString(8)}\n`);
    if (renamed) parts.push(`rename from ${c.oldPath}\nrename to ${c.newPath}\n`);
  }
  if (c.before === c.after && (c.oldPath !== undefined || c.before === '') && c.newPath !== undefined) return parts.join('');
  const p = structuredPatch(a, b, c.before, c.after, '', '', { context: 3 });
  if (p.hunks.length === 0) return parts.join('');
  parts.push(`--- ${a}\n+++ ${b}\n`);
  for (const h of p.hunks) {
    // diff writes "-0,0" for a new file; GNU diff writes "-0,0" too, and start 0 when a side is empty.
    const oldStart = h.oldLines === 0 ? h.oldStart - (h.oldStart > 0 ? 1 : 0) : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - (h.newStart > 0 ? 1 : 0) : h.newStart;
    const range = (start: number, n: number) => (n === 1 ? `${start}` : `${start},${n}`);
    parts.push(`@@ -${range(oldStart, h.oldLines)} +${range(newStart, h.newLines)} @@\n`);
    for (const l of h.lines) parts.push(`${l}\n`);
  }
  return parts.join('');
}

/** A whole refreshed patch: the original header, then one diff per changed file. */
export function refreshedPatch(header: string, changes: readonly FileChange[]): string {
  const body = changes.map(unifiedFileDiff).join('');
  const head = header === '' || header.endsWith('\n') ? header : `${header}\n`;
  return head + body;
}
