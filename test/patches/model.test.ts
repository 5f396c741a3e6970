/** The pure patch model: series, headers (DEP-3, git format-patch, Upstream-Status), watch files, specs. */
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/patches/diff-parse.js';
import { headerDate, lastField, parsePatchHeader, setHeaderField, splitPatch } from '../../src/patches/header.js';
import { formatSeries, parseSeries } from '../../src/patches/series.js';
import { parseSpec } from '../../src/patches/spec-import.js';

describe('series', () => {
  it('reads comments, blank lines and -pN like quilt', () => {
    const s = parseSeries('# head comment\n\nfirst.patch\nsecond.patch -p0   # why p0\n  third.patch -p 2\n#disabled.patch\n');
    expect(s.map((e) => [e.name, e.strip, e.line])).toEqual([
      ['first.patch', 1, 3],
      ['second.patch', 0, 4],
      ['third.patch', 2, 5],
    ]);
    expect(formatSeries(s)).toBe('first.patch\nsecond.patch -p0\nthird.patch -p2\n');
  });
  it('refuses unknown options, duplicates and names leaving the directory, with the line', () => {
    expect(() => parseSeries('a.patch -R\n', 'series')).toThrow(
      expect.objectContaining({ code: 'SERIES_OPTION', details: { file: 'series', line: 1 } }),
    );
    expect(() => parseSeries('a.patch\na.patch\n')).toThrow(expect.objectContaining({ code: 'SERIES_DUPLICATE' }));
    expect(() => parseSeries('ok\n../x.patch\n')).toThrow(
      expect.objectContaining({ code: 'SERIES_PATH', details: expect.objectContaining({ line: 2 }) }),
    );
  });
});

