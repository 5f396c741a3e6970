/**
 * Why a file a patch changes is not in the tree: upstream renamed or moved it (a file with the
 * same name elsewhere, or one holding the hunks' old lines), or the patch's -pN level is wrong
 * (another level names an existing file), or upstream removed it. Only asked on that error
 * path, so walking the tree is affordable.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ifExists } from '../core/fsutil.js';
import type { Hunk } from './diff-parse.js';
import { applyHunks } from './hunk-apply.js';
import { pathFits } from './safe-path.js';

/** Files larger than this are not read while looking for moved content. */
const MAX_FILE_BYTES = 4 << 20;
/** Stop walking after this many files (a moved file in a huge tree is still found by name). */
const MAX_FILES = 100_000;

async function treeFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await ifExists(readdir(join(root, rel), { withFileTypes: true }));
    for (const e of entries ?? []) {
      if (out.length >= MAX_FILES) return;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== '.pc') await walk(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  await walk('');
  return out;
}

/** How many of `hunks` apply (fuzz 2) to the file at `rel`. */
async function hunksApplying(root: string, rel: string, hunks: readonly Hunk[]): Promise<number> {
  const st = await ifExists(lstat(join(root, rel)));
  if (!st?.isFile() || st.size > MAX_FILE_BYTES) return 0;
  const content = (await readFile(join(root, rel))).toString('latin1');
  return applyHunks(content, hunks, { fuzz: 2, partial: true }).hunks.filter((h) => h.status !== 'failed').length;
}

/**
 * Where `missing` went: among the files of the same name, the one where most of the hunks
 * apply; else a file of the same extension where most of them apply (renamed); else, when its
 * directory is gone too, the only file of that name (moved and changed). Undefined when nothing
 * convincing is found (a lone `Makefile.am` elsewhere is not evidence by itself).
 */
export async function findMovedFile(root: string, missing: string, hunks: readonly Hunk[]): Promise<string | undefined> {
  const files = await treeFiles(root);
  const name = basename(missing);
  const sameName = files.filter((f) => basename(f) === name);
  // A hunk that only adds lines matches anywhere: only hunks with old lines point at content.
  const telling = hunks.filter((h) => h.lines.some((l) => l.kind !== '+'));
  const best = async (candidates: string[]) => {
    let top: { path: string; n: number } | undefined;
    for (const f of candidates) {
      const n = await hunksApplying(root, f, telling);
      if (n > (top?.n ?? 0)) top = { path: f, n };
    }
    return top;
  };
  if (telling.length) {
    const byName = await best(sameName);
    if (byName) return byName.path;
    const ext = extname(name);
    const byContent = await best(files.filter((f) => extname(f) === ext && f !== missing));
    if (byContent && byContent.n * 2 > telling.length) return byContent.path;
  }
  const dir = dirname(missing);
  const dirGone = dir !== '.' && !(await ifExists(lstat(join(root, dir))));
  return sameName.length === 1 && dirGone ? sameName[0] : undefined;
}

/** Another -pN level under which the patch's names exist in the tree, if one does. */
export async function workingStripLevel(root: string, names: (string | undefined)[], current: number): Promise<number | undefined> {
  for (let level = 0; level <= 4; level++) {
    if (level === current) continue;
    for (const n of names) {
      if (n === undefined || n.startsWith('/')) continue;
      const parts = n.split(/\/+/);
      if (parts.length <= level) continue;
      const rel = parts.slice(level).join('/');
      // (Another level may keep a component too long for any file: not a name that exists.)
      if (rel && !rel.split('/').includes('..') && pathFits(root, rel) && (await ifExists(lstat(join(root, rel))))?.isFile()) return level;
    }
  }
  return undefined;
}
