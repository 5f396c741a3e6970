/**
 * What a user changed in a source tree, as the file changes a refreshed patch is written from
 * (`quilt refresh` after `quilt push -f`): every regular file that differs between `base` (the
 * tree before the patch) and `tree` (the tree the user fixed), added or removed. `.rej` files
 * the user left are returned apart (the fix is not finished), and editor/patch backups that
 * only the fixed tree has (`*.orig`, `*~`) are not part of the change. Symlinks are not
 * compared: patches cannot carry them (the engine refuses them).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists } from '../core/fsutil.js';
import type { FileChange } from './refresh.js';

interface Entry {
  mode: number;
}

async function regularFiles(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const walk = async (rel: string): Promise<void> => {
    for (const e of (await ifExists(readdir(join(root, rel), { withFileTypes: true }))) ?? []) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.pc' && e.name !== '.git') await walk(p);
      } else if (e.isFile()) out.set(p, { mode: (await lstat(join(root, p))).mode & 0o777 });
    }
  };
  await walk('');
  return out;
}

export interface TreeDiff {
  changes: FileChange[];
  /** `.rej` files in the fixed tree (relative paths), which the base does not have. */
  rejects: string[];
}

export async function treeDiff(base: string, tree: string): Promise<TreeDiff> {
  const [before, after] = await Promise.all([regularFiles(base), regularFiles(tree)]);
  const changes: FileChange[] = [];
  const rejects: string[] = [];
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const p of paths) {
    const [b, a] = [before.get(p), after.get(p)];
    if (!b && a && p.endsWith('.rej')) {
      rejects.push(p);
      continue;
    }
    if (!b && a && (p.endsWith('.orig') || p.endsWith('~'))) continue;
    const oldText = b ? (await readFile(join(base, p))).toString('latin1') : undefined;
    const newText = a ? (await readFile(join(tree, p))).toString('latin1') : undefined;
    if (oldText === newText && b?.mode === a?.mode) continue;
    changes.push({
      ...(b ? { oldPath: p, oldMode: 0o100000 | b.mode } : {}),
      ...(a ? { newPath: p, newMode: 0o100000 | a.mode } : {}),
      before: oldText ?? '',
      after: newText ?? '',
    });
  }
  return { changes, rejects };
}
