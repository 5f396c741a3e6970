/**
 * Mutation fuzzing of the readers that take untrusted patch-queue and recipe text: quilt series
 * files, DEP-3 and git format-patch headers, unified diffs (parsed and applied to a small tree
 * beside a symlink that leads out of it), RPM .spec files, debian/changelog, recipe and
 * repository YAML and zip archives. Small real inputs kept here are mutated: bytes flipped, set,
 * cut, duplicated or removed, lines dropped, repeated, swapped or made huge, CRLF, @@ numbers
 * set to huge, negative or zero values, file names rewritten to ../, absolute, NUL, overlong and
 * symlinked paths, YAML anchors, deep nesting and duplicate keys. Every outcome must be a result
 * or a PkgtrackError with a code, within 2 s, and an apply may write nothing outside its tree.
 * Then each bug such a campaign found, minimized.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changelogHead, debPackageVersion } from '../../src/builders/deb/changelog.js';
import type { PkgtrackError } from '../../src/core/errors.js';
import { findPatchMacros, findSetupMacros, parseSpecOutline, specBuildRequires } from '../../src/formats/spec.js';
import { recipeSchema, repositorySchema } from '../../src/recipe/schema.js';
import { parseYaml } from '../../src/recipe/validate.js';
import { changelogFromDiff } from '../../src/repo/apt/changelogs.js';
import { applyHunks } from '../../src/patches/hunk-apply.js';
import { applyPatch, parsePatchBytes } from '../../src/patches/engine.js';
import { extractArchive } from '../../src/patches/extract.js';
import { headerDate, parsePatchHeader, setHeaderField } from '../../src/patches/header.js';
import { formatSeries, parseSeries } from '../../src/patches/series.js';
import { parseSpec } from '../../src/patches/spec-import.js';
import { readZipEntries } from '../../src/patches/zip.js';
import { tempDir } from '../helpers/cli.js';
import { byteMutation as mutate } from '../helpers/mutate.js';
import { badOutcome, failuresOf, thrownPkgtrackError as thrown } from '../helpers/outcome.js';
import { spawnAsync } from '../helpers/process.js';
import { randomInt as int, randomPick as pick, type Rnd, seededRandom } from '../helpers/random.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

const byteMutation = (rnd: Rnd, src: Uint8Array) =>
  mutate(rnd, src, {
    edits: 3,
    range: 256,
    insert: 8,
    special: [0x00, 0xff, 0x0a, 0x0d, 0x20, 0x2d, 0x2b, 0x40, 0x2f, 0x2e, 0x09, 0x22, 0x25, 0x26, 0x2a],
  });

const SEED = 0x9a7c_4e5;

// ---------------------------------------------------------------- seeds (small, real shapes)

const DEP3 = `Description: Tell users where packaging problems go
 Packaging bugs belong to the repository that built the package.
 .
 Second paragraph.
Author: Example Maintainer <maint@example.org>
Bug-Debian: https://bugs.debian.org/716235
Forwarded: not-needed
Last-Update: 2024-11-21
---
Index: hello/README
===================================================================
--- hello.orig/README
+++ hello/README
@@ -2,6 +2,9 @@
 
 Home page: https://www.gnu.org/software/hello/
 
+This build of GNU Hello is packaged with pkgtrack; report packaging
+problems to the repository maintainer.
+
 Developer page: https://savannah.gnu.org/projects/hello/
 - please file bug reports, patches and feature requests here if
   possible (otherwise, feel free to use the mailing list)
--- hello.orig/src/hello.c
+++ hello/src/hello.c
@@ -1,5 +1,5 @@
 #include <stdio.h>
-int main(void)
+int main(int argc, char **argv)
 {
   puts("hello");
   return 0;
`;

const GIT = `From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001
From: =?UTF-8?q?Tina=20M=C3=BCller?= <tm@example.org>
Date: Wed, 29 Jan 2025 21:17:28 +0100
Subject: [PATCH 2/3] Install to /usr, not /usr/local

Origin: https://github.com/example/x/commit/5fe9daed726c06900c3cd41a739460057bec6dc3
Signed-off-by: A <a@example.org>
---
 Makefile | 2 +-
 2 files changed

diff --git a/Makefile b/Makefile
index ecb3265..b74720c 100644
--- a/Makefile
+++ b/Makefile
@@ -1,4 +1,4 @@
 # config.mak is included automatically if it exists.
-prefix = /usr/local
+prefix = /usr
 bindir = $(prefix)/bin
 PROG = microsocks
diff --git a/docs/old.txt b/docs/new.txt
similarity index 90%
rename from docs/old.txt
rename to docs/new.txt
index 1111111..2222222 100644
--- a/docs/old.txt
+++ b/docs/new.txt
@@ -1,2 +1,2 @@
 docs
-old
+new
\\ No newline at end of file
diff --git a/NEWS b/NEWS
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/NEWS
@@ -0,0 +1,2 @@
+news
+more
--
2.47.0
`;

const SERIES = `# Applied in order
fix-build.patch
upstream/0001-cve.patch -p1
debian-specific.diff -p0
 # indented comment
tests.patch #trailing comment
`;

const SPEC = `%global commit 5fe9daed
%define sname hello
Name:           %{sname}
Version:        2.12
Release:        1%{?dist}
Summary:        example package
License:        GPL-3.0-or-later
URL:            https://www.gnu.org/software/hello/
Source0:        https://ftp.gnu.org/gnu/%{name}/%{name}-%{version}.tar.gz
# Fix the build with GCC 14
# (sent upstream)
Patch0:         hello-gcc14.patch
Patch1:         %{name}-%{commit}.patch
Patch:          seq.patch
BuildRequires:  gcc, make >= 4
BuildRequires:  gettext

%description
GNU Hello.

%prep
%setup -q
%patch0 -p1
%patch -P 1 -p0
%autopatch -p1

%build
%configure
%make_build

%changelog
* Sat Nov 21 2026 A <a@example.org> - 2.12-1
- first
`;

const CHANGELOG = `hello (2.12-3) unstable; urgency=medium

  * Tell users where packaging problems go.

 -- Example Maintainer <maint@example.org>  Sat, 21 Nov 2026 12:00:00 +0000

hello (1:2.10-2) unstable; urgency=low

  * Older.

 -- Example Maintainer <maint@example.org>  Mon, 01 Jan 2024 00:00:00 +0000
`;

const RECIPE = `name: hello
summary: example package based on GNU hello
homepage: https://www.gnu.org/software/hello/
license: GPL-3.0-or-later
upstream:
  kind: debian
  package: hello
  suite: sid
versions:
  tagPattern: '^(?<version>\\d+(\\.\\d+)+)$'
revision: "1"
targets:
  - debian:bookworm
  - fedora:41
channels:
  stable:
    enabled: true
build:
  lintianFailOn: error
`;

const REPOSITORY = `name: examples
origin: examples
label: examples
description: Example packages
maintainer: Example Maintainers <maintainers@example.org>
output: public
targets:
  - debian:bookworm
signing:
  key: keys/signing.key
retention:
  keep: 3
`;

/** A zip of `entries` (stored or deflated), as zip(1) writes one: local headers, central directory, end record. */
function makeZip(entries: Array<{ name: string; data: string; deflate?: boolean; mode?: number }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = Buffer.from(e.data);
    const body = e.deflate ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE((3 << 8) | 20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc32(data), 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    central.push(cd, name);
    offset += 30 + name.length + body.length;
  }
  const cdBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBytes, end]);
}