describe('patch headers', () => {
  it('reads every DEP-3 field', () => {
    const h = parsePatchHeader(
      'Description: Fix the frobnicator\n Longer text\n .\n second paragraph\nOrigin: upstream, https://example.org/c/1\nBug: https://example.org/b/2\nBug-Debian: https://bugs.debian.org/3\nBug-Ubuntu: https://launchpad.net/bugs/4\nForwarded: not-needed\nAuthor: A <a@example.org>\nReviewed-by: R <r@example.org>\nLast-Update: 2024-05-01\nApplied-Upstream: 2.0, https://example.org/c/1\n---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
    );
    expect(h).toMatchObject({
      style: 'dep3',
      description: 'Fix the frobnicator',
      longDescription: 'Longer text\n\nsecond paragraph',
      origin: 'upstream, https://example.org/c/1',
      bugs: [
        { url: 'https://example.org/b/2' },
        { vendor: 'Debian', url: 'https://bugs.debian.org/3' },
        { vendor: 'Ubuntu', url: 'https://launchpad.net/bugs/4' },
      ],
      forwarded: 'not-needed',
      author: 'A <a@example.org>',
      reviewedBy: ['R <r@example.org>'],
      lastUpdate: '2024-05-01',
      appliedUpstream: '2.0, https://example.org/c/1',
    });
  });
  it('reads git format-patch mails with trailers and Yocto Upstream-Status', () => {
    const h = parsePatchHeader(
      'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.org>\nDate: Tue, 2 Jan 2024 10:00:00 +0100\nSubject: [PATCH 2/3] build: do not\n use -Werror\n\nIt breaks with new compilers.\n\nUpstream-Status: Submitted [https://example.org/pr/9]\nReviewed-by: R <r@example.org>\n---\n configure.ac | 2 +-\n 1 file changed\n\ndiff --git a/configure.ac b/configure.ac\n',
    );
    expect(h).toMatchObject({
      style: 'git',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      author: 'Dev <dev@example.org>',
      date: 'Tue, 2 Jan 2024 10:00:00 +0100',
      description: 'build: do not use -Werror',
      upstreamStatus: { status: 'Submitted', detail: 'https://example.org/pr/9' },
      reviewedBy: ['R <r@example.org>'],
    });
  });
  it('takes free text as the description and keeps the raw header', () => {
    const text = 'Make it build on hurd.\nSecond line.\n\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n';
    const h = parsePatchHeader(text);
    expect(h).toMatchObject({ style: 'plain', description: 'Make it build on hurd.', longDescription: 'Second line.' });
    expect(splitPatch(text).header).toBe('Make it build on hurd.\nSecond line.\n\n');
  });
  it('reads a gbp pq export: DEP-3 fields after the free-form body, repeated fields, MIME-encoded author', () => {
    const h = parsePatchHeader(
      'From 0123456789abcdef0123456789abcdef01234567 Mon Sep 17 00:00:00 2001\nFrom: =?utf-8?b?SsO2cmcgTcO8bGxlcg==?= <j@example.org>\nDate: Tue, 2 Jan 2024 10:00:00 +0100\nSubject: [PATCH] Fix the\n =?utf-8?q?build_on_h=C3=BCrd?=\n\nLonger text.\n\n(cherry picked from commit 89abcdef0123456789abcdef0123456789abcdef)\n\nBug-Debian: https://bugs.debian.org/1\nBug-Debian: https://bugs.debian.org/2\nForwarded: https://example.org/pr/3\nSigned-off-by: J <j@example.org>\n---\n a | 2 +-\n\ndiff --git a/a b/a\n',
    );
    expect(h).toMatchObject({
      style: 'git',
      hasHeader: true,
      author: 'Jörg Müller <j@example.org>',
      description: 'Fix the build on hürd',
      forwarded: 'https://example.org/pr/3',
      cherryPickedFrom: '89abcdef0123456789abcdef0123456789abcdef',
      bugs: [
        { vendor: 'Debian', url: 'https://bugs.debian.org/1' },
        { vendor: 'Debian', url: 'https://bugs.debian.org/2' },
      ],
    });
    expect(h.longDescription).toContain('Longer text.');
    expect(headerDate(h)).toBe('2024-01-02');
  });
  it('ends the field set at the first empty line: free text after it, quilt Index: lines are no header text', () => {
    const h = parsePatchHeader(
      'Description: short\nAuthor: A <a@example.org>\nAuthor: B <b@example.org>\nLast-Update: 2023-03-04\n\nThis is free text: not a field.\nIt goes on.\n\nIndex: pkg-1.0/src/a.c\n===================================================================\n--- pkg-1.0.orig/src/a.c\n+++ pkg-1.0/src/a.c\n@@ -1 +1 @@\n-a\n+b\n',
    );
    expect(h).toMatchObject({ style: 'dep3', description: 'short', author: 'A <a@example.org>', lastUpdate: '2023-03-04' });
    expect(lastField(h, 'author')).toBe('B <b@example.org>');
    expect(h.fields.map((f) => f.name)).toEqual(['Description', 'Author', 'Author', 'Last-Update']);
    expect(h.longDescription).toBe('This is free text: not a field.\nIt goes on.');
    expect(headerDate(h)).toBe('2023-03-04');
  });
  it('a patch with no header text has no header (quilt lead-ins only)', () => {
    for (const text of ['--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n', 'Index: x\n=====\n--- x.orig\n+++ x\n@@ -1 +1 @@\n-a\n+b\n']) {
      expect(parsePatchHeader(text)).toMatchObject({ hasHeader: false, style: 'none', fields: [] });
    }
  });
  it('names the upstream commit an Origin points at', () => {
    expect(parsePatchHeader('Description: x\nOrigin: upstream, https://github.com/o/r/commit/0123abc\n---\n').originCommit).toBe('0123abc');
    expect(parsePatchHeader('Description: x\nOrigin: backport, commit:89abcdef\n---\n').originCommit).toBe('89abcdef');
    expect(parsePatchHeader('Description: x\nOrigin: vendor\n---\n').originCommit).toBeUndefined();
  });
  it('sets a field without touching the rest', () => {
    expect(setHeaderField('Description: x\n y\nLast-Update: 2020-01-01\nForwarded: no\n', 'Last-Update', '2026-01-01')).toBe(
      'Description: x\n y\nLast-Update: 2026-01-01\nForwarded: no\n',
    );
    expect(setHeaderField('Description: x\nForwarded: no\n\nfree text\n', 'Last-Update', '2026-01-01')).toBe(
      'Description: x\nForwarded: no\nLast-Update: 2026-01-01\n\nfree text\n',
    );
  });
});

describe('unified diffs', () => {
  it('reads git extensions: new, deleted, renamed, copied files and modes', () => {
    const files = parseUnifiedDiff(
      'diff --git a/n b/n\nnew file mode 100755\nindex 0000000..1\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\ndiff --git a/d b/d\ndeleted file mode 100644\n--- a/d\n+++ /dev/null\n@@ -1 +0,0 @@\n-y\ndiff --git a/o b/r\nsimilarity index 100%\nrename from o\nrename to r\ndiff --git a/s b/c\ncopy from s\ncopy to c\ndiff --git a/m b/m\nold mode 100644\nnew mode 100755\n',
    );
    expect(files.map((f) => [f.op, f.oldName, f.newName, f.oldMode?.toString(8), f.newMode?.toString(8)])).toEqual([
      ['create', undefined, 'b/n', undefined, '100755'],
      ['delete', 'a/d', undefined, '100644', undefined],
      ['rename', 'a/o', 'b/r', undefined, undefined],
      ['copy', 'a/s', 'b/c', undefined, undefined],
      ['modify', 'a/m', 'b/m', '100644', '100755'],
    ]);
  });
  it('reads "\\ No newline at end of file" and names a truncated hunk', () => {
    const [f] = parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n');
    expect(f!.hunks[0]!.lines).toEqual([
      { kind: '-', text: 'a', noEol: true },
      { kind: '+', text: 'b', noEol: true },
    ]);
    expect(() => parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n', 'p.patch')).toThrow(
      expect.objectContaining({ code: 'PATCH_TRUNCATED', details: { file: 'p.patch', line: 4 } }),
    );
  });
});

