/**
 * The text given to the parser is the patch decoded as latin1 (one char per byte), so that any
 * encoding round-trips byte for byte; names are converted to UTF-8 by the engine.
 *
 * Unified diff parser with git extensions (new/deleted files, renames, copies, modes), as
 * GNU patch and dpkg-source read them. Refuses what we will not apply: binary patches, ed
 * scripts, normal and context diffs, names with control characters. Pure.
 */
import type { ErrorCode } from '../core/error-codes.js';
import { inputError } from '../core/errors.js';

export interface HunkLine {
  kind: ' ' | '-' | '+';
  text: string;
  /** Followed by "\ No newline at end of file". */
  noEol?: boolean;
}

export interface Hunk {
  /** 1-based index among the hunks of its file. */
  index: number;
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Text after the second @@ (the function name git and diff -p print). */
  section: string;
  lines: HunkLine[];
  /** 1-based line of the @@ header in the patch file. */
  line: number;
}

export type FileOp = 'modify' | 'create' | 'delete' | 'rename' | 'copy';

export interface FilePatch {
  /** Names as written (before -pN), undefined for /dev/null. */
  oldName?: string | undefined;
  newName?: string | undefined;
  op: FileOp;
  oldMode?: number;
  newMode?: number;
  hunks: Hunk[];
  /** git diff header present. */
  git: boolean;
  /** 1-based line where this file's diff starts. */
  line: number;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;
const ED_COMMAND = /^\d+(,\d+)?[acd]$/;
const NORMAL_DIFF = /^\d+(,\d+)?[acd]\d+(,\d+)?$/;

/** Unquote a git C-style quoted name ("a/x\tb"); plain names pass through. */
function unquote(name: string): string {
  if (!name.startsWith('"')) return name;
  const bytes: number[] = [];
  const map: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34 };
  for (let i = 1; i < name.length - 1; i++) {
    const c = name[i]!;
    if (c === '\\') {
      const n = name[++i]!;
      if (/[0-7]/.test(n)) {
        bytes.push(Number.parseInt(name.slice(i, i + 3), 8));
        i += 2;
      } else bytes.push(map[n] ?? n.charCodeAt(0));
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  // Patches are parsed as latin1 (one char per byte) so that bytes survive exactly.
  return Buffer.from(bytes).toString('latin1');
}

/** File name from a ---/+++ line: up to a tab, or a quoted name, or up to a trailing timestamp. */
function headerName(rest: string): string {
  if (rest.startsWith('"')) {
    const m = /^"(?:[^"\\]|\\.)*"/.exec(rest);
    if (m) return unquote(m[0]);
  }
  const tab = rest.indexOf('\t');
  if (tab >= 0) return rest.slice(0, tab);
  const ts = /^(.*?)\s+\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d.*$/.exec(rest);
  if (ts) return ts[1]!;
  // No tab and no ISO date: like GNU patch, the name ends at the first blank (ctime dates).
  return rest.trim().split(/\s/)[0] ?? '';
}

function gitNames(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const m = /^("(?:[^"\\]|\\.)*") (.*)$/.exec(rest);
    return m ? [unquote(m[1]!), unquote(m[2]!)] : undefined;
  }
  // "a/x b/x": split at the middle space when both halves name the same path.
  const parts = rest.split(' ');
  for (let k = 1; k < parts.length; k++) {
    const a = parts.slice(0, k).join(' ');
    const b = parts.slice(k).join(' ');
    if (a.replace(/^[^/]*\//, '') === b.replace(/^[^/]*\//, '')) return [a, unquote(b)];
  }
  const m = /^(\S+) (.*)$/.exec(rest);
  return m ? [m[1]!, unquote(m[2]!)] : undefined;
}

function checkName(name: string | undefined, file: string, line: number): string | undefined {
  if (name === undefined || name === '/dev/null') return undefined;
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw inputError(
      'PATCH_BAD_NAME',
      `a file name in the patch contains a control character (newline, tab...): ${JSON.stringify(name)}`,
      'Rename the file upstream or drop it from the patch; pkgtrack never writes such names.',
      {
        file,
        line,
      },
    );
  }
  return name;
}