const ZIP = makeZip([
  { name: 'pkg-1.0/README', data: 'hello\n'.repeat(40), deflate: true },
  { name: 'pkg-1.0/src/a.c', data: 'int x;\n' },
  { name: 'pkg-1.0/link', data: '../README', mode: 0o120777 },
]);

// ---------------------------------------------------------------- mutations

// Far past any file, yet small enough that a search counting up to them would only be slow: the
// numbers that used to hang (10^11, past 2^53) are the child-process cases below.
const BAD_NUMBERS = ['0', '-1', '1', '99999999', '65536', '', '1e5', '0x10'];
const BAD_PATHS = [
  '../../etc/x',
  'a/../../x',
  '/etc/passwd',
  'a/b\u0000c',
  '"a/\\056\\056/x"',
  'a//..//x',
  'a/link/x',
  'b/linkfile',
  'a/.pc/x',
  'a/.git/config',
  '/dev/null',
  '"a/x\\ny"',
  `a/${'y'.repeat(300)}`,
  `${'z'.repeat(300)}/src/hello.c`,
];
const LINES = [
  '@@ -0,0 +0,0 @@',
  '@@ -1 +1 @@',
  '@@ -99999999,2 +99999999,3 @@',
  '@@ -1,99999999 +1,99999999 @@',
  '@@ -50,0 +51,2 @@',
  '\\ No newline at end of file',
  '--- /dev/null',
  '+++ /dev/null',
  'diff --git ',
  'diff --git a/x',
  'new file mode 120000',
  'new mode 106755',
  'deleted file mode 100644',
  'rename from ../x',
  'rename to ../../y',
  'copy from /etc/passwd',
  'GIT binary patch',
  '1a',
  '*** a',
  '',
  ' ',
  '+',
  `+${'z'.repeat(20_000)}`,
  ' .',
  'Subject: =?x-unknown?b?w6k=?=',
  'Last-Update: 99999-99-99',
  'Upstream-Status: [x',
  'a -p99999999999999999999',
  '../x.patch',
  '%global x %{x}%{x}%{x}%{x}',
  'Patch99999999999999999999: ../x.patch',
  '%patch -P 99999999999999999999 -p',
  'a: &a [1,1,1,1,1,1,1,1,1]',
  'b: [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  `x: ${'['.repeat(3000)}`,
  'name: b',
  '\tname: x',
  '<<: {name: x}',
  '__proto__: {polluted: 1}',
];

/** Line-level damage, the kind a hand edit, a bad merge or a hostile author makes. */
function lineMutation(rnd: Rnd, text: string): string {
  const lines = text.split('\n');
  for (let k = 1 + int(rnd, 3); k > 0; k--) {
    const i = int(rnd, lines.length);
    const line = lines[i] ?? '';
    switch (int(rnd, 10)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, ...lines.slice(i, i + 1 + int(rnd, 8)));
        break;
      case 2:
        lines.splice(i, 0, pick(rnd, LINES));
        break;
      case 3: {
        // An @@ number (any of the four) set to a bad value.
        const at = lines.findIndex((l, j) => j >= i && l.startsWith('@@'));
        const j = at >= 0 ? at : lines.findIndex((l) => l.startsWith('@@'));
        if (j < 0) break;
        let n = 0;
        const which = int(rnd, 4);
        lines[j] = lines[j]!.replace(/\d+/g, (m) => (n++ === which ? pick(rnd, BAD_NUMBERS) : m));
        break;
      }
      case 4: {
        const j = lines.findIndex((l, x) => x >= i && /^(---|\+\+\+|diff --git|rename|copy) /.test(l));
        if (j < 0) break;
        const p = pick(rnd, BAD_PATHS);
        lines[j] = lines[j]!.startsWith('diff --git')
          ? `diff --git ${p} ${pick(rnd, [p, 'b/x'])}`
          : lines[j]!.replace(/^((?:---|\+\+\+|rename from|rename to|copy from|copy to) )\S*/, `$1${p}`);
        break;
      }
      case 5:
        lines[i] = line + 'x'.repeat(pick(rnd, [100, 5000]));
        break;
      case 6:
        lines.length = i;
        break;
      case 7: {
        const j = int(rnd, lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', line];
        break;
      }
      case 8:
        lines[i] = `${line}\r`;
        break;
      default:
        lines[i] = byteMutation(rnd, Buffer.from(line, 'latin1')).toString('latin1');
    }
  }
  return lines.join(rnd() < 0.05 ? '\r\n' : '\n');
}

function textMutation(rnd: Rnd, text: string): string {
  let t = text;
  for (let r = 1 + int(rnd, 2); r > 0; r--) {
    t = rnd() < 0.6 ? lineMutation(rnd, t) : byteMutation(rnd, Buffer.from(t, 'latin1')).toString(rnd() < 0.5 ? 'latin1' : 'utf8');
  }
  return t;
}

// ---------------------------------------------------------------- outcomes

let work: string;
beforeAll(() => {
  work = tempDir('pkgtrack-fuzz-patches-');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * A tree the seed patch applies to (each file holds its hunks' old lines at their line numbers),
 * beside `outside/` and with links to it in the tree: `link` (a directory) and `linkfile`.
 */
function seedTree(box: string, patch: string): string {
  rmSync(box, { recursive: true, force: true });
  const tree = join(box, 'tree');
  mkdirSync(join(box, 'outside'), { recursive: true });
  mkdirSync(tree);
  writeFileSync(join(box, 'outside', 'victim'), 'precious\n');
  symlinkSync(join(box, 'outside'), join(tree, 'link'));
  symlinkSync(join(box, 'outside', 'victim'), join(tree, 'linkfile'));
  for (const fp of parsePatchBytes(Buffer.from(patch, 'latin1'))) {
    if (fp.op === 'create' || fp.oldName === undefined) continue;
    const rel = fp.oldName.slice(fp.oldName.indexOf('/') + 1);
    const lines: string[] = [];
    for (const h of fp.hunks) {
      while (lines.length < h.oldStart - 1) lines.push(`filler ${lines.length + 1}`);
      for (const l of h.lines) if (l.kind !== '+') lines.push(l.text);
    }
    mkdirSync(join(tree, rel, '..'), { recursive: true });
    writeFileSync(join(tree, rel), `${lines.join('\n')}\n`);
  }
  return tree;
}

describe('mutated patch queues, specs, changelogs, recipes and zips: a result or a coded PkgtrackError, in time', () => {
  it(`series, patch headers, diffs, specs and changelogs, 600 mutations (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const failures: string[] = [];
    for (let step = 0; step < 600; step++) {
      const kind = pick(rnd, ['series', 'patch', 'patch', 'spec', 'changelog'] as const);
      if (kind === 'series') {
        const t = textMutation(rnd, SERIES);
        failures.push(
          ...(await failuresOf(step, [badOutcome('parseSeries', () => formatSeries(parseSeries(t, 'debian/patches/series')))])),
        );
      } else if (kind === 'patch') {
        const t = textMutation(rnd, pick(rnd, [DEP3, GIT]));
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('parsePatchHeader', () => {
              const h = parsePatchHeader(t);
              headerDate(h);
              return setHeaderField(h.raw, 'Last-Update', '2025-01-01');
            }),
            badOutcome('parsePatchBytes + applyHunks', () => {
              for (const f of parsePatchBytes(Buffer.from(t, 'latin1'), 'debian/patches/x.patch')) {
                applyHunks('one\ntwo\nthree\n', f.hunks, { fuzz: 2, partial: true });
                applyHunks('', f.hunks, { reverse: true });
              }
            }),
          ])),
        );
      } else if (kind === 'spec') {
        const t = textMutation(rnd, SPEC);
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('parseSpec', () => parseSpec(t)),
            badOutcome('parseSpecOutline', () => {
              const o = parseSpecOutline(t);
              return [findSetupMacros(o), findPatchMacros(o), specBuildRequires(t)];
            }),
          ])),
        );
      } else {
        const t = textMutation(rnd, CHANGELOG);
        const diff = `--- x.orig/debian/changelog\n+++ x/debian/changelog\n@@ -0,0 +1,${t.split('\n').length} @@\n${t.replace(/^/gm, '+')}\n`;
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('changelogHead', () => {
              const head = changelogHead(t);
              return head && debPackageVersion('2.12', '1', '~bpo12+1', head);
            }),
            badOutcome('changelogFromDiff', () => changelogFromDiff(textMutation(rnd, diff))),
          ])),
        );
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`applying mutated patches to a tree with links out of it, 300 mutations (seed ${SEED + 1})`, async () => {
    const rnd = seededRandom(SEED + 1);
    const box = join(work, 'apply');
    const failures: string[] = [];
    for (let step = 0; step < 300; step++) {
      const seed = pick(rnd, [DEP3, GIT]);
      const tree = seedTree(box, seed);
      const before = await treeSnapshot(box, (rel) => rel === 'tree' || rel.startsWith('tree/'));
      const t = textMutation(rnd, seed);
      const opts = {
        strip: rnd() < 0.9 ? 1 : pick(rnd, [0, 2]),
        fuzz: pick(rnd, [0, 2]),
        patchFile: 'debian/patches/x.patch',
        ...(rnd() < 0.3 ? { force: true } : {}),
        ...(rnd() < 0.2 ? { preferReverse: true } : {}),
        ...(rnd() < 0.2 ? { skipMerged: true } : {}),
      };
      const what = `applyPatch ${JSON.stringify(opts)} ${JSON.stringify(t.slice(0, 400))}`;
      failures.push(...(await failuresOf(step, [badOutcome(what, () => applyPatch(tree, Buffer.from(t, 'latin1'), opts))])));
      const outside = diffSnapshots(before, await treeSnapshot(box, (rel) => rel === 'tree' || rel.startsWith('tree/')));
      const links = Object.entries(await treeSnapshot(tree)).filter(([k, v]) => v.startsWith('link') && k !== 'link' && k !== 'linkfile');
      if (outside.length || links.length)
        failures.push(`step ${step}: ${what} wrote outside the tree: ${[...outside, ...links].join(', ')}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`recipe and repository YAML, zip archives, 400 mutations (seed ${SEED + 2})`, async () => {
    const rnd = seededRandom(SEED + 2);
    const zipFile = join(work, 'mutated.zip');
    const failures: string[] = [];
    for (let step = 0; step < 400; step++) {
      if (step % 2 === 0) {
        const repo = rnd() < 0.3;
        const t = textMutation(rnd, repo ? REPOSITORY : RECIPE);
        const file = 'recipes/hello/recipe.yaml';
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('parseYaml', () => {
              try {
                parseYaml(t, file, repo ? repositorySchema : recipeSchema, repo ? 'repository configuration' : 'recipe');
              } catch (e) {
                // Every problem names the file, and the line when it has one (an alias bomb is the whole document's).
                const all = (e as { errors?: PkgtrackError[] }).errors ?? [e as PkgtrackError];
                const unplaced = all.filter(
                  (x) => x.details?.file !== file || (x.code !== 'YAML_ALIASES' && !(Number(x.details.line) >= 1)),
                );
                if (unplaced.length) throw new Error(`not at file:line: ${unplaced.map((x) => `${x.code} ${x.message}`).join('; ')}`);
                throw e;
              }
            }),
          ])),
        );
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      } else {
        writeFileSync(zipFile, byteMutation(rnd, ZIP));
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('readZipEntries', async () => {
              for (const e of await readZipEntries(zipFile, 1 << 20)) await e.data();
            }),
          ])),
        );
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------- what the campaign found

/** A tree in `work` with `f` = "a\nb\nc\n". */
function smallTree(name: string): string {
  const tree = join(work, name);
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'f'), 'a\nb\nc\n');
  return tree;
}

