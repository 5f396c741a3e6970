/**
 * Evidence that upstream already has a patch: against an unpacked upstream tree (reverse-apply,
 * hunks present, a changelog naming it) and against upstream git history (same patch-id, same
 * subject), with the first tag that carries the commit.
 */
import { ifExists } from '../../core/fsutil.js';
import { copyFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { run } from '../../core/exec.js';
import type { FilePatch } from '../../patches/diff-parse.js';
import { applyPatch, type PatchStatus, stripPath } from '../../patches/engine.js';
import { hunksPresent, normalizeSubject, toGitDiff } from '../../report/hunks.js';
import type { MergedEvidence } from '../../report/model.js';
import { makeDirs } from '../../core/dirs.js';

const CHANGELOGS = /^(NEWS|ChangeLog|CHANGELOG|CHANGES|HISTORY|RELEASE[-_]?NOTES)(\.(md|txt|rst))?$/i;

async function readText(p: string): Promise<string | undefined> {
  try {
    const s = await stat(p);
    if (!s.isFile() || s.size > 8 * 1024 * 1024) return undefined;
    return await readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * All files under `dir` with this base name (bounded walk), for changes upstream moved. The walk
 * is done once per tree and kept for the next lookups (a report asks once per patched file).
 */
async function findByBasename(dir: string, name: string): Promise<string[]> {
  let index = basenameIndexes.get(dir);
  if (!index) {
    index = walkBasenames(dir);
    basenameIndexes.set(dir, index);
    // A few trees at a time: a report goes recipe by recipe.
    if (basenameIndexes.size > 4) basenameIndexes.delete(basenameIndexes.keys().next().value!);
  }
  return (await index).get(name) ?? [];
}

const basenameIndexes = new Map<string, Promise<Map<string, string[]>>>();

async function walkBasenames(dir: string, limit = 20000): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  let seen = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of (await ifExists(readdir(d, { withFileTypes: true }))) ?? []) {
      if (++seen > limit) return;
      if (e.isDirectory()) {
        if (e.name !== '.git') await walk(join(d, e.name));
      } else if (e.isFile()) found.set(e.name, [...(found.get(e.name) ?? []), join(d, e.name)]);
    }
  };
  await walk(dir);
  return found;
}

export interface TreeEvidenceInput {
  /** The unpacked upstream tree. */
  tree: string;
  /** What the tree is, for the report: a version or `trunk@<sha7>`. */
  label: string;
  /** The upstream tree the patches were made against, when known: its changelog lines are old news. */
  baseTree?: string;
  patchBytes: Uint8Array;
  files: FilePatch[];
  strip: number;
  subject?: string;
  /** The patches before this one in the series: what it was written on top of. */
  earlier?: ReadonlyArray<QueuedPatchBytes>;
}

export interface QueuedPatchBytes {
  bytes: Uint8Array;
  strip: number;
  files: FilePatch[];
}

const isChangelog = (rel: string) => CHANGELOGS.test(basename(rel)) || /(^|\/)debian\//.test(rel);

/**
 * Proof: the patch reverse-applies at fuzz 0. Heuristics (`likely`): every hunk found (at its
 * path, or moved to a file of the same name), or a changelog naming the subject in lines the
 * base version did not have.
 */
