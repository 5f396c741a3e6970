/**
 * Applying the hunks of one file the way GNU patch does (dpkg-source and quilt run it): search
 * from the expected line outwards (offsets), optional fuzz that ignores outer context lines,
 * hunks anchored to the start or end of the file when their context is lopsided, never moving
 * back over what an earlier hunk already consumed. Pure: strings in, strings out.
 *
 * Lines are compared byte for byte including their newline, so callers pass latin1 text.
 */
import type { Hunk, HunkLine } from './diff-parse.js';

/** `merged`: the change is already in the file and the hunk was skipped (only with skipMerged). */
export type HunkStatus = 'clean' | 'offset' | 'fuzz' | 'merged' | 'failed';

export interface HunkResult {
  index: number;
  status: HunkStatus;
  /** Line where the hunk applied (1-based, in the file as it was), when it applied. */
  at?: number;
  /** Distance from the line the hunk names. */
  offset: number;
  fuzz: number;
  /** Line of the @@ header in the patch file. */
  patchLine: number;
  /** A failed hunk whose result (context and added lines) is already in the file: upstream took it. */
  alreadyApplied?: true;
}

export interface FileApplyResult {
  ok: boolean;
  /** New content (latin1), when every hunk applied (or, with `partial`, the hunks that did). */
  content?: string;
  hunks: HunkResult[];
  /** The hunks that failed, in unified form, for a .rej file. */
  rejects: Hunk[];
  /** The first hunk matched reversed: the change is already there (GNU patch's "Reversed patch detected"). */
  reversed?: true;
}

/** Split keeping each line's "\n" (the last line may lack it). */
export function splitLines(text: string): string[] {
  const out = text.split('\n').map((l) => `${l}\n`);
  const last = out.pop()!;
  if (last !== '\n') out.push(last.slice(0, -1));
  return out;
}

const withEol = (l: HunkLine) => (l.noEol ? l.text : `${l.text}\n`);

/** What a hunk looks for: its old lines, leading/trailing context, and the line it names. */
function shape(hunk: Hunk): { pattern: string[]; prefix: number; suffix: number; first: number } {
  const pattern = hunk.lines.filter((l) => l.kind !== '+').map(withEol);
  let prefix = 0;
  while (prefix < hunk.lines.length && hunk.lines[prefix]!.kind === ' ') prefix++;
  let suffix = 0;
  while (suffix < hunk.lines.length - prefix && hunk.lines[hunk.lines.length - 1 - suffix]!.kind === ' ') suffix++;
  // GNU patch: a hunk that only adds lines names the line after which it inserts.
  return { pattern, prefix, suffix, first: pattern.length === 0 ? hunk.oldStart + 1 : hunk.oldStart };
}

function invert(h: Hunk): Hunk {
  return {
    ...h,
    oldStart: h.newStart,
    oldCount: h.newCount,
    newStart: h.oldStart,
    newCount: h.oldCount,
    lines: h.lines.map((l) => ({ ...l, kind: l.kind === '-' ? '+' : l.kind === '+' ? '-' : ' ' })),
  };
}

export function applyHunks(
  content: string,
  hunks: readonly Hunk[],
  opts: {
    fuzz?: number;
    reverse?: boolean;
    /** Rebase: skip hunks whose change upstream already has instead of failing on them. */
    skipMerged?: boolean;
    /** `patch -f`: when hunks fail, still return the content with the hunks that applied. */
    partial?: boolean;
  } = {},
): FileApplyResult {
  const maxFuzz = opts.fuzz ?? 0;
  const input = splitLines(content);
  const out: string[] = [];
  const results: HunkResult[] = [];
  const rejects: Hunk[] = [];
  let inOffset = 0;
  let frozen = 0; // input lines already copied or consumed
  for (const original of hunks) {
    const hunk = opts.reverse ? invert(original) : original;
    const { pattern, prefix, suffix, first } = shape(hunk);
    let where = 0;
    let usedFuzz = 0;
    const context = Math.max(prefix, suffix);
    // (Not when skipping merged hunks: a rebase wants the file's other hunks, not a skip.)
    const reversed = !opts.reverse && !opts.skipMerged && results.length === 0 ? shape(invert(original)) : undefined;
    for (let fuzz = 0; fuzz <= Math.min(maxFuzz, context); fuzz++) {
      where = locate(input, pattern, first + inOffset, first, frozen, prefix, suffix, fuzz, (w) => (inOffset = w - first));
      if (where) {
        usedFuzz = fuzz;
        break;
      }
      // GNU patch: when the first hunk fails at this fuzz, it tries it reversed at the same fuzz
      // before allowing more; a match means "reversed (or previously applied)" and the file's
      // patch is skipped. Fuzzing further forward would apply a change upstream already has.
      if (
        reversed &&
        locate(input, reversed.pattern, reversed.first, reversed.first, 0, reversed.prefix, reversed.suffix, fuzz, () => {})
      ) {
        return {
          ok: false,
          reversed: true,
          hunks: hunks.map((h) => ({ index: h.index, status: 'failed', offset: 0, fuzz: 0, patchLine: h.line, alreadyApplied: true })),
          rejects: [...hunks],
        };
      }
    }
    if (!where) {
      const merged =
        !opts.reverse &&
        hasSequence(
          input,
          hunk.lines.filter((l) => l.kind !== '-').map(withEol),
          hunk.lines.some((l) => l.kind === '+'),
        );
      if (merged && opts.skipMerged) {
        results.push({ index: original.index, status: 'merged', offset: 0, fuzz: 0, patchLine: original.line });
        continue;
      }
      results.push({
        index: original.index,
        status: 'failed',
        offset: 0,
        fuzz: 0,
        patchLine: original.line,
        ...(merged ? { alreadyApplied: true as const } : {}),
      });
      rejects.push(original);
      continue;
    }
    for (let k = frozen; k < where - 1; k++) out.push(input[k]!);
    let pos = where - 1;
    for (const l of hunk.lines) {
      if (l.kind === ' ') out.push(input[pos++] ?? withEol(l));
      else if (l.kind === '-') pos++;
      else out.push(withEol(l));
    }
    frozen = pos;
    const offset = where - first;
    results.push({
      index: original.index,
      status: usedFuzz ? 'fuzz' : offset ? 'offset' : 'clean',
      at: where,
      offset,
      fuzz: usedFuzz,
      patchLine: original.line,
    });
  }
  if (rejects.length && !opts.partial) return { ok: false, hunks: results, rejects };
  for (let k = frozen; k < input.length; k++) out.push(input[k]!);
  // A line that lost its final newline but is no longer last gets one back (as GNU patch does).
  for (let k = 0; k < out.length - 1; k++) if (!out[k]!.endsWith('\n')) out[k] += '\n';
  return { ok: rejects.length === 0, content: out.join(''), hunks: results, rejects };
}

