/**
 * The patch engine: one patch file against one source tree, as `patch -p<N> -F <fuzz> -E`
 * would apply it for dpkg-source or quilt, but in TypeScript, transactional (every file is
 * computed before anything is written) and refusing anything that leaves the tree.
 */
import { ifExists } from '../core/fsutil.js';
import { chmod, lstat, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../core/errors.js';
import { type FileOp, type FilePatch, parseUnifiedDiff } from './diff-parse.js';
import { splitPatch } from './header.js';
import { applyHunks, formatReject, type HunkResult } from './hunk-apply.js';
import { findMovedFile, workingStripLevel } from './moved-file.js';
import { checkPathLength, noSymlinkOnPath, safeComponents } from './safe-path.js';
import { makeDirs } from '../core/dirs.js';

export interface FileReport {
  /** Path inside the tree (UTF-8). */
  path: string;
  /** For renames and copies: where the content came from. */
  from?: string;
  op: FileOp;
  hunks: HunkResult[];
  /** The file the patch changes does not exist (upstream removed or renamed it). */
  missing?: true;
  /** Where upstream moved the missing file, when it could be found. */
  movedTo?: string;
}

export type PatchStatus = 'applied' | 'already-applied' | 'failed';

export interface PatchReport {
  status: PatchStatus;
  files: FileReport[];
  /** Worst hunk outcome: clean < offset < fuzz. */
  /** Worst hunk outcome: clean < offset < merged (skipped, upstream has it) < fuzz < failed. */
  worst: 'clean' | 'offset' | 'merged' | 'fuzz' | 'failed';
  /** Unified text of failed hunks per file, for .rej files. */
  rejects: { path: string; text: string }[];
}

export interface ApplyOptions {
  strip?: number;
  /** Maximum fuzz (0 for builds, as dpkg-source). */
  fuzz?: number;
  /** Compute the outcome without writing. */
  dryRun?: boolean;
  /** Name of the patch for error messages. */
  patchFile?: string;
  /** Try the patch reversed when it fails, to tell "already applied" apart. Default true. */
  detectApplied?: boolean;
  /**
   * Analysis: call the patch already applied whenever it reverse-applies cleanly, even if it
   * would also apply forward (a pure addition upstream took). Builds leave this off, because
   * dpkg-source and quilt only look for a reversed patch when it fails forward.
   */
  preferReverse?: boolean;
  /** Rebase: skip hunks upstream already has (reported as `merged`) instead of failing. */
  skipMerged?: boolean;
  /**
   * `quilt push -f` / `patch -f`: when hunks fail, write the ones that apply anyway and each
   * file's failed hunks as `<file>.rej` beside it (the report still says `failed`).
   */
  force?: boolean;
  /** Files upstream moved (old path → new path): hunks for a missing old path go to the new one. */
  moved?: Readonly<Record<string, string>>;
}

const latin1ToUtf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

/** Strip `n` leading components like GNU patch -pN (runs of slashes count as one). */
export function stripPath(name: string, n: number, file: string, line: number): string {
  let rest = name;
  for (let k = 0; k < n; k++) {
    const i = rest.indexOf('/');
    if (i < 0) {
      throw inputError(
        'PATCH_STRIP',
        `cannot strip ${n} component(s) from ${JSON.stringify(name)}`,
        'Fix the -pN level of this patch in the series file.',
        { file, line },
      );
    }
    rest = rest.slice(i + 1).replace(/^\/+/, '');
  }
  return rest;
}

interface Planned {
  report: FileReport;
  /** Absolute paths to write (latin1 content) or remove. */
  write?: { abs: string; content: string; mode?: number; create: boolean };
  remove?: string[];
  /** With `force`: the failed hunks, written as `<file>.rej` beside the file. */
  reject?: { abs: string; text: string };
}

async function readIfFile(abs: string): Promise<string | undefined> {
  const st = await ifExists(lstat(abs));
  if (!st) return undefined;
  if (!st.isFile()) throw inputError('PATCH_NOT_FILE', `${abs} is not a regular file`, 'Patches can only change regular files.');
  return (await readFile(abs)).toString('latin1');
}

/** Parse a patch file's bytes into file diffs (header skipped). */
export function parsePatchBytes(bytes: Uint8Array, patchFile = 'patch'): FilePatch[] {
  const text = Buffer.from(bytes).toString('latin1');
  const { body, bodyLine } = splitPatch(text);
  const files = parseUnifiedDiff(body, patchFile, bodyLine);
  if (files.length === 0) {
    // No unified diff at all: an ed script or a normal diff hides in what looked like a header.
    const lines = text.split('\n');
    const ed = lines.findIndex((l) => /^\d+(,\d+)?[acd](\d+(,\d+)?)?$/.test(l));
    if (ed >= 0) {
      throw inputError(
        'PATCH_ED_SCRIPT',
        'this is an ed script or a "normal" diff, which pkgtrack refuses to run',
        'Regenerate the patch as a unified diff (diff -u, git diff); ed scripts can run commands.',
        {
          file: patchFile,
          line: ed + 1,
        },
      );
    }
  }
  return files;
}

export async function applyPatch(root: string, bytes: Uint8Array, opts: ApplyOptions = {}): Promise<PatchReport> {
  const patchFile = opts.patchFile ?? 'patch';
  const files = parsePatchBytes(bytes, patchFile);
  if (opts.preferReverse) {
    const reverse = await plan(root, files, { ...opts, fuzz: 0 }, true).catch(() => undefined);
    if (reverse?.ok) return { ...reverse.report, status: 'already-applied' };
  }
  const forward = await plan(root, files, opts, false);
  if (forward.ok) {
    if (!opts.dryRun) await commit(root, forward.planned);
    return forward.report;
  }
  if (opts.detectApplied !== false) {
    const reverse = await plan(root, files, { ...opts, fuzz: 0 }, true).catch(() => undefined);
    if (reverse?.ok) return { ...forward.report, status: 'already-applied' };
  }
  if (opts.force && !opts.dryRun) await commit(root, forward.planned);
  return forward.report;
}

async function plan(
  root: string,
  files: FilePatch[],
  opts: ApplyOptions,
  reverse: boolean,
): Promise<{ ok: boolean; planned: Planned[]; report: PatchReport }> {
  const patchFile = opts.patchFile ?? 'patch';
  const strip = opts.strip ?? 1;
  const planned: Planned[] = [];
  const rejects: { path: string; text: string }[] = [];
  let ok = true;
  // Content as it will be after earlier file diffs of the same patch (a patch may touch a file twice).
  const pending = new Map<string, string | null>();
  for (const fp of files) {
    const details = { file: patchFile, line: fp.line };
    // A .rej names the files as GNU patch writes them: after -pN.
    let rejectNames = [fp.oldName, fp.newName].map((n) => (n === undefined ? '/dev/null' : stripPath(n, strip, patchFile, fp.line))) as [
      string,
      string,
    ];
    const stripName = (n: string | undefined) => {
      if (n === undefined) return undefined;
      const rel = latin1ToUtf8(stripPath(n, strip, patchFile, fp.line));
      // Before either name is looked up (lstat of an overlong name throws ENAMETOOLONG).
      checkPathLength(root, rel, 'file', details);
      return rel;
    };
    let oldRel = stripName(fp.oldName);
    let newRel = stripName(fp.newName);
    // Names written as absolute paths: GNU patch would strip them to somewhere in the tree;
    // they are refused when chosen as the file to patch (a relative other name still wins).
    let [oldAbs, newAbs] = [fp.oldName?.startsWith('/') === true, fp.newName?.startsWith('/') === true];
    let op: FileOp = fp.op;
    if (reverse) {
      [oldAbs, newAbs] = [newAbs, oldAbs];
      [oldRel, newRel] = [newRel, oldRel];
      if (op === 'create') op = 'delete';
      else if (op === 'delete') op = 'create';
    }
    const check = async (rel: string) => {
      const parts = safeComponents(rel, 'file', details);
      if (parts[0] === '.pc' || parts[0] === '.git') {
        throw inputError(
          'PATCH_PROTECTED_PATH',
          `the patch touches ${parts.join('/')}, which belongs to quilt/git, not the source`,
          'Remove that file from the patch.',
          details,
        );
      }
      return noSymlinkOnPath(root, parts, 'patched file', details);
    };
    const exists = async (rel: string | undefined) => {
      if (rel === undefined) return false;
      if (pending.has(rel)) return pending.get(rel) !== null;
      return (await ifExists(lstat(join(root, rel)))) !== undefined;
    };
    // Which name the hunks apply to: the same choice dpkg-source and GNU patch make.
    let target: string;
    if (op === 'create') target = newRel ?? oldRel!;
    else if (op === 'delete') target = oldRel ?? newRel!;
    else if (op === 'rename' || op === 'copy') target = oldRel!;
    else if (oldRel === undefined || newRel === undefined) target = (newRel ?? oldRel)!;
    else {
      const [eo, en] = [await exists(oldRel), await exists(newRel)];
      if (en && !eo) target = newRel;
      else if (eo && !en) target = oldRel;
      else {
        const key = (p: string) => [p.split('/').length, p.split('/').pop()!.length, p.length];
        const [a, b] = [key(oldRel), key(newRel)];
        target = a[0]! < b[0]! || (a[0] === b[0] && (a[1]! < b[1]! || (a[1] === b[1] && a[2]! < b[2]!))) ? oldRel : newRel;
      }
    }
    const movedTo = opts.moved && Object.hasOwn(opts.moved, target) ? opts.moved[target] : undefined;
    if (movedTo !== undefined && op === 'modify' && !(await exists(target))) {
      target = movedTo;
      // (Names in the patch's text are latin1 strings, one char per byte.)
      const asText = Buffer.from(movedTo, 'utf8').toString('latin1');
      rejectNames = [asText, asText];
    }
    const destRel = op === 'rename' || op === 'copy' ? newRel! : target;
    const absolute = (rel: string) =>
      (rel === oldRel && oldAbs && !(rel === newRel && !newAbs)) || (rel === newRel && newAbs && !(rel === oldRel && !oldAbs));
    if (absolute(target) || absolute(destRel)) {
      throw inputError(
        'PATH_ABSOLUTE',
        `the patch targets a file by an absolute path (--- ${fp.oldName ?? '/dev/null'}, +++ ${fp.newName ?? '/dev/null'})`,
        'Patches may only name files inside the source tree (a/<path>, b/<path>): regenerate it with relative names.',
        details,
      );
    }
    const srcAbs = await check(target);
    const destAbs = await check(destRel);
    if (
      (fp.newMode !== undefined && (fp.newMode & 0o170000) === 0o120000) ||
      (fp.oldMode !== undefined && (fp.oldMode & 0o170000) === 0o120000)
    ) {
      throw inputError(
        'PATCH_SYMLINK',
        `the patch ${reverse ? 'removes' : 'creates or changes'} the symlink ${destRel}`,
        'Create symlinks in the packaging (debian/links, %install), not in patches.',
        details,
      );
    }
    let content: string | undefined;
    if (pending.has(target)) content = pending.get(target) ?? undefined;
    else content = await readIfFile(srcAbs);
    const report: FileReport = { path: destRel, op, hunks: [], ...(destRel !== target ? { from: target } : {}) };
    if (op === 'create' && content !== undefined && content !== '') {
      report.hunks = fp.hunks.map((h) => ({ index: h.index, status: 'failed', offset: 0, fuzz: 0, patchLine: h.line }));
      const text = formatReject(...rejectNames, fp.hunks);
      rejects.push({ path: destRel, text });
      ok = false;
      planned.push({ report, ...(opts.force ? { reject: { abs: `${destAbs}.rej`, text } } : {}) });
      continue;
    }
    // A file created by a diff that names no /dev/null (`--- old 1970-01-01`, `@@ -0,0 +1,N @@`):
    // GNU patch creates it, so does dpkg-source -x.
    if (op === 'modify' && content === undefined && fp.hunks.length === 1 && fp.hunks[0]!.oldStart === 0 && fp.hunks[0]!.oldCount === 0) {
      op = 'create';
      content = '';
    }
    if (op !== 'create' && content === undefined && opts.force) {
      // Forced (quilt push -f): the file is not there, every hunk of it goes to its .rej.
      const text = formatReject(...rejectNames, fp.hunks);
      report.hunks = fp.hunks.map((h) => ({ index: h.index, status: 'failed', offset: 0, fuzz: 0, patchLine: h.line }));
      report.missing = true;
      rejects.push({ path: destRel, text });
      ok = false;
      planned.push({ report, reject: { abs: `${destAbs}.rej`, text } });
      continue;
    }
    if (op !== 'create' && content === undefined) {
      // A -pN level under which the names exist explains it first; then a move upstream. (Not
      // for the reverse try, whose errors only mean "not already applied".)
      const level = reverse ? undefined : await workingStripLevel(root, [fp.oldName, fp.newName], strip);
      const moved = level === undefined && !reverse ? await findMovedFile(root, target, fp.hunks) : undefined;
      if (moved !== undefined) {
        throw inputError(
          'PATCH_FILE_MOVED',
          `${target} was renamed/moved upstream to ${moved}`,
          `Refresh the patch against ${moved} (\`pkgtrack patches rebase\` stops there with the hunks applied to ${moved}; fix the tree and run it with --continue).`,
          { ...details, target, movedTo: moved },
        );
      }
      throw inputError(
        'PATCH_MISSING_FILE',
        `${target} does not exist in the source tree`,
        level !== undefined
          ? `The patch's names exist with -p${level}: write "${basename(patchFile)} -p${level}" in the series (it has -p${strip}).`
          : 'Upstream removed it, or the patch was made against another version: refresh the patch against this version, or drop it.',
        { ...details, target },
      );
    }
    if ((op === 'rename' || op === 'copy') && (await exists(destRel)) && destRel !== target) {
      throw inputError(
        'PATCH_TARGET_EXISTS',
        `the patch would ${op} ${target} onto existing ${destRel}`,
        'Regenerate the patch against this upstream version.',
        details,
      );
    }
    const r = applyHunks(content ?? '', fp.hunks, {
      fuzz: opts.fuzz ?? 0,
      reverse,
      skipMerged: !reverse && opts.skipMerged === true,
      partial: opts.force === true,
    });
    report.hunks = r.hunks;
    const removeSrc = op === 'rename' ? [srcAbs] : [];
    if (!r.ok) {
      ok = false;
      const text = formatReject(...rejectNames, r.rejects);
      rejects.push({ path: destRel, text });
      if (!opts.force || r.content === undefined) {
        planned.push({ report, ...(opts.force ? { reject: { abs: `${destAbs}.rej`, text } } : {}) });
        continue;
      }
      // Forced: the hunks that applied are written (a half-applied file keeps its place).
      pending.set(destRel, r.content);
      if (op === 'rename') pending.set(target, null);
      planned.push({
        report,
        write: { abs: destAbs, content: r.content, create: op !== 'modify' },
        remove: removeSrc,
        reject: { abs: `${destAbs}.rej`, text },
      });
      continue;
    }
    const result = r.content!;
    // dpkg-source runs patch -E: a file left empty by a patch is removed.
    if (op === 'delete' || (result === '' && fp.hunks.length > 0)) {
      pending.set(destRel, null);
      if (op === 'rename') pending.set(target, null);
      planned.push({ report, remove: [...removeSrc, destAbs] });
      continue;
    }
    pending.set(destRel, result);
    if (op === 'rename') pending.set(target, null);
    const mode = fp.newMode !== undefined ? fp.newMode & 0o7777 : undefined;
    if (mode !== undefined && mode & 0o6000) {
      throw inputError(
        'PATCH_SETUID',
        `the patch sets a setuid/setgid mode on ${destRel}`,
        'Set special modes in the packaging, not in patches.',
        details,
      );
    }
    planned.push({
      report,
      write: { abs: destAbs, content: result, ...(mode !== undefined ? { mode } : {}), create: op !== 'modify' },
      remove: removeSrc,
    });
  }
  const reports = planned.map((p) => p.report);
  const all = reports.flatMap((f) => f.hunks);
  const worst = !ok
    ? 'failed'
    : all.some((h) => h.status === 'fuzz')
      ? 'fuzz'
      : all.some((h) => h.status === 'merged')
        ? 'merged'
        : all.some((h) => h.status === 'offset')
          ? 'offset'
          : 'clean';
  return { ok, planned, report: { status: ok ? 'applied' : 'failed', files: reports, worst, rejects } };
}

async function commit(root: string, planned: Planned[]): Promise<void> {
  for (const p of planned) {
    for (const r of p.remove ?? []) {
      if (r === p.write?.abs) continue;
      await rm(r, { force: true });
      // GNU patch (so dpkg-source -x) removes the directories a removal leaves empty.
      for (let d = dirname(r); d.startsWith(`${root}/`); d = dirname(d)) {
        if ((await readdir(d).catch(() => ['?'])).length > 0) break;
        await rmdir(d);
      }
    }
    if (p.write) {
      await makeDirs(dirname(p.write.abs));
      const st = await ifExists(lstat(p.write.abs));
      await writeFile(p.write.abs, Buffer.from(p.write.content, 'latin1'), { mode: p.write.mode ?? 0o644 });
      if (p.write.mode !== undefined) await chmod(p.write.abs, p.write.mode);
      else if (st) await chmod(p.write.abs, st.mode & 0o7777);
    }
    if (p.reject) {
      await makeDirs(dirname(p.reject.abs));
      // A fresh file: never through a link the tree may hold under that name.
      await rm(p.reject.abs, { force: true });
      await writeFile(p.reject.abs, Buffer.from(p.reject.text, 'latin1'), { flag: 'wx' });
    }
  }
}