describe('spec', () => {
  it('reads PatchN, the comments above them and %patch / %autosetup levels', () => {
    const s = parseSpec(
      'Name: a\nVersion: 1\n# one\nPatch0: x.patch\n\n# two\n# lines\nPatch1: y.patch\nPatch2: %{name}-z.patch\n%prep\n%autosetup -p1\n%patch1 -p0\n',
    );
    expect(s.patches.map((p) => [p.number, p.file, p.comment, p.strip])).toEqual([
      [0, 'x.patch', ['one'], 1],
      [1, 'y.patch', ['two', 'lines'], 0],
      [2, 'a-z.patch', [], 1],
    ]);
  });
});

describe('file names in ---/+++ lines', () => {
  it('end at a tab, before an ISO date, or at the first blank, like GNU patch', () => {
    const names = (h: string) => parseUnifiedDiff(`${h}@@ -1 +1 @@\n-a\n+b\n`).map((f) => [f.oldName, f.newName]);
    expect(names('--- a/my file.c\t2024-01-01 00:00:00.000 +0000\n+++ b/my file.c\t2024-01-01\n')).toEqual([
      ['a/my file.c', 'b/my file.c'],
    ]);
    expect(names('--- a/x.c 2024-01-01 00:00:00.000000000 +0100\n+++ b/x.c 2024-01-02 00:00:00.000000000 +0100\n')).toEqual([
      ['a/x.c', 'b/x.c'],
    ]);
    expect(names('--- x.c.orig Mon Jan  1 00:00:00 2001\n+++ x.c Mon Jan  1 00:00:01 2001\n')).toEqual([['x.c.orig', 'x.c']]);
    expect(names('--- "a/with space"\n+++ "b/with space"\n')).toEqual([['a/with space', 'b/with space']]);
    expect(() => names('--- "a/with\\ttab"\n+++ b/ok\n')).toThrow(expect.objectContaining({ code: 'PATCH_BAD_NAME' }));
  });
});

describe('per-hunk outcomes', () => {
  it('marks a failed hunk whose change upstream already has', async () => {
    const { applyHunks } = await import('../../src/patches/hunk-apply.js');
    const [f] = parseUnifiedDiff(
      '--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n l1\n-l2\n+L2\n l3\n@@ -10,3 +10,3 @@\n l10\n-l11\n+L11\n l12\n@@ -20,3 +20,3 @@\n l20\n-nope\n+L21\n l22\n',
    );
    // The first change is still needed; upstream took the second; the third no longer fits.
    const file = `${Array.from({ length: 25 }, (_, i) => (i + 1 === 11 ? 'L11' : `l${i + 1}`)).join('\n')}\n`;
    const r = applyHunks(file, f!.hunks);
    expect(r.ok).toBe(false);
    expect(r.hunks.map((h) => [h.index, h.status, h.alreadyApplied ?? false])).toEqual([
      [1, 'clean', false],
      [2, 'failed', true],
      [3, 'failed', false],
    ]);
    expect(r.rejects.map((h) => h.index)).toEqual([2, 3]);
  });
  it('skips the whole file when its first hunk is found reversed, as GNU patch does', async () => {
    const { applyHunks } = await import('../../src/patches/hunk-apply.js');
    const [f] = parseUnifiedDiff('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n l1\n-l2\n+L2\n l3\n@@ -10,3 +10,3 @@\n l10\n-l11\n+L11\n l12\n');
    const file = `${Array.from({ length: 25 }, (_, i) => (i + 1 === 2 ? 'L2' : `l${i + 1}`)).join('\n')}\n`;
    const r = applyHunks(file, f!.hunks, { fuzz: 2 });
    expect(r.reversed).toBe(true);
    expect(r.hunks.every((h) => h.status === 'failed' && h.alreadyApplied)).toBe(true);
  });
});
