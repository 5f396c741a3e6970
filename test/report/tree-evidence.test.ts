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
