/**
 * The patches commands end to end (./bin/run.js, built): status, apply and rebase on a small
 * recipe whose upstream moves from 1.0 to 2.0 (a hunk moves, one patch lands upstream) and to
 * 3.0 (a conflict). Results are checked against real quilt on the same trees.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { buildOnce } from '../upstream/helpers.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';
import { demoRepo, origTarball } from './helpers/demo-repo.js';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'run.js');
let work: string;
let repo: string;
let patches: string;

const body = (n: number, extra: Record<number, string> = {}) =>
  `${Array.from({ length: n }, (_, i) => extra[i + 1] ?? `line ${i + 1}`).join('\n')}\n`;

const orig = (version: string, files: Record<string, string>) => origTarball(work, version, files, { debianName: true });

async function cli(...args: string[]) {
  return run('node', [BIN, ...args, '--repo', repo], { check: false, cwd: work });
}

async function quiltTree(origTarball: string, dest: string): Promise<void> {
  await mkdir(dest);
  await run('tar', ['-xzf', origTarball, '-C', dest, '--strip-components=1']);
  await run('quilt', ['push', '-a', '-q'], { cwd: dest, env: { QUILT_PATCHES: patches, QUILT_PC: '.pc' } });
  await rm(join(dest, '.pc'), { recursive: true, force: true });
}

const hashDir = async (dir: string) => {
  const h = createHash('sha256');
  for (const f of (await readdir(dir, { recursive: true })).sort())
    h.update(f).update(await readFile(join(dir, f)).catch(() => Buffer.alloc(0)));
  return h.digest('hex');
};

let v1: string;
let v2: string;
let v3: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-patchcmd-'));
  // One build per test run, shared with the other command tests (lock + stamp).
  await buildOnce();
  ({ repo, patches } = await demoRepo(work));
  v1 = await orig('1.0', { 'src/main.c': body(30), NEWS: 'news\n' });
  // 2.0: five lines added at the top (fix-main moves), and upstream took upstreamed.patch.
  v2 = await orig('2.0', { 'src/main.c': `${body(5).replaceAll('line', 'new')}${body(30)}`, NEWS: 'news\nupstream fix\n' });
  // 3.0: upstream rewrote the lines fix-main.patch changes.
  v3 = await orig('3.0', { 'src/main.c': body(30, { 19: 'rewritten 19', 20: 'rewritten 20' }), NEWS: 'news\n' });
  await writeFile(
    join(patches, 'fix-main.patch'),
    'Description: fix line 20\nAuthor: Dev <dev@example.org>\nForwarded: no\nLast-Update: 2020-01-01\n---\n--- a/src/main.c\n+++ b/src/main.c\n@@ -17,7 +17,7 @@\n line 17\n line 18\n line 19\n-line 20\n+line 20 fixed\n line 21\n line 22\n line 23\n',
  );
  await writeFile(
    join(patches, 'upstreamed.patch'),
    'Description: news entry\nForwarded: https://example.org/pr/2\n---\n--- a/NEWS\n+++ b/NEWS\n@@ -1 +1,2 @@\n news\n+upstream fix\n',
  );
  await writeFile(join(patches, 'series'), '# demo queue\nfix-main.patch\nupstreamed.patch\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('pkgtrack patches', () => {
  it('status: every patch clean on 1.0, with its DEP-3 summary', async () => {
    const r = await cli('patches', 'status', 'demo', '--orig', v1, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.version).toBe('1.0');
    expect(j.patches.map((p: { name: string; status: string; worst: string }) => [p.name, p.status, p.worst])).toEqual([
      ['fix-main.patch', 'applied', 'clean'],
      ['upstreamed.patch', 'applied', 'clean'],
    ]);
    expect(j.patches[0].header).toMatchObject({ description: 'fix line 20', forwarded: 'no', author: 'Dev <dev@example.org>' });
  });

  it('apply: the same tree as quilt push -a', async () => {
    const out = join(work, 'applied-1.0');
    const r = await cli('patches', 'apply', 'demo', '--orig', v1, '--out', out);
    expect(r.code).toBe(0);
    await quiltTree(v1, join(work, 'quilt-1.0'));
    expect(diffSnapshots(await treeSnapshot(join(work, 'quilt-1.0')), await treeSnapshot(out))).toEqual([]);
  });

  it('status on 2.0: an offset and a patch upstream already has (exit 11)', async () => {
    const r = await cli('patches', 'status', 'demo', '--orig', v2);
    expect(r.code).toBe(11);
    expect(r.stdout).toContain('fix-main.patch: offset (src/main.c#1 offset 5)');
    expect(r.stdout).toContain('upstreamed.patch: already applied upstream');
  });

  it('apply on 3.0 fails naming the patch, file and hunk, and leaves nothing behind', async () => {
    const out = join(work, 'applied-3.0');
    const r = await cli('patches', 'apply', 'demo', '--orig', v3, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[PATCH_FAILED]');
    expect(r.stderr).toContain('fix-main.patch does not apply: hunk #1 of src/main.c FAILED');
    await expect(readdir(out)).rejects.toThrow();
  });

  it('rebase onto 3.0 stops at the conflict with a .rej and leaves the recipe untouched', async () => {
    const before = await hashDir(patches);
    const r = await cli('patches', 'rebase', 'demo', '--to', '3.0', '--orig', v3, '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.error.code).toBe('PATCH_REBASE_CONFLICT');
    expect(j.error.details).toMatchObject({ patch: 'fix-main.patch', target: 'src/main.c', hunk: 1 });
    const rej = await readFile(join(j.error.details.rejectDir, 'src', 'main.c.rej'), 'utf8');
    expect(rej).toContain('+line 20 fixed');
    expect(await hashDir(patches)).toBe(before);
    // The new tree is kept to resolve the conflict in (the patches before it applied: none here).
    expect(await readFile(join(j.error.details.tree, 'src', 'main.c'), 'utf8')).toContain('rewritten 20');
    expect(j.error.fix).toContain(j.error.details.tree);
    expect(j.error.details.next).toBe('pkgtrack patches rebase demo --continue');
  });

  it('a new rebase while one is stopped is refused; --abort discards the stop', async () => {
    const again = await cli('patches', 'rebase', 'demo', '--to', '3.0', '--orig', v3, '--json');
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe('PATCH_REBASE_IN_PROGRESS');
    const ab = await cli('patches', 'rebase', 'demo', '--abort', '--json');
    expect(ab.code, ab.stderr).toBe(0);
    expect(JSON.parse(ab.stdout)).toMatchObject({ aborted: true, to: '3.0' });
    const none = await cli('patches', 'rebase', 'demo', '--continue', '--json');
    expect(JSON.parse(none.stdout).error.code).toBe('PATCH_REBASE_NOT_STOPPED');
    const help = await cli('patches', 'rebase', '--help');
    expect(help.stdout).toContain('Exit codes: 0 the queue is carried over; 1 it stopped on a conflict');
  });

  it('rebase --partial that stops on a conflict exits 1, after writing what it could', async () => {
    const r = await cli('patches', 'rebase', 'demo', '--to', '3.0', '--orig', v3, '--partial', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.conflict).toMatchObject({ patch: 'fix-main.patch', file: 'src/main.c', hunk: 1 });
    expect(j.patches.map((p: { action: string }) => p.action)).toEqual(['conflict', 'not-reached']);
    expect((await cli('patches', 'rebase', 'demo', '--abort')).code).toBe(0);
  });

  it('rebase onto 2.0 refreshes the moved hunk, drops the upstreamed patch and quilt agrees', async () => {
    const r = await cli('patches', 'rebase', 'demo', '--to', '2.0', '--orig', v2, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.patches.map((p: { name: string; action: string }) => [p.name, p.action])).toEqual([
      ['fix-main.patch', 'refreshed'],
      ['upstreamed.patch', 'dropped'],
    ]);
    const series = await readFile(join(patches, 'series'), 'utf8');
    expect(series).toMatch(/^# demo queue\nfix-main.patch\n# dropped upstreamed.patch: applied upstream in 2.0/);
    const fix = await readFile(join(patches, 'fix-main.patch'), 'utf8');
    expect(fix).toMatch(/^Description: fix line 20\nAuthor: Dev <dev@example.org>\nForwarded: no\nLast-Update: \d{4}-\d\d-\d\d\n---\n/);
    expect(fix).not.toContain('2020-01-01');
    expect(fix).toContain('@@ -22,7 +22,7 @@');
    expect(await readFile(join(patches, 'dropped', 'upstreamed.patch'), 'utf8')).toMatch(/Applied-Upstream: 2\.0/);
    // Real quilt applies the rebased queue to 2.0 with no fuzz and no offset, as status now says.
    await quiltTree(v2, join(work, 'quilt-2.0'));
    const s = await cli('patches', 'status', 'demo', '--orig', v2, '--json');
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout).patches.map((p: { worst: string }) => p.worst)).toEqual(['clean']);
  });

  it('rebase --partial prints what applied and the next command; --continue takes the fix from the tree, and quilt pushes the result', async () => {
    const other = await demoRepo(join(work, 'continue'));
    await writeFile(join(other.patches, 'clean.patch'), 'Description: news\n---\n--- a/NEWS\n+++ b/NEWS\n@@ -1 +1,2 @@\n news\n+ours\n');
    await writeFile(join(other.patches, 'fix-main.patch'), await readFile(join(patches, 'fix-main.patch')));
    await writeFile(join(other.patches, 'series'), 'clean.patch\nfix-main.patch\n');
    const rebase = (...args: string[]) =>
      run('node', [BIN, 'patches', 'rebase', 'demo', ...args, '--repo', other.repo], { check: false, cwd: work });
    const stop = await rebase('--to', '3.0', '--orig', v3, '--partial');
    expect(stop.code).toBe(1);
    expect(stop.stdout).toContain('  clean.patch: kept\n  fix-main.patch: conflict (hunk #1 of src/main.c does not apply)\n');
    const tree = /^conflict: fix-main.patch; fix it in (\S+) /m.exec(stop.stdout)?.[1];
    expect(tree).toBeDefined();
    expect(stop.stdout).toContain('  rejected hunks: src/main.c.rej\n');
    expect(stop.stdout).toContain('next: pkgtrack patches rebase demo --continue\n');
    const main = await readFile(join(tree!, 'src', 'main.c'), 'utf8');
    await writeFile(join(tree!, 'src', 'main.c'), main.replace('rewritten 20\n', 'rewritten 20 fixed\n'));
    await rm(join(tree!, 'src', 'main.c.rej'));
    const done = await rebase('--continue', '--json');
    expect(done.code, done.stderr).toBe(0);
    const j = JSON.parse(done.stdout);
    expect(j.patches.map((p: { name: string; action: string }) => [p.name, p.action])).toEqual([
      ['clean.patch', 'kept'],
      ['fix-main.patch', 'refreshed'],
    ]);
    const fix = await readFile(join(other.patches, 'fix-main.patch'), 'utf8');
    expect(fix).toMatch(/^Description: fix line 20\nAuthor: Dev <dev@example.org>\nForwarded: no\nLast-Update: (?!2020)/);
    expect(fix).toContain('-rewritten 20\n+rewritten 20 fixed\n');
    const q = join(work, 'quilt-3.0-continued');
    await mkdir(q);
    await run('tar', ['-xzf', v3, '-C', q, '--strip-components=1']);
    await run('quilt', ['push', '-a', '-q', '--fuzz=0'], { cwd: q, env: { QUILT_PATCHES: other.patches, QUILT_PC: '.pc' } });
    await rm(join(q, '.pc'), { recursive: true, force: true });
    expect(diffSnapshots(await treeSnapshot(q), await treeSnapshot(tree!))).toEqual([]);
  });

  it('drop removes one patch (series line and file), keeps the comments; an unknown name says which one was meant', async () => {
    const wrong = await cli('patches', 'drop', 'demo', 'fix-mian.patch', '--json');
    expect(wrong.code).toBe(2);
    expect(JSON.parse(wrong.stdout).error).toMatchObject({ code: 'PATCH_NOT_IN_SERIES', fix: 'Did you mean fix-main.patch?' });
    const r = await cli('patches', 'drop', 'demo', 'fix-main.patch', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dropped: 'fix-main.patch', remaining: [] });
    expect(await readFile(join(patches, 'series'), 'utf8')).toMatch(/^# demo queue\n# dropped upstreamed.patch/);
    await expect(readFile(join(patches, 'fix-main.patch'))).rejects.toThrow();
  });
});
