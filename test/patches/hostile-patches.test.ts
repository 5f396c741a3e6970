/**
 * shared/reference/hostile-inputs.md, "Patches": every case is refused with a typed error that
 * names the file (and hunk), and nothing is written outside the tree or half-applied.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { applyPatch } from '../../src/patches/engine.js';
import { applySeries } from '../../src/services/patches/queue.js';
import { treeSnapshot } from './helpers/tree.js';

let work: string;
let tree: string;
let outside: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-hostile-patch-'));
  tree = join(work, 'tree');
  outside = join(work, 'outside');
  await mkdir(join(tree, 'src'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'victim'), 'precious\n');
  await writeFile(join(tree, 'src', 'a.c'), 'one\ntwo\nthree\n');
  await writeFile(join(tree, 'README'), 'readme\n');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function refused(patch: string, code: string, strip = 1): Promise<PkgtrackError> {
  const before = await treeSnapshot(work);
  let err: unknown;
  try {
    await applyPatch(tree, Buffer.from(patch, 'latin1'), { strip, patchFile: 'debian/patches/evil.patch' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PkgtrackError);
  const e = err as PkgtrackError;
  expect(e.code).toBe(code);
  expect(e.details.file).toBe('debian/patches/evil.patch');
  expect(e.fix).toBeTruthy();
  // Nothing written anywhere: not outside, not half-way inside.
  expect(await treeSnapshot(work)).toEqual(before);
  return e;
}

const create = (name: string) => `--- /dev/null\n+++ ${name}\n@@ -0,0 +1 @@\n+pwned\n`;

describe('hostile patches', () => {
  it('refuses ../ paths', async () => {
    await refused(create('b/../outside/victim2'), 'PATH_ESCAPES');
    await refused('--- a/../outside/victim\n+++ b/../outside/victim\n@@ -1 +1 @@\n-precious\n+pwned\n', 'PATH_ESCAPES');
  });

  it('refuses absolute paths', async () => {
    await refused(create(`${outside}/new`), 'PATH_ABSOLUTE', 0);
    // -p1 would make /etc/victim "etc/victim" inside the tree (GNU patch does): refused instead.
    await refused('--- /etc/victim\n+++ /etc/victim\n@@ -1 +1 @@\n-precious\n+pwned\n', 'PATH_ABSOLUTE', 1);
  });

  it('refuses writing through a symlink in the tree (directory link and file link)', async () => {
    await symlink(outside, join(tree, 'linkdir'));
    await symlink(join(outside, 'victim'), join(tree, 'linkfile'));
    await refused(create('b/linkdir/pwned'), 'PATH_THROUGH_SYMLINK');
    await refused('--- a/linkfile\n+++ b/linkfile\n@@ -1 +1 @@\n-precious\n+pwned\n', 'PATH_THROUGH_SYMLINK');
    expect(await readFile(join(outside, 'victim'), 'utf8')).toBe('precious\n');
  });

  it('refuses ed scripts and normal diffs (GNU patch once ran !cmd from them)', async () => {
    await refused('1a\n!touch /tmp/pkgtrack-pwned\n.\nw\nq\n', 'PATCH_ED_SCRIPT');
    await refused('2c2\n< two\n---\n> TWO\n', 'PATCH_ED_SCRIPT');
  });

  it('refuses file names with newlines', async () => {
    await refused(
      'diff --git "a/src/x\\ny" "b/src/x\\ny"\nnew file mode 100644\n--- /dev/null\n+++ "b/src/x\\ny"\n@@ -0,0 +1 @@\n+x\n',
      'PATCH_BAD_NAME',
    );
  });

  it('refuses patches that write quilt or git metadata', async () => {
    await refused(create('b/.pc/applied-patches'), 'PATCH_PROTECTED_PATH');
    await refused(create('b/.git/hooks/post-checkout'), 'PATCH_PROTECTED_PATH');
  });

  it('refuses binary patches clearly', async () => {
    const e = await refused(
      'diff --git a/logo.png b/logo.png\nindex 1..2 100644\nGIT binary patch\nliteral 3\nKcmZ?wbhN\n',
      'PATCH_BINARY',
    );
    expect(e.message).toContain('logo.png');
  });

  it('refuses symlink creation and setuid modes', async () => {
    await refused(
      'diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+/etc/passwd\n\\ No newline at end of file\n',
      'PATCH_SYMLINK',
    );
    await refused('diff --git a/s b/s\nnew file mode 104755\n--- /dev/null\n+++ b/s\n@@ -0,0 +1 @@\n+x\n', 'PATCH_SETUID');
  });

  it('applies nothing when a later file of the same patch is refused', async () => {
    await refused(`--- a/README\n+++ b/README\n@@ -1 +1 @@\n-readme\n+changed\n${create('b/../outside/x')}`, 'PATH_ESCAPES');
    expect(await readFile(join(tree, 'README'), 'utf8')).toBe('readme\n');
  });

  it('a failing patch names the file and the hunk, and leaves the tree as it was', async () => {
    const patches = join(work, 'patches');
    await mkdir(patches);
    await writeFile(join(patches, 'series'), 'ok.patch\nbad.patch\n');
    await writeFile(join(patches, 'ok.patch'), '--- a/README\n+++ b/README\n@@ -1 +1 @@\n-readme\n+readme ok\n');
    await writeFile(join(patches, 'bad.patch'), '--- a/src/a.c\n+++ b/src/a.c\n@@ -1,3 +1,3 @@\n one\n-deux\n+2\n three\n');
    const e = await applySeries(patches, tree).then(
      () => undefined,
      (x: unknown) => x as PkgtrackError,
    );
    expect(e?.code).toBe('PATCH_FAILED');
    expect(e?.message).toContain('bad.patch');
    expect(e?.message).toContain('hunk #1 of src/a.c');
    expect(e?.details).toMatchObject({ patch: 'bad.patch', target: 'src/a.c', hunk: 1, line: 3 });
    expect(await readFile(join(tree, 'src', 'a.c'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(await readFile(join(tree, 'README'), 'utf8')).toBe('readme ok\n');
  });

  it('series entries cannot leave the patches directory', async () => {
    const patches = join(work, 'patches');
    await mkdir(patches);
    await writeFile(join(patches, 'series'), '../outside/victim\n');
    await expect(applySeries(patches, tree)).rejects.toMatchObject({ code: 'SERIES_PATH', details: { line: 1 } });
  });
});
