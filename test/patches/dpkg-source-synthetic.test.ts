/**
 * What the real packages in debian-real.test.ts lack: a git rename with changes, a git mode
 * change, a new executable file, and a -p0 patch. A source package carrying them is built with
 * `dpkg-source -b`, unpacked with `dpkg-source -x` and by pkgtrack; trees must be identical.
 * dpkg-source ignores -pN in a series (always -p1), so the -p0 patch is compared against real
 * quilt, and against dpkg-source after pkgtrack rewrote it to -p1 for debian/patches.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { rewriteStrip } from '../../src/patches/normalize.js';
import { applySeries } from '../../src/services/patches/queue.js';
import { unpackDebianSource } from '../../src/services/patches/debian-source.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-synth-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const lines = (n: number, tag: string) => `${Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`).join('\n')}\n`;

const PATCHES: Record<string, string> = {
  'p0-style.patch': `Description: a patch made with plain diff in the tree, applied with -p0
Forwarded: not-needed
---
--- src/main.c.orig\t2024-01-01 00:00:00.000000000 +0000
+++ src/main.c\t2024-01-01 00:00:01.000000000 +0000
@@ -3,6 +3,7 @@
 main line 3
 main line 4
 main line 5
+main line 5b (p0)
 main line 6
 main line 7
 main line 8
`,
  'git-rename.patch': `From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Dev <dev@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Subject: [PATCH] rename old.txt to new.txt and change it

Upstream-Status: Submitted [https://example.org/pr/1]
---
diff --git a/docs/old.txt b/docs/new.txt
similarity index 90%
rename from docs/old.txt
rename to docs/new.txt
index 1234567..89abcde 100644
--- a/docs/old.txt
+++ b/docs/new.txt
@@ -1,4 +1,4 @@
 doc line 1
-doc line 2
+doc line 2 (renamed)
 doc line 3
 doc line 4
diff --git a/tools/run.sh b/tools/run.sh
old mode 100644
new mode 100755
diff --git a/tools/new-tool.sh b/tools/new-tool.sh
new file mode 100755
index 0000000..1111111
--- /dev/null
+++ b/tools/new-tool.sh
@@ -0,0 +1,2 @@
+#!/bin/sh
+echo new
`,
  'offset.patch': `Description: applies 3 lines lower than it says (offset)
---
--- a/src/main.c
+++ b/src/main.c
@@ -7,3 +7,3 @@
 main line 7
-main line 8
+main line 8 (offset)
 main line 9
`,
};

it('dpkg-source -x and pkgtrack agree on -p0, renames, modes and new files', async () => {
  const src = join(work, 'synth-1.0');
  await mkdir(join(src, 'src'), { recursive: true });
  await mkdir(join(src, 'docs'), { recursive: true });
  await mkdir(join(src, 'tools'), { recursive: true });
  await writeFile(join(src, 'src', 'main.c'), lines(12, 'main'));
  await writeFile(join(src, 'docs', 'old.txt'), lines(4, 'doc'));
  await writeFile(join(src, 'tools', 'run.sh'), '#!/bin/sh\necho run\n');
  await run('tar', ['-czf', join(work, 'synth_1.0.orig.tar.gz'), '-C', work, 'synth-1.0']);
  const deb = join(src, 'debian');
  await mkdir(join(deb, 'source'), { recursive: true });
  await mkdir(join(deb, 'patches'), { recursive: true });
  await writeFile(join(deb, 'source', 'format'), '3.0 (quilt)\n');
  await writeFile(
    join(deb, 'control'),
    'Source: synth\nMaintainer: T <t@example.org>\n\nPackage: synth\nArchitecture: all\nDescription: test\n x\n',
  );
  await writeFile(
    join(deb, 'changelog'),
    'synth (1.0-1) unstable; urgency=medium\n\n  * test\n\n -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n',
  );
  await writeFile(join(deb, 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n');
  await chmod(join(deb, 'rules'), 0o755);
  for (const [name, body] of Object.entries(PATCHES)) await writeFile(join(deb, 'patches', name), body);
  // dpkg-source only knows -p1: debian/patches gets the -p0 patch rewritten by pkgtrack.
  const p0 = PATCHES['p0-style.patch']!;
  await writeFile(join(deb, 'patches', 'p0-style.patch'), rewriteStrip(Buffer.from(p0, 'latin1'), 0).toString('latin1'));
  await writeFile(join(deb, 'patches', 'series'), '# comment\np0-style.patch\n\ngit-rename.patch\noffset.patch   # trailing comment\n');
  // Built from the unpatched tree; dpkg-source -b checks that the series applies.
  await run('dpkg-source', ['-b', 'synth-1.0'], { cwd: work, env: { LC_ALL: 'C.UTF-8' } });
  await run('dpkg-source', ['--no-check', '-x', 'synth_1.0-1.dsc', 'ref'], { cwd: work, env: { LC_ALL: 'C.UTF-8' } });
  const ours = await unpackDebianSource(join(work, 'synth_1.0-1.dsc'), join(work, 'ours'));
  expect(ours.queue?.ok).toBe(true);
  const statuses = ours.queue!.patches.map((p) => [p.name, p.strip, p.worst]);
  expect(statuses).toEqual([
    ['p0-style.patch', 1, 'clean'],
    ['git-rename.patch', 1, 'clean'],
    ['offset.patch', 1, 'offset'],
  ]);
  expect(ours.queue!.patches[1]!.files.map((f) => [f.op, f.path])).toEqual([
    ['rename', 'docs/new.txt'],
    ['modify', 'tools/run.sh'],
    ['create', 'tools/new-tool.sh'],
  ]);
  const skip = (rel: string) => rel === '.pc' || rel.startsWith('.pc/');
  expect(diffSnapshots(await treeSnapshot(join(work, 'ref'), skip), await treeSnapshot(join(work, 'ours'), skip))).toEqual([]);
});

it('quilt push -a and pkgtrack agree on a series with -p0 and -p1 patches', async () => {
  const base = join(work, 'quilt-base');
  await mkdir(join(base, 'src'), { recursive: true });
  await mkdir(join(base, 'docs'), { recursive: true });
  await mkdir(join(base, 'tools'), { recursive: true });
  await writeFile(join(base, 'src', 'main.c'), lines(12, 'main'));
  await writeFile(join(base, 'docs', 'old.txt'), lines(4, 'doc'));
  await writeFile(join(base, 'tools', 'run.sh'), '#!/bin/sh\necho run\n');
  const patches = join(work, 'quilt-patches');
  await mkdir(patches, { recursive: true });
  for (const [name, body] of Object.entries(PATCHES)) await writeFile(join(patches, name), body);
  await writeFile(join(patches, 'series'), 'p0-style.patch -p0\ngit-rename.patch\noffset.patch -p1\n');
  await run('cp', ['-a', base, join(work, 'quilt-ref')]);
  await run('cp', ['-a', base, join(work, 'quilt-ours')]);
  await run('quilt', ['push', '-a', '-q'], {
    cwd: join(work, 'quilt-ref'),
    env: { QUILT_PATCHES: patches, QUILT_PC: '.pc', LC_ALL: 'C.UTF-8' },
  });
  const ours = await applySeries(patches, join(work, 'quilt-ours'));
  expect(ours.patches.map((p) => [p.name, p.strip, p.status])).toEqual([
    ['p0-style.patch', 0, 'applied'],
    ['git-rename.patch', 1, 'applied'],
    ['offset.patch', 1, 'applied'],
  ]);
  const skip = (rel: string) => rel === '.pc' || rel.startsWith('.pc/');
  expect(diffSnapshots(await treeSnapshot(join(work, 'quilt-ref'), skip), await treeSnapshot(join(work, 'quilt-ours'), skip))).toEqual([]);
});