export async function treeEvidence(i: TreeEvidenceInput): Promise<MergedEvidence | undefined> {
  if (i.files.length === 0) return undefined;
  // A file the patch touches may be gone upstream: the engine refuses, the other checks go on.
  let status = await exactStatus(i.tree, i);
  // Reverse-applying to pristine upstream proves nothing when an earlier patch of the queue
  // changes the same files: the patch may fix code an earlier one added, and match a look-alike
  // block upstream always had. Then it is judged where it really applies: on top of them.
  if (status === 'already-applied' && touchedByEarlier(i)) status = await statusOnTopOfEarlier(i);
  if (status === 'already-applied') return { via: 'reverse-apply', confidence: 'certain', where: i.label };
  // A patch that still applies in place, exactly, is not in this tree: hunks that happen to
  // appear elsewhere (a repeated block, another copy of the file) would be a false "merged".
  const appliesInPlace = status === 'applied';

  // Every file's hunks present, at its path or (moved upstream) at a file of the same name.
  // Changelog and NEWS hunks say nothing about the code; a patch of only those is not judged.
  // Not needed when the patch applies in place: then it is not in this tree.
  let allPresent = !appliesInPlace;
  let judged = 0;
  for (const fp of allPresent ? i.files : []) {
    if (fp.op !== 'modify' && fp.op !== 'create') {
      allPresent = false;
      break;
    }
    const name = fp.newName ?? fp.oldName;
    if (!name) {
      allPresent = false;
      break;
    }
    const rel = stripPath(name, i.strip, i.label, fp.line);
    if (isChangelog(rel)) continue;
    judged++;
    // A file the patch creates counts only at its own path: a same-named file elsewhere is another file.
    const candidates = [join(i.tree, rel), ...(fp.op === 'create' ? [] : await findByBasename(i.tree, basename(rel)))];
    let ok = false;
    for (const c of candidates) {
      const text = await readText(c);
      if (text !== undefined && hunksPresent(fp, text)) {
        ok = true;
        break;
      }
    }
    if (!ok) {
      allPresent = false;
      break;
    }
  }
  if (allPresent && judged > 0 && !appliesInPlace)
    return { via: 'hunks-present', confidence: 'likely', where: i.label, detail: 'every hunk found, not in place' };

  // Upstream's changelog names the change (the code moved too much to match).
  const subject = i.subject ? normalizeSubject(i.subject) : '';
  if (subject.length >= 15) {
    for (const e of await readdir(i.tree, { withFileTypes: true })) {
      if (!e.isFile() || !CHANGELOGS.test(e.name)) continue;
      const text = await readText(join(i.tree, e.name));
      if (text === undefined) continue;
      const old = new Set(i.baseTree ? ((await readText(join(i.baseTree, e.name))) ?? '').split('\n') : []);
      const fresh = text
        .split('\n')
        .filter((l) => !old.has(l))
        .join(' ')
        .toLowerCase()
        .replace(/\s+/g, ' ');
      if (fresh.includes(subject))
        return { via: 'changelog', confidence: 'likely', where: i.label, detail: `${e.name} mentions "${i.subject}"` };
    }
  }
  return undefined;
}

/** `git patch-id --stable` of a diff; undefined when git finds no diff in it. */
export async function patchId(gitDir: string, diff: Uint8Array): Promise<string | undefined> {
  const r = await run('git', ['--git-dir', gitDir, 'patch-id', '--stable'], { input: diff });
  return r.stdout.trim().split(/\s+/)[0] || undefined;
}

export interface HistoryEvidenceInput {
  /** A local clone (bare is fine) holding upstream history and tags. */
  gitDir: string;
  /** Search commits in `since..until` (since = the packaged version's tag, when known). */
  since?: string;
  until: string;
  files: FilePatch[];
  strip: number;
  subject?: string;
  /** The upstream commit the header names (Origin: …/commit/<sha>, cherry picked from commit <sha>). */
  commit?: string;
}

/**
 * Proof: the upstream commit the header names is an ancestor of `until`, or a commit in the
 * range has the same patch-id. Heuristic: a commit with the same subject.
 */