/** True when `seq` (which must add something) occurs as consecutive lines of `input`. */
function hasSequence(input: string[], seq: string[], adds: boolean): boolean {
  if (!adds || seq.length === 0) return false;
  for (let i = 0; i + seq.length <= input.length; i++) {
    let k = 0;
    while (k < seq.length && input[i + k] === seq[k]) k++;
    if (k === seq.length) return true;
  }
  return false;
}

function matches(input: string[], pattern: string[], base: number, prefixFuzz: number, suffixFuzz: number): boolean {
  for (let k = prefixFuzz; k < pattern.length - suffixFuzz; k++) {
    const line = input[base - 1 + k];
    if (line === undefined || line !== pattern[k]) return false;
  }
  return true;
}

/** GNU patch's locate_hunk: returns the 1-based line where the pattern starts, or 0. */
function locate(
  input: string[],
  pattern: string[],
  firstGuess: number,
  pchFirst: number,
  frozen: number,
  prefixContext: number,
  suffixContext: number,
  fuzz: number,
  setOffset: (where: number) => void,
): number {
  const patLines = pattern.length;
  const inputLines = input.length;
  const context = Math.max(prefixContext, suffixContext);
  let prefixFuzz = fuzz + prefixContext - context;
  const suffixFuzz = fuzz + suffixContext - context;
  const maxPos = inputLines - firstGuess - patLines + 1;
  let maxNeg = firstGuess - frozen - 1;
  if (maxNeg >= firstGuess) maxNeg = firstGuess - 1;
  const found = (w: number) => {
    setOffset(w);
    return w;
  };
  if (prefixFuzz < 0 && pchFirst <= 1) {
    // Fewer leading than trailing context lines: the hunk is at the start of the file.
    if (suffixFuzz < 0 && (patLines !== inputLines || prefixContext < frozen)) return 0;
    const offset = 1 - firstGuess;
    if (frozen <= prefixContext && offset <= maxPos && matches(input, pattern, firstGuess + offset, 0, Math.max(suffixFuzz, 0))) {
      return found(firstGuess + offset);
    }
    return 0;
  }
  if (prefixFuzz < 0) prefixFuzz = 0;
  if (suffixFuzz < 0) {
    // Fewer trailing than leading context lines: the hunk is at the end of the file.
    const offset = firstGuess - (inputLines - patLines + 1);
    if (offset <= maxNeg && matches(input, pattern, firstGuess - offset, prefixFuzz, 0)) return found(firstGuess - offset);
    return 0;
  }
  const maxOffset = Math.max(maxPos, maxNeg);
  // Only offsets that put the pattern inside the file: from an @@ line number far past the end
  // (or, after such a hunk, far before the start) counting up from 0 took forever, and a pattern
  // that fuzz reduces to nothing "matched" past the end of the file.
  const minPos = Math.max(0, 1 - firstGuess);
  const minNeg = Math.max(1, -maxPos);
  const start = Math.min(minPos <= maxPos ? minPos : Number.POSITIVE_INFINITY, minNeg <= maxNeg ? minNeg : Number.POSITIVE_INFINITY);
  for (let offset = start; offset <= maxOffset; offset++) {
    if (offset >= minPos && offset <= maxPos && matches(input, pattern, firstGuess + offset, prefixFuzz, suffixFuzz))
      return found(firstGuess + offset);
    if (offset >= minNeg && offset <= maxNeg && matches(input, pattern, firstGuess - offset, prefixFuzz, suffixFuzz))
      return found(firstGuess - offset);
  }
  return 0;
}

/** A failed hunk in unified form, as GNU patch writes it to a .rej file. */
export function formatReject(oldName: string, newName: string, hunks: readonly Hunk[]): string {
  const parts = [`--- ${oldName}\n`, `+++ ${newName}\n`];
  for (const h of hunks) {
    parts.push(`@@ -${h.oldStart},${h.oldCount} +${h.newStart},${h.newCount} @@${h.section ? ` ${h.section}` : ''}\n`);
    for (const l of h.lines) parts.push(`${l.kind}${l.text}\n${l.noEol ? '\\ No newline at end of file\n' : ''}`);
  }
  return parts.join('');
}
