/**
 * A rebase that stops is not a dead end: the tree it leaves is the one `quilt push -f` leaves
 * (earlier patches applied, the failing one as far as it goes, .rej beside the file), the user
 * fixes it, `--continue` writes the patch from that tree (DEP-3 header kept) and carries on; a
 * file upstream moved is reported as moved (not as a -p level) and its hunks follow it. Real
 * quilt, with no fuzz, must then push the whole rebased queue onto the new upstream.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { run } from '../../src/core/exec.js';
import { applyPatch } from '../../src/patches/engine.js';
import { rebasePatches } from '../../src/services/patches/rebase.js';
import { patchesStatus } from '../../src/services/patches/status.js';
import { demoRecipe, demoRepo, origTarball } from './helpers/demo-repo.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

let work: string;
let repo: string;
let patches: string;
let v1: string;
let v2: string;
const lines = (n: number, tag: string) => `${Array.from({ length: n }, (_, i) => `${tag} ${i + 1}`).join('\n')}\n`;
const hunk = (at: number, tag: string, from: string, to: string) =>
  `@@ -${at - 2},5 +${at - 2},5 @@\n ${tag} ${at - 2}\n ${tag} ${at - 1}\n-${from}\n+${to}\n ${tag} ${at + 1}\n ${tag} ${at + 2}\n`;

async function rebaseError(p: Promise<unknown>): Promise<PkgtrackError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PkgtrackError);
  return e as PkgtrackError;
}

async function extract(tarball: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);
}

const noPc = (rel: string) => rel === '.pc' || rel.startsWith('.pc/');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-rebase-continue-'));
  ({ repo, patches } = await demoRepo(work));
  v1 = await origTarball(work, '1.0', { 'main.txt': lines(30, 'main'), 'docs/guide.txt': lines(12, 'guide') });
  // 2.0: three lines on top (every hunk moves), "main 5" rewritten, docs/ moved to doc/manual/.
  v2 = await origTarball(work, '2.0', {
    'main.txt': `${lines(3, 'top')}${lines(30, 'main').replace('main 5\n', 'main five\n')}`,
    'doc/manual/guide.txt': lines(12, 'guide'),
  });
  await writeFile(
    join(patches, 'offset.patch'),
    `Description: change main 20\n---\n--- a/main.txt\n+++ b/main.txt\n${hunk(20, 'main', 'main 20', 'main 20 patched')}`,
  );
  await writeFile(
    join(patches, 'half.patch'),
    `Description: change main 5 and main 26\nAuthor: Dev <dev@example.org>\nForwarded: no\nLast-Update: 2020-01-01\n---\n--- a/main.txt\n+++ b/main.txt\n${hunk(5, 'main', 'main 5', 'main 5 patched')}${hunk(26, 'main', 'main 26', 'main 26 patched')}`,
  );
  await writeFile(
    join(patches, 'moved.patch'),
    `Description: fix the guide\n---\n--- a/docs/guide.txt\n+++ b/docs/guide.txt\n${hunk(7, 'guide', 'guide 7', 'guide 7 fixed')}`,
  );
  await writeFile(join(patches, 'last.patch'), 'Description: a new file\n---\n--- /dev/null\n+++ b/NOTES\n@@ -0,0 +1 @@\n+notes\n');
  await writeFile(join(patches, 'series'), '# queue\noffset.patch\nhalf.patch\nmoved.patch\nlast.patch\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('stops with the tree quilt push -f leaves, refuses to continue over .rej files, and --continue carries the queue through a moved file', async () => {
  const recipeBefore = await treeSnapshot(patches);
  // The queue applies as it is to 1.0 (real quilt, no fuzz).
  await extract(v1, join(work, 'q1'));
  await run('quilt', ['push', '-a', '-q', '--fuzz=0'], { cwd: join(work, 'q1'), env: { QUILT_PATCHES: patches, QUILT_PC: '.pc' } });

  // status names the moved file as moved.
  const status = await patchesStatus('demo', { orig: v2, recipesDir: repo });
  expect(status.patches.find((p) => p.name === 'moved.patch')?.files).toEqual([
    { path: 'docs/guide.txt', op: 'modify', hunks: [], missing: true, movedTo: 'doc/manual/guide.txt' },
  ]);

  const stop = await rebaseError(rebasePatches('demo', { to: '2.0', orig: v2, recipesDir: repo }));
  expect(stop.code).toBe('PATCH_REBASE_CONFLICT');
  expect(stop.message).toContain('half.patch: hunk #1 of main.txt does not apply');
  const tree = String(stop.details.tree);
  expect(stop.details.next).toBe('pkgtrack patches rebase demo --continue');
  expect(stop.fix).toContain(tree);
  expect(stop.fix).toContain('main.txt.rej');
  expect(await treeSnapshot(patches)).toEqual(recipeBefore);

  // Real quilt on the same upstream: offset.patch pushed, half.patch forced. Same tree.
  const quilt = join(work, 'q2');
  await extract(v2, quilt);
  const env = { QUILT_PATCHES: patches, QUILT_PC: '.pc' };
  await run('quilt', ['push', '-q'], { cwd: quilt, env });
  const forced = await run('quilt', ['push', '-f', '-q'], { cwd: quilt, env, check: false });
  expect(forced.stdout + forced.stderr).toContain('forced');
  expect(diffSnapshots(await treeSnapshot(quilt, noPc), await treeSnapshot(tree))).toEqual([]);
  const half = await readFile(join(tree, 'main.txt'), 'utf8');
  expect(half).toContain('main 20 patched\n');
  expect(half).toContain('main 26 patched\n');
  expect(await readFile(join(tree, 'main.txt.rej'), 'utf8')).toContain('+main 5 patched');

  // Not fixed yet: the .rej is still there.
  const early = await rebaseError(rebasePatches('demo', { continue: true, recipesDir: repo }));
  expect(early.code).toBe('PATCH_REBASE_REJECTS_LEFT');
  expect(early.message).toContain('main.txt.rej');
  // A new rebase while this one is stopped is refused (the fixed tree would be lost).
  expect((await rebaseError(rebasePatches('demo', { to: '2.0', orig: v2, recipesDir: repo }))).code).toBe('PATCH_REBASE_IN_PROGRESS');

  // The fix: the rejected change, by hand, on upstream's new line; an editor backup is left.
  await writeFile(join(tree, 'main.txt'), half.replace('main five\n', 'main five patched\n'));
  await writeFile(join(tree, 'main.txt~'), half);
  await rm(join(tree, 'main.txt.rej'));
  const moved = await rebaseError(rebasePatches('demo', { continue: true, recipesDir: repo }));
  expect(moved.code).toBe('PATCH_REBASE_CONFLICT');
  expect(moved.message).toContain('moved.patch: docs/guide.txt was renamed/moved upstream to doc/manual/guide.txt');
  expect(moved.message).not.toMatch(/-p|level/);
  const r1 = moved.details.result as { conflict: { moved: Record<string, string>; rejects: string[] } };
  expect(r1.conflict.moved).toEqual({ 'docs/guide.txt': 'doc/manual/guide.txt' });
  expect(r1.conflict.rejects).toEqual([]);
  // Its hunk followed the file; nothing of the recipe was written yet.
  expect(await readFile(join(tree, 'doc/manual/guide.txt'), 'utf8')).toContain('guide 7 fixed\n');
  expect(await treeSnapshot(patches)).toEqual(recipeBefore);

  const done = await rebasePatches('demo', { continue: true, recipesDir: repo });
  expect(done.conflict).toBeUndefined();
  expect(done.patches.map((p) => [p.name, p.action])).toEqual([
    ['offset.patch', 'refreshed'],
    ['half.patch', 'refreshed'],
    ['moved.patch', 'refreshed'],
    ['last.patch', 'kept'],
  ]);
  const halfPatch = await readFile(join(patches, 'half.patch'), 'utf8');
  expect(halfPatch).toMatch(
    /^Description: change main 5 and main 26\nAuthor: Dev <dev@example.org>\nForwarded: no\nLast-Update: (?!2020)\d{4}-\d\d-\d\d\n---\n--- a\/main.txt\n\+\+\+ b\/main.txt\n/,
  );
  expect(halfPatch).toContain('+main five patched\n');
  expect(halfPatch).not.toContain('main.txt~');
  expect(await readFile(join(patches, 'moved.patch'), 'utf8')).toContain('+++ b/doc/manual/guide.txt\n');
  expect(await readFile(join(patches, 'series'), 'utf8')).toBe('# queue\noffset.patch\nhalf.patch\nmoved.patch\nlast.patch\n');
  // Nothing stopped any more.
  expect((await rebaseError(rebasePatches('demo', { continue: true, recipesDir: repo }))).code).toBe('PATCH_REBASE_NOT_STOPPED');

  // Real quilt pushes the rebased queue onto 2.0 with no fuzz and gives the tree the rebase made.
  const q3 = join(work, 'q3');
  await extract(v2, q3);
  await run('quilt', ['push', '-a', '-q', '--fuzz=0'], { cwd: q3, env });
  const ours = await treeSnapshot(tree, (rel) => rel.endsWith('~'));
  expect(diffSnapshots(await treeSnapshot(q3, noPc), ours)).toEqual([]);
  expect(ours.NOTES).toBeDefined();
});

it('--skip drops the stopped patch and carries on; --abort discards a stop', async () => {
  const v3 = await origTarball(work, '3.0', {
    'main.txt': `${lines(3, 'top')}${lines(30, 'main').replace('main 5\n', 'main V\n').replace('main 20\n', 'main XX\n')}`,
    'doc/manual/guide.txt': lines(12, 'guide'),
  });
  const stop = await rebaseError(rebasePatches('demo', { to: '3.0', orig: v3, recipesDir: repo }));
  expect([stop.code, stop.details.patch]).toEqual(['PATCH_REBASE_CONFLICT', 'offset.patch']);
  const aborted = await rebasePatches('demo', { abort: true, recipesDir: repo });
  expect(aborted.aborted).toBe(true);
  await rebaseError(rebasePatches('demo', { to: '3.0', orig: v3, recipesDir: repo }));
  const next = await rebaseError(rebasePatches('demo', { skip: true, recipesDir: repo }));
  expect(next.details.patch).toBe('half.patch');
  const result = next.details.result as { patches: { name: string; action: string }[] };
  expect(result.patches.map((p) => [p.name, p.action])).toEqual([
    ['offset.patch', 'dropped'],
    ['half.patch', 'conflict'],
    ['moved.patch', 'not-reached'],
    ['last.patch', 'not-reached'],
  ]);
  // A stop whose tree is gone is not continued (an empty tree would make a patch deleting everything).
  await rm(String(next.details.tree), { recursive: true });
  const lost = await rebaseError(rebasePatches('demo', { continue: true, recipesDir: repo }));
  expect([lost.code, lost.message]).toEqual([
    'PATCH_REBASE_NOT_STOPPED',
    `the stopped rebase of demo has lost ${String(next.details.tree)}`,
  ]);
  await rebasePatches('demo', { abort: true, recipesDir: repo });
});

it('a later patch that fails --continue ends the stop and keeps the resolution', async () => {
  const dir = join(repo, 'recipes', 'demo3');
  await demoRecipe(repo, 'demo3');
  await writeFile(
    join(dir, 'patches', 'fix.patch'),
    `Description: fix\n---\n--- a/main.txt\n+++ b/main.txt\n${hunk(5, 'main', 'main 5', 'main 5 fixed')}`,
  );
  await writeFile(
    join(dir, 'patches', 'link.patch'),
    'Description: a symlink\n---\ndiff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+main.txt\n\\ No newline at end of file\n',
  );
  await writeFile(join(dir, 'patches', 'series'), 'fix.patch\nlink.patch\n');
  const v = await origTarball(work, 'demo3-2.0', { 'main.txt': lines(30, 'main').replace('main 5\n', 'main five\n') });
  const stop = await rebaseError(rebasePatches('demo3', { to: '2.0', orig: v, recipesDir: repo }));
  const tree = String(stop.details.tree);
  await writeFile(join(tree, 'main.txt'), lines(30, 'main').replace('main 5\n', 'main five fixed\n'));
  await rm(join(tree, 'main.txt.rej'));
  const e = await rebaseError(rebasePatches('demo3', { continue: true, recipesDir: repo }));
  expect(e.code).toBe('PATCH_SYMLINK');
  expect(e.fix).toContain(`your resolution of fix.patch is kept in ${String(e.details.resolution)}`);
  expect(await readFile(String(e.details.resolution), 'utf8')).toContain('+main five fixed\n');
  expect(await readFile(join(dir, 'patches', 'fix.patch'), 'utf8')).toContain('+main 5 fixed');
  expect((await rebaseError(rebasePatches('demo3', { continue: true, recipesDir: repo }))).code).toBe('PATCH_REBASE_NOT_STOPPED');
});

it('a file upstream moved is named as moved by apply and status; a wrong -p level is named as such', async () => {
  const root = join(work, 'moved-tree');
  await extract(v2, root);
  const patch = Buffer.from(`--- a/docs/guide.txt\n+++ b/docs/guide.txt\n${hunk(7, 'guide', 'guide 7', 'guide 7 fixed')}`);
  const e = await rebaseError(applyPatch(root, patch, { strip: 1, patchFile: 'moved.patch' }));
  expect(e.code).toBe('PATCH_FILE_MOVED');
  expect(e.message).toBe('docs/guide.txt was renamed/moved upstream to doc/manual/guide.txt');
  expect(e.fix).toContain('doc/manual/guide.txt');
  // Renamed too (another name, same content): found by the hunk's old lines.
  await run('mv', [join(root, 'doc/manual/guide.txt'), join(root, 'doc/manual/handbook.txt')]);
  expect((await rebaseError(applyPatch(root, patch, { strip: 1 }))).message).toBe(
    'docs/guide.txt was renamed/moved upstream to doc/manual/handbook.txt',
  );
  // Forced with the move known (what a stopped rebase leaves): the hunk that applies goes to the
  // new file, the one that does not to a .rej beside it, named as GNU patch names it.
  const two = Buffer.from(
    `--- a/docs/guide.txt\n+++ b/docs/guide.txt\n${hunk(3, 'guide', 'guide 3', 'guide 3 fixed')}${hunk(9, 'guide', 'guide nine', 'guide 9 fixed')}`,
  );
  const forced = await applyPatch(root, two, {
    strip: 1,
    force: true,
    detectApplied: false,
    moved: { 'docs/guide.txt': 'doc/manual/handbook.txt' },
  });
  expect(forced.files.map((f) => [f.path, f.hunks.map((h) => h.status)])).toEqual([['doc/manual/handbook.txt', ['clean', 'failed']]]);
  expect(await readFile(join(root, 'doc/manual/handbook.txt'), 'utf8')).toContain('guide 3 fixed\n');
  expect(await readFile(join(root, 'doc/manual/handbook.txt.rej'), 'utf8')).toMatch(
    /^--- doc\/manual\/handbook.txt\n\+\+\+ doc\/manual\/handbook.txt\n@@ -7,5 \+7,5 @@\n guide 7\n/,
  );
  // -p2 on a -p1 patch: the names exist at another level, and the fix says which.
  const wrong = await rebaseError(
    applyPatch(root, Buffer.from(`--- a/main.txt\n+++ b/main.txt\n${hunk(10, 'main', 'main 10', 'x')}`), { strip: 0 }),
  );
  expect(wrong.code).toBe('PATCH_MISSING_FILE');
  expect(wrong.fix).toContain('-p1');
  // Removed from a directory that is still there: a file of the same name elsewhere whose
  // content does not match is not a move.
  await mkdir(join(root, 'lib'));
  await writeFile(join(root, 'lib/other.txt'), 'other\n');
  const removed = await rebaseError(
    applyPatch(root, Buffer.from(`--- a/lib/main.txt\n+++ b/lib/main.txt\n${hunk(10, 'lib', 'lib 10', 'x')}`), { strip: 1 }),
  );
  expect([removed.code, removed.message]).toEqual(['PATCH_MISSING_FILE', 'lib/main.txt does not exist in the source tree']);
  // Removed upstream: neither moved nor a level.
  const gone = await rebaseError(
    applyPatch(root, Buffer.from(`--- a/gone.c\n+++ b/gone.c\n${hunk(10, 'gone', 'gone 10', 'x')}`), { strip: 1 }),
  );
  expect(gone.code).toBe('PATCH_MISSING_FILE');
  expect(gone.fix).toContain('Upstream removed it');
});