export async function historyEvidence(i: HistoryEvidenceInput): Promise<MergedEvidence | undefined> {
  if (i.commit) {
    const full = await run('git', ['--git-dir', i.gitDir, 'rev-parse', '--verify', '--quiet', `${i.commit}^{commit}`], { check: false });
    const sha = full.stdout.trim();
    if (full.code === 0 && sha) {
      const anc = await run('git', ['--git-dir', i.gitDir, 'merge-base', '--is-ancestor', sha, i.until], { check: false });
      if (anc.code === 0)
        return {
          via: 'origin-commit',
          confidence: 'certain',
          where: i.until,
          first: await firstTag(i.gitDir, sha),
          detail: `commit ${sha}`,
        };
    }
  }
  const range = i.since ? `${i.since}..${i.until}` : i.until;
  const diff = toGitDiff(i.files, i.strip);
  const wanted = diff ? await patchId(i.gitDir, Buffer.from(diff, 'latin1')) : undefined;
  const subject = i.subject ? normalizeSubject(i.subject) : undefined;
  const log = await run('git', ['--git-dir', i.gitDir, 'log', '--no-merges', '--format=%H%x09%s', range], { check: false });
  if (log.code !== 0) return undefined;
  const commits = log.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha, ...s] = l.split('\t');
      return { sha: sha!, subject: s.join('\t') };
    });
  if (wanted) {
    // One `git log -p | git patch-id` pass over the whole range: cost grows with history, not with patches x commits.
    const logp = await run('git', ['--git-dir', i.gitDir, 'log', '--no-merges', '-p', '--format=commit %H', range], { binary: true });
    const ids = await run('git', ['--git-dir', i.gitDir, 'patch-id', '--stable'], { input: logp.stdoutBytes });
    for (const line of ids.stdout.split('\n')) {
      const [pid, sha] = line.split(/\s+/);
      if (pid === wanted && sha)
        return { via: 'patch-id', confidence: 'certain', where: i.until, first: await firstTag(i.gitDir, sha), detail: `commit ${sha}` };
    }
  }
  if (subject && subject.length >= 10) {
    const hit = commits.find((c) => normalizeSubject(c.subject) === subject);
    if (hit)
      return {
        via: 'subject',
        confidence: 'likely',
        where: i.until,
        first: await firstTag(i.gitDir, hit.sha),
        detail: `commit ${hit.sha} "${hit.subject}"`,
      };
  }
  return undefined;
}

/** The oldest tag (by version order) that contains `sha`, or the short sha when no tag does. */
async function firstTag(gitDir: string, sha: string): Promise<string> {
  const r = await run('git', ['--git-dir', gitDir, 'tag', '--contains', sha, '--sort=version:refname'], { check: false });
  return r.stdout.split('\n').find(Boolean) ?? sha.slice(0, 12);
}

/** Repository-relative paths a patch touches (old and new names). */
function pathsOf(files: readonly FilePatch[], strip: number, label: string): string[] {
  const out: string[] = [];
  for (const fp of files)
    for (const n of [fp.oldName, fp.newName]) {
      if (!n || n === '/dev/null') continue;
      try {
        out.push(stripPath(n, strip, label, fp.line));
      } catch {
        // A path the engine would refuse: nothing to copy.
      }
    }
  return out;
}

const touchedByEarlier = (i: TreeEvidenceInput): boolean => {
  const mine = new Set(pathsOf(i.files, i.strip, i.label));
  return (i.earlier ?? []).some((e) => pathsOf(e.files, e.strip, i.label).some((p) => mine.has(p)));
};

/**
 * The patch's status on a scratch copy of the files it and the earlier patches touch, with the
 * earlier patches applied first (those that apply: the queue as a rebase would leave it).
 */
async function statusOnTopOfEarlier(i: TreeEvidenceInput): Promise<PatchStatus | undefined> {
  const earlier = i.earlier ?? [];
  const scratch = await mkdtemp(join(tmpdir(), 'pkgtrack-evidence-'));
  try {
    const paths = new Set([...pathsOf(i.files, i.strip, i.label), ...earlier.flatMap((e) => pathsOf(e.files, e.strip, i.label))]);
    for (const rel of paths) {
      const from = join(i.tree, rel);
      if (!(await ifExists(stat(from)))?.isFile()) continue;
      await makeDirs(dirname(join(scratch, rel)));
      await copyFile(from, join(scratch, rel));
    }
    for (const e of earlier) await applyPatch(scratch, e.bytes, { strip: e.strip, fuzz: 2, patchFile: i.label }).catch(() => undefined);
    return await exactStatus(scratch, i);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Whether the patch applies, is already applied (reverse-applies) or neither, at fuzz 0, as a dry run. */
async function exactStatus(root: string, i: TreeEvidenceInput): Promise<PatchStatus | undefined> {
  const r = await applyPatch(root, i.patchBytes, { strip: i.strip, fuzz: 0, dryRun: true, detectApplied: true, patchFile: i.label }).catch(
    () => undefined,
  );
  return r?.status;
}
