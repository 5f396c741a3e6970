/**
 * Directories are made through core/dirs.ts: Node's `mkdir(p, { recursive: true })` never
 * returns below a folder that answers ENOENT to every mkdir (/proc), so a user's `-o /proc/x`
 * or cache folder would hang the command instead of failing it.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSources } from './layers.js';

const SRC = resolve(import.meta.dirname, '../../src');

/** `file:line` of each mkdir / mkdirSync call whose options ask for `recursive`. */
function recursiveMkdirs(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  const found: string[] = [];
  for (const f of files) {
    // The call up to the end of its statement.
    for (const m of f.text.matchAll(/\bmkdir(Sync)?\(([^;]*)/g)) {
      if (/\brecursive\b/.test(m[2]!)) found.push(`${f.path}:${f.text.slice(0, m.index).split('\n').length}`);
    }
  }
  return found;
}

describe('directories', () => {
  it('are made with core/dirs.ts makeDirs, never a recursive mkdir', () => {
    const files = readSources(SRC).filter((f) => f.path !== 'core/dirs.ts');
    expect(files.length).toBeGreaterThan(100);
    expect(recursiveMkdirs(files)).toEqual([]);
  });

  it('the check sees one-line and multi-line recursive mkdirs, sync or not', () => {
    const found = recursiveMkdirs([
      { path: 'a.ts', text: "await mkdir(join(root, 'x'), { recursive: true });\n" },
      { path: 'b.ts', text: 'const x = 1;\nmkdirSync(\n  dir,\n  { recursive: true },\n);\n' },
      { path: 'c.ts', text: 'await mkdir(dir);\nfs.mkdirSync(d, { mode: 0o700 });\nrm(d, { recursive: true });\n' },
    ]);
    expect(found).toEqual(['a.ts:1', 'b.ts:2']);
  });
});
