/**
 * Rebase with --partial on a queue holding a git rename + mode change + new executable (which
 * must survive the refresh as git headers), a moved hunk, and a conflict. The written queue is
 * then applied by real quilt with --fuzz=0 onto the new upstream and must give our tree.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { applySeries } from '../../src/services/patches/queue.js';
import { rebasePatches } from '../../src/services/patches/rebase.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';
import { demoRecipe, demoRepo, origTarball } from './helpers/demo-repo.js';

let work: string;
let repo: string;
let patches: string;
const lines = (n: number, tag: string) => `${Array.from({ length: n }, (_, i) => `${tag} ${i + 1}`).join('\n')}\n`;

const orig = (version: string, files: Record<string, string>) => origTarball(work, version, files);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-rebase-'));
  ({ repo, patches } = await demoRepo(work));
  await writeFile(
    join(patches, 'rename.patch'),
    'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.org>\nSubject: [PATCH] move docs, make run.sh executable\n\n---\ndiff --git a/docs/old.txt b/docs/new.txt\nsimilarity index 90%\nrename from docs/old.txt\nrename to docs/new.txt\n--- a/docs/old.txt\n+++ b/docs/new.txt\n@@ -4,7 +4,7 @@\n doc 4\n doc 5\n doc 6\n-doc 7\n+doc 7 renamed\n doc 8\n doc 9\n doc 10\ndiff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\ndiff --git a/tool.sh b/tool.sh\nnew file mode 100755\n--- /dev/null\n+++ b/tool.sh\n@@ -0,0 +1,2 @@\n+#!/bin/sh\n+echo tool\n',
  );
  await writeFile(
    join(patches, 'moved.patch'),
    'Description: change main 20\nLast-Update: 2020-01-01\n---\n--- a/main.txt\n+++ b/main.txt\n@@ -18,5 +18,5 @@\n main 18\n main 19\n-main 20\n+main 20 patched\n main 21\n main 22\n',
  );
  await writeFile(
    join(patches, 'conflict.patch'),
    'Description: change main 5\n---\n--- a/main.txt\n+++ b/main.txt\n@@ -3,5 +3,5 @@\n main 3\n main 4\n-main 5\n+main 5 patched\n main 6\n main 7\n',
  );
  await writeFile(join(patches, 'series'), 'rename.patch\nmoved.patch\nconflict.patch\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it('--partial writes the refreshed patches before the conflict, keeping git renames and modes', async () => {
  await orig('1.0', { 'main.txt': lines(30, 'main'), 'docs/old.txt': lines(12, 'doc'), 'run.sh': '#!/bin/sh\n' });
  const v2 = await orig('2.0', {
    'main.txt': `${lines(3, 'top')}${lines(30, 'main').replace('main 5\n', 'main five\n')}`,
    'docs/old.txt': `intro\n${lines(12, 'doc')}`,
    'run.sh': '#!/bin/sh\n',
  });
  const conflictBefore = await readFile(join(patches, 'conflict.patch'));
  const r = await rebasePatches('demo', { to: '2.0', orig: v2, partial: true, recipesDir: repo });
  expect(r.patches.map((p) => [p.name, p.action])).toEqual([
    ['rename.patch', 'refreshed'],
    ['moved.patch', 'refreshed'],
    ['conflict.patch', 'conflict'],
  ]);
  expect(r.conflict).toMatchObject({ patch: 'conflict.patch', file: 'main.txt', hunk: 1 });
  expect(await readFile(join(r.conflict!.rejectDir, 'main.txt.rej'), 'utf8')).toContain('+main 5 patched');
  expect(await readFile(join(patches, 'conflict.patch'))).toEqual(conflictBefore);
  const renamed = await readFile(join(patches, 'rename.patch'), 'utf8');
  // The git mail header is kept byte for byte; the refreshed diff keeps rename and modes.
  expect(renamed).toMatch(
    /^From 1{40} Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.org>\nSubject: \[PATCH\] move docs, make run.sh executable\n\n---\n/,
  );
  expect(renamed).toContain('rename from docs/old.txt\nrename to docs/new.txt\n');
  expect(renamed).toContain('old mode 100644\nnew mode 100755\n');
  expect(renamed).toContain('new file mode 100755\n');
  expect(await readFile(join(patches, 'moved.patch'), 'utf8')).toMatch(
    /^Description: change main 20\nLast-Update: (?!2020)\d{4}-\d\d-\d\d\n---\n--- a\/main.txt\n\+\+\+ b\/main.txt\n@@ -20,7 \+20,7 @@/,
  );

  // Real quilt, no fuzz, applies the two refreshed patches onto 2.0 and agrees with pkgtrack.
  const quiltTree = join(work, 'quilt');
  const oursTree = join(work, 'ours');
  for (const d of [quiltTree, oursTree]) {
    await mkdir(d);
    await run('tar', ['-xzf', v2, '-C', d, '--strip-components=1']);
  }
  const upTo = join(work, 'two-patches');
  await mkdir(upTo);
  for (const f of ['rename.patch', 'moved.patch']) await writeFile(join(upTo, f), await readFile(join(patches, f)));
  await writeFile(join(upTo, 'series'), 'rename.patch\nmoved.patch\n');
  await run('quilt', ['push', '-a', '-q', '--fuzz=0'], { cwd: quiltTree, env: { QUILT_PATCHES: upTo, QUILT_PC: '.pc' } });
  await rm(join(quiltTree, '.pc'), { recursive: true, force: true });
  const ours = await applySeries(upTo, oursTree);
  expect(ours.patches.map((p) => p.worst)).toEqual(['clean', 'clean']);
  expect(diffSnapshots(await treeSnapshot(quiltTree), await treeSnapshot(oursTree))).toEqual([]);
});

it('drops the hunks upstream merged and keeps the rest of the patch', async () => {
  const dir = join(repo, 'recipes', 'demo2');
  await demoRecipe(repo, 'demo2');
  await writeFile(
    join(dir, 'patches', 'two-fixes.patch'),
    'Description: two fixes\nForwarded: https://example.org/pr/3\n---\n--- a/main.txt\n+++ b/main.txt\n@@ -4,5 +4,5 @@\n main 4\n main 5\n-main 6\n+main 6 fixed\n main 7\n main 8\n@@ -19,5 +19,5 @@\n main 19\n main 20\n-main 21\n+main 21 fixed\n main 22\n main 23\n',
  );
  await writeFile(join(dir, 'patches', 'series'), 'two-fixes.patch\n');
  // Upstream 2.0 took the first fix only.
  const v2 = await orig('demo2-2.0', { 'main.txt': lines(30, 'main').replace('main 6\n', 'main 6 fixed\n') });
  const r = await rebasePatches('demo2', { to: '2.0', orig: v2, recipesDir: repo });
  expect(r.patches).toEqual([{ name: 'two-fixes.patch', action: 'refreshed', reason: 'main.txt #1 merged upstream, dropped' }]);
  const refreshed = await readFile(join(dir, 'patches', 'two-fixes.patch'), 'utf8');
  expect(refreshed).toContain('+main 21 fixed');
  expect(refreshed).not.toContain('main 6 fixed');
  // Real patch agrees the refreshed patch applies cleanly to 2.0.
  const t = join(work, 'demo2-check');
  await mkdir(t);
  await run('tar', ['-xzf', v2, '-C', t, '--strip-components=1']);
  await run('patch', ['-p1', '-F0', '--dry-run', '-s', '-i', join(dir, 'patches', 'two-fixes.patch')], { cwd: t });
});