describe('minimized repros', () => {
  it('an @@ line number far past the end of the file: found like GNU patch, not a search from it down to the file (hunk-apply)', async () => {
    // In a child process: before the fix the search counted 10^11 offsets, and a test cannot interrupt it.
    const at = (file: string) => JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'patches', file));
    const tree = smallTree('far');
    const code = `import { applyPatch } from ${at('engine.ts')};
import { readFileSync } from 'node:fs';
for (const p of ['--- a/f\\n+++ b/f\\n@@ -99999999999,1 +99999999999,1 @@\\n-b\\n+B\\n', '--- a/f\\n+++ b/f\\n@@ -99999999999,1 +1,1 @@\\n-B\\n+b\\n@@ -3,1 +3,1 @@\\n-c\\n+C\\n']) {
  const r = await applyPatch(${JSON.stringify(tree)}, Buffer.from(p), {});
  console.log(r.status, r.files[0].hunks.map((h) => h.at + ':' + h.offset).join(' '), JSON.stringify(readFileSync(${JSON.stringify(join(tree, 'f'))}, 'utf8')));
}`;
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      timeoutMs: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal).toBeNull();
    // GNU patch: "Hunk #1 succeeded at 2 (offset -99999999997 lines)", then hunk #2 at its own line.
    expect(r.stdout.trim().split('\n')).toEqual(['applied 2:-99999999997 "a\\nB\\nc\\n"', 'applied 2:-99999999997 3:0 "a\\nb\\nC\\n"']);
  });

  it('an @@ line number past 2^53: PATCH_MALFORMED, not an endless search (diff-parse)', async () => {
    const at = (file: string) => JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'patches', file));
    const tree = smallTree('huge');
    const code = `import { applyPatch } from ${at('engine.ts')};
try { await applyPatch(${JSON.stringify(tree)}, Buffer.from('--- a/f\\n+++ b/f\\n@@ -${'9'.repeat(30)},1 +1,1 @@\\n-b\\n+B\\n'), { patchFile: 'x.patch' }); console.log('applied'); }
catch (e) { console.log(e.code, e.details.file + ':' + e.details.line); }`;
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      timeoutMs: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe('PATCH_MALFORMED x.patch:3');
  });

  it('a pure addition named past the end of the file goes at the end (was a TypeError on lines that are not there)', async () => {
    const tree = smallTree('append');
    const r = await applyPatch(tree, Buffer.from('--- a/f\n+++ b/f\n@@ -50,0 +51,1 @@\n+X\n'));
    expect([r.status, r.files[0]!.hunks[0]!.at]).toEqual(['applied', 4]);
    expect(readFileSync(join(tree, 'f'), 'utf8')).toBe('a\nb\nc\nX\n');
  });

  it('a "diff --git" line naming no file: PATCH_MALFORMED, not a TypeError (diff-parse)', async () => {
    const tree = smallTree('gitnames');
    for (const p of ['diff --git \n', 'diff --git a/f\nrename to g\n', 'diff --git \n--- /dev/null\n+++ /dev/null\n']) {
      const e = await thrown(() => applyPatch(tree, Buffer.from(p), { patchFile: 'x.patch' }));
      expect([e.code, e.details.file, e.details.line]).toEqual(['PATCH_MALFORMED', 'x.patch', 1]);
    }
  });

  it('a file name longer than any file can have: PATH_TOO_LONG, not ENAMETOOLONG (engine, moved-file, safe-path)', async () => {
    const tree = smallTree('long');
    const long = 'y'.repeat(300);
    let e = await thrown(() =>
      applyPatch(tree, Buffer.from(`--- a/f\n+++ b/${long}\n@@ -1 +1 @@\n-a\n+A\n`), { patchFile: 'x.patch', force: true }),
    );
    expect([e.code, e.details.file]).toEqual(['PATH_TOO_LONG', 'x.patch']);
    // Only the part -p1 strips is too long: the file is missing, and the -pN check skips that name.
    e = await thrown(() => applyPatch(tree, Buffer.from(`--- ${long}/g\n+++ ${long}/g\n@@ -1 +1 @@\n-z\n+Z\n`)));
    expect(e.code).toBe('PATCH_MISSING_FILE');
    // An archive entry of that name (zip, tar): refused before the lstat that checks for links.
    writeFileSync(join(work, 'long.zip'), makeZip([{ name: `pkg/${long}`, data: 'x' }]));
    e = await thrown(() => extractArchive(join(work, 'long.zip'), join(work, 'long-out')));
    expect([e.code, e.details.entry]).toEqual(['PATH_TOO_LONG', `pkg/${long}`]);
  });

  it('a series -pN past 2^53: SERIES_OPTION (was read as 1e20, written back as "-p1e+20")', () => {
    expect(() => parseSeries('ok.patch\nx.patch -p99999999999999999999\n', 'debian/patches/series')).toThrow(
      expect.objectContaining({ code: 'SERIES_OPTION', details: { file: 'debian/patches/series', line: 2 } }),
    );
    expect(formatSeries(parseSeries('x.patch -p 2\n'))).toBe('x.patch -p2\n');
  });

  it('a zip whose central directory points past the end, or cuts a stored entry: ARCHIVE_CORRUPT (was a RangeError, or short data)', async () => {
    const file = join(work, 'broken.zip');
    const zip = makeZip([{ name: 'pkg/a', data: 'hello' }]);
    const past = Buffer.from(zip);
    past.writeUInt32LE(0x30000, zip.length - 22 - 46 - 5 + 42); // the entry's local header offset
    writeFileSync(file, past);
    let e = await thrown(async () => (await readZipEntries(file, 1 << 20))[0]!.data());
    expect([e.code, e.message]).toEqual(['ARCHIVE_CORRUPT', 'broken.zip is not a valid zip archive: broken local header for pkg/a']);
    const cut = Buffer.from(zip);
    cut.writeUInt32LE(5000, zip.length - 22 - 46 - 5 + 20); // compressed size
    cut.writeUInt32LE(5000, zip.length - 22 - 46 - 5 + 24); // size
    writeFileSync(file, cut);
    e = await thrown(async () => (await readZipEntries(file, 1 << 20))[0]!.data());
    expect([e.code, e.message]).toEqual(['ARCHIVE_CORRUPT', 'broken.zip is not a valid zip archive: entry pkg/a is cut short']);
  });
});