/** Parse every file diff in `body`; `firstLine` is the 1-based line of body in the patch file. */
export function parseUnifiedDiff(body: string, file = 'patch', firstLine = 1): FilePatch[] {
  const lines = body.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const out: FilePatch[] = [];
  let cur: FilePatch | undefined;
  const at = (i: number) => firstLine + i;
  const fail = (code: ErrorCode, message: string, fix: string, i: number) => inputError(code, message, fix, { file, line: at(i) });
  let sawEd = -1;

  const finish = () => {
    // A git diff whose header names no file (`diff --git ` alone, or only a `rename to`) and
    // no ---/+++ lines follow: nothing tells which file it changes.
    if (cur?.git && (cur.op === 'rename' || cur.op === 'copy' ? !cur.oldName || !cur.newName : !cur.oldName && !cur.newName)) {
      throw inputError(
        'PATCH_MALFORMED',
        'a "diff --git" header names no file (or a rename/copy names only one side)',
        'Regenerate the patch (git format-patch, git diff); its "diff --git a/<path> b/<path>" line is damaged.',
        { file, line: cur.line },
      );
    }
    if (cur) out.push(cur);
    cur = undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('diff --git ')) {
      finish();
      const names = gitNames(l.slice(11));
      cur = { op: 'modify', hunks: [], git: true, line: at(i) };
      if (names) {
        cur.oldName = checkName(names[0], file, at(i));
        cur.newName = checkName(names[1], file, at(i));
      }
      continue;
    }
    if (cur?.git && cur.hunks.length === 0) {
      let m: RegExpExecArray | null;
      if ((m = /^(old|new|deleted file|new file) mode ([0-7]+)$/.exec(l))) {
        const mode = Number.parseInt(m[2]!, 8);
        if (m[1] === 'old' || m[1] === 'deleted file') cur.oldMode = mode;
        else cur.newMode = mode;
        if (m[1] === 'deleted file') cur.op = 'delete';
        if (m[1] === 'new file') cur.op = 'create';
        continue;
      }
      if ((m = /^(rename|copy) (from|to) (.*)$/.exec(l))) {
        cur.op = m[1] as FileOp;
        const name = checkName(unquote(m[3]!), file, at(i));
        // git writes rename names without the a/ b/ prefix; keep the prefix so -p1 works alike.
        if (m[2] === 'from') cur.oldName = `a/${name}`;
        else cur.newName = `b/${name}`;
        continue;
      }
      if (/^(similarity|dissimilarity) index |^index [0-9a-f]+\.\.[0-9a-f]+/.test(l)) continue;
      if (l === 'GIT binary patch' || /^Binary files .* differ$/.test(l)) {
        throw fail(
          'PATCH_BINARY',
          `binary patch for ${cur.newName ?? cur.oldName ?? 'a file'} cannot be applied`,
          'dpkg-source and quilt cannot apply binary diffs either: ship the binary file with debian/source/include-binaries or regenerate it at build time.',
          i,
        );
      }
    }
    if (/^Binary files .* differ$/.test(l) || l === 'GIT binary patch') {
      throw fail(
        'PATCH_BINARY',
        'the patch contains a binary diff',
        'Binary diffs cannot be applied by dpkg-source or quilt: drop that part of the patch.',
        i,
      );
    }
    if (l.startsWith('--- ') && (lines[i + 1]?.startsWith('+++ ') ?? false)) {
      const oldName = checkName(headerName(l.slice(4)), file, at(i));
      const newName = checkName(headerName(lines[i + 1]!.slice(4)), file, at(i + 1));
      if (!(cur?.git && cur.hunks.length === 0)) {
        finish();
        cur = { op: 'modify', hunks: [], git: false, line: at(i) };
      }
      cur.oldName = oldName;
      cur.newName = newName;
      if (oldName === undefined) cur.op = 'create';
      else if (newName === undefined) cur.op = 'delete';
      i++;
      continue;
    }
    if (l.startsWith('*** ') && lines[i + 1]?.startsWith('--- ')) {
      throw fail(
        'PATCH_CONTEXT_DIFF',
        'context diffs (*** / ---) are not supported',
        'Regenerate the patch as a unified diff (diff -u, git diff, quilt refresh).',
        i,
      );
    }
    const h = HUNK.exec(l);
    if (h) {
      if (!cur || (cur.oldName === undefined && cur.newName === undefined)) {
        throw fail(
          'PATCH_HUNK_WITHOUT_HEADER',
          'hunk without a ---/+++ file header',
          'Every hunk must follow "--- old" and "+++ new" lines.',
          i,
        );
      }
      // Line numbers past 2^53 lose their units (offset arithmetic then never moves on).
      if (h.slice(1, 5).some((n) => n !== undefined && !Number.isSafeInteger(Number(n)))) {
        throw fail(
          'PATCH_MALFORMED',
          `hunk #${cur.hunks.length + 1} for ${cur.newName ?? cur.oldName} has an impossible line number: ${JSON.stringify(l.slice(0, 80))}`,
          'The @@ line is damaged: regenerate the patch.',
          i,
        );
      }
      const hunk: Hunk = {
        index: cur.hunks.length + 1,
        oldStart: Number(h[1]),
        oldCount: h[2] === undefined ? 1 : Number(h[2]),
        newStart: Number(h[3]),
        newCount: h[4] === undefined ? 1 : Number(h[4]),
        section: h[5] ?? '',
        lines: [],
        line: at(i),
      };
      let olds = 0;
      let news = 0;
      while (olds < hunk.oldCount || news < hunk.newCount) {
        i++;
        if (i >= lines.length) {
          throw fail(
            'PATCH_TRUNCATED',
            `hunk #${hunk.index} for ${cur.newName ?? cur.oldName} ends early (expected -${hunk.oldCount} +${hunk.newCount} lines)`,
            'The patch is truncated or its line counts are wrong: regenerate it.',
            i - 1,
          );
        }
        const t = lines[i]!;
        const kind = t === '' ? ' ' : t[0];
        if (kind === '\\') {
          const prev = hunk.lines[hunk.lines.length - 1];
          if (prev) prev.noEol = true;
          continue;
        }
        if (kind !== ' ' && kind !== '-' && kind !== '+') {
          throw fail(
            'PATCH_MALFORMED',
            `unexpected line in hunk #${hunk.index} for ${cur.newName ?? cur.oldName}: ${JSON.stringify(t.slice(0, 60))}`,
            'Lines in a hunk start with " ", "-" or "+": check the line counts in the @@ header.',
            i,
          );
        }
        hunk.lines.push({ kind, text: t.slice(1) });
        if (kind !== '+') olds++;
        if (kind !== '-') news++;
      }
      if (lines[i + 1]?.startsWith('\\')) {
        hunk.lines[hunk.lines.length - 1]!.noEol = true;
        i++;
      }
      cur.hunks.push(hunk);
      continue;
    }
    if (sawEd < 0 && (ED_COMMAND.test(l) || NORMAL_DIFF.test(l)) && !cur) sawEd = i;
  }
  finish();
  if (out.length === 0 && sawEd >= 0) {
    throw fail(
      'PATCH_ED_SCRIPT',
      'this is an ed script or a "normal" diff, which pkgtrack refuses to run',
      'Regenerate the patch as a unified diff (diff -u, git diff); ed scripts can run commands.',
      sawEd,
    );
  }
  return out.filter((f) => f.hunks.length > 0 || f.git);
}
