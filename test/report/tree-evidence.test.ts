/** treeEvidence on a tree where the patch still applies in place: no "merged" claim from hunks found elsewhere. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/patches/diff-parse.js';
import { treeEvidence } from '../../src/services/report/evidence.js';

const PATCH = `--- a/src/x.c
+++ b/src/x.c
@@ -1,3 +1,5 @@
 int first_value;
 start_engine(first_value);
+check_bounds(first_value);
+check_overflow(first_value);
 int second_value;
`;

function tree(content: string, copyElsewhere?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-evidence-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'x.c'), content);
  if (copyElsewhere !== undefined) {
    mkdirSync(join(dir, 'vendor'));
    writeFileSync(join(dir, 'vendor', 'x.c'), copyElsewhere);
  }
  return dir;
}

const evidenceFor = (dir: string) =>
  treeEvidence({ tree: dir, label: '1.0', patchBytes: Buffer.from(PATCH), files: parseUnifiedDiff(PATCH, 'p.patch'), strip: 1 });

describe('treeEvidence', () => {
  const unpatched = 'int first_value;\nstart_engine(first_value);\nint second_value;\n';
  const patchedCopy =
    'int first_value;\nstart_engine(first_value);\ncheck_bounds(first_value);\ncheck_overflow(first_value);\nint second_value;\n';

  it('says nothing when the patch applies in place, even if a same-named file elsewhere has its hunks', async () => {
    expect(await evidenceFor(tree(unpatched, patchedCopy))).toBeUndefined();
  });

  it('calls a moved file with every hunk "probably merged" (the patch no longer applies in place)', async () => {
    expect(await evidenceFor(tree('/* rewritten */\n', patchedCopy))).toMatchObject({ via: 'hunks-present', confidence: 'likely' });
  });

  it('still proves a merge by reverse-apply when the change is there in place', async () => {
    expect(await evidenceFor(tree(patchedCopy))).toMatchObject({ via: 'reverse-apply', confidence: 'certain' });
  });
});

describe('treeEvidence with the queue before the patch', () => {
  // Upstream already has the fixed form in limit(); patch 1 adds a copy of the block in its old
  // form (guard()), patch 2 fixes that copy. Alone, patch 2 reverse-applies to upstream's
  // limit() (same context): the dmalloc 11-pnt-info-fix case of the real-Debian corpus.
  const upstream = [
    'void limit(void) {',
    '  if (fence) {',
    '    top = user_bounds;',
    '    upper = alloc_bounds - FENCE;',
    '  }',
    '}',
    '',
  ].join('\n');
  const addsOldCopy = `--- a/chunk.c
+++ b/chunk.c
@@ -4,3 +4,9 @@
     upper = alloc_bounds - FENCE;
   }
 }
+void guard(void) {
+  if (fence) {
+    top = user_bounds;
+    upper = top;
+  }
+}
`;
  const fixesCopy = `--- a/chunk.c
+++ b/chunk.c
@@ -9,5 +9,5 @@
   if (fence) {
     top = user_bounds;
-    upper = top;
+    upper = alloc_bounds - FENCE;
   }
 }
`;
  const input = (earlier: boolean) => {
    const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-evidence-'));
    writeFileSync(join(dir, 'chunk.c'), upstream);
    return {
      tree: dir,
      label: '5.5.2',
      patchBytes: Buffer.from(fixesCopy),
      files: parseUnifiedDiff(fixesCopy, '2.patch'),
      strip: 1,
      ...(earlier ? { earlier: [{ bytes: Buffer.from(addsOldCopy), strip: 1, files: parseUnifiedDiff(addsOldCopy, '1.patch') }] } : {}),
    };
  };

  it('a patch that fixes code an earlier patch added is not "merged" because upstream has a look-alike', async () => {
    // Alone it looks merged (this was the false claim) ...
    expect(await treeEvidence(input(false))).toMatchObject({ via: 'reverse-apply', confidence: 'certain' });
    // ... on top of the patch before it, it applies: not merged.
    expect(await treeEvidence(input(true))).toBeUndefined();
  });
});