describe('seeds', () => {
  it('every seed reads and applies whole before it is mutated', async () => {
    expect(parseSeries(SERIES).map((e) => `${e.name} -p${e.strip}`)).toEqual([
      'fix-build.patch -p1',
      'upstream/0001-cve.patch -p1',
      'debian-specific.diff -p0',
      'tests.patch -p1',
    ]);
    for (const seed of [DEP3, GIT]) {
      const r = await applyPatch(seedTree(join(work, 'seed'), seed), Buffer.from(seed));
      expect([r.status, r.worst]).toEqual(['applied', 'clean']);
    }
    expect(parsePatchHeader(DEP3).bugs).toHaveLength(1);
    expect(parsePatchHeader(GIT).style).toBe('git');
    expect(parseSpec(SPEC).patches.map((p) => [p.file, p.strip])).toEqual([
      ['hello-gcc14.patch', 1],
      ['hello-5fe9daed.patch', 0],
      ['seq.patch', 1],
    ]);
    expect(changelogHead(CHANGELOG)?.version).toBe('2.12-3');
    expect(parseYaml(RECIPE, 'recipe.yaml', recipeSchema, 'recipe').name).toBe('hello');
    expect(parseYaml(REPOSITORY, 'pkgtrack.yaml', repositorySchema, 'repository configuration').name).toBe('examples');
    writeFileSync(join(work, 'seed.zip'), ZIP);
    const entries = await readZipEntries(join(work, 'seed.zip'), 1 << 20);
    expect(await Promise.all(entries.map(async (e) => [e.name, (await e.data()).length]))).toEqual([
      ['pkg-1.0/README', 240],
      ['pkg-1.0/src/a.c', 7],
      ['pkg-1.0/link', 9],
    ]);
  });
});
