/** Snapshot a directory tree (type, content hash, exec bit or full mode, link target) for comparisons. */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export async function treeSnapshot(
  root: string,
  skip: (rel: string) => boolean = () => false,
  opts: { modes?: boolean } = {},
): Promise<Record<string, string>> {
  const mode = (m: number, exec: string) => (opts.modes ? (m & 0o7777).toString(8).padStart(4, '0') : exec);
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const abs = join(root, r);
      const st = await lstat(abs);
      if (st.isSymbolicLink()) out[r] = `link ${await readlink(abs)}`;
      else if (st.isDirectory()) {
        out[r] = opts.modes ? `dir ${mode(st.mode, '')}` : 'dir';
        await walk(r);
      } else
        out[r] = `file ${mode(st.mode, st.mode & 0o111 ? 'x' : '-')} ${createHash('sha256')
          .update(await readFile(abs))
          .digest('hex')
          .slice(0, 16)}`;
    }
  };
  await walk('');
  return out;
}

/** Differences between two snapshots, as readable lines (empty when equal). */
export function diffSnapshots(a: Record<string, string>, b: Record<string, string>): string[] {
  const lines: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] !== b[k]) lines.push(`${k}: ${a[k] ?? '(missing)'} vs ${b[k] ?? '(missing)'}`);
  }
  return lines.sort();
}
