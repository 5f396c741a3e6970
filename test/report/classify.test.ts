/** Statuses from headers and evidence, and the hunk heuristic's silences. Pure. */
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/patches/diff-parse.js';
import { parsePatchHeader } from '../../src/patches/header.js';
import { classify } from '../../src/report/classify.js';
import { hunksPresent, normalizeSubject } from '../../src/report/hunks.js';

const DIFF = '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n';
const status = (header: string, checked: string[] = ['1.0']) =>
  classify(parsePatchHeader(`${header}${DIFF}`), { recipe: 'r', file: 'p.patch', checked });

describe('classify', () => {
  it('a headerless patch needs a header and was not forwarded', () => {
    const c = status('');
    expect(c).toMatchObject({ status: 'invalid-header', notForwarded: true });
    expect(c.reason).toMatch(/no header.*forwarded/);
    expect(c.action).toMatch(/patches forward r p\.patch/);
  });
  it('fields without a Description are not invalid-header (lintian reads them as the description)', () => {
    expect(status('Author: A <a@example.org>\n---\n').status).toBe('needs-forwarding');
  });
  it('Applied-Upstream is compared with the version checked', () => {
    expect(status('Description: d\nApplied-Upstream: 669\n', ['668']).status).toBe('from-upstream');
    expect(status('Description: d\nApplied-Upstream: v669\n', ['669']).status).toBe('probably-merged');
    expect(status('Description: d\nApplied-Upstream: 2.0, https://example.org/c/1\n', ['2.1']).status).toBe('probably-merged');
    // not-needed is not "merged".
    expect(status('Description: d\nApplied-Upstream: not-needed\nForwarded: not-needed\n').status).toBe('distro-specific');
  });
  it('upstream cherry-picks are from-upstream, never needs-forwarding', () => {
    for (const h of [
      'Description: d\nOrigin: upstream, https://github.com/o/r/commit/0123abcd\n',
      'Description: d\nOrigin: https://gitlab.com/o/r/-/commit/0123abcd\n',
      'Subject: d\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n',
    ]) {
      const c = status(h);
      expect(c.status, h).toBe('from-upstream');
      expect(c.notForwarded, h).toBe(false);
      expect(c.action).not.toMatch(/patches forward/);
    }
  });
  it('heuristic evidence is probably-merged and never "drop at next rebase"', () => {
    const h = parsePatchHeader(`Description: d\n${DIFF}`);
    const c = classify(h, { recipe: 'r', file: 'p', evidence: { via: 'hunks-present', confidence: 'likely', where: '2.0' } });
    expect(c.status).toBe('probably-merged');
    expect(c.action).not.toMatch(/drop at next rebase/);
    const proven = classify(h, { recipe: 'r', file: 'p', evidence: { via: 'reverse-apply', confidence: 'certain', where: '2.0' } });
    expect(proven).toMatchObject({ status: 'merged-upstream', action: 'drop at next rebase' });
  });
});

describe('hunksPresent stays silent where it cannot tell', () => {
  const fp = (patch: string) => parseUnifiedDiff(patch)[0]!;
  it('a one-line addition found elsewhere in the file', () => {
    const p = fp('--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,3 @@\n #include <stdio.h>\n+#include <stdlib.h>\n int main;\n');
    expect(hunksPresent(p, '#include <stdio.h>\nint main;\n/* later */\n#include <stdlib.h>\n')).toBe(false);
  });
  it('added lines away from their context', () => {
    const p = fp(
      '--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,4 @@\n static int f(void)\n+  check_bounds(buf, len);\n+  check_overflow(buf, len);\n {\n',
    );
    expect(hunksPresent(p, 'static int f(void)\n{\n}\nvoid g() {\n  check_bounds(buf, len);\n  check_overflow(buf, len);\n}\n')).toBe(
      false,
    );
    expect(hunksPresent(p, 'static int f(void)\n  check_bounds(buf, len);\n  check_overflow(buf, len);\n{\n')).toBe(true);
  });
  it('a patch that only re-indents or moves lines', () => {
    const p = fp('--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n def f():\n-  return compute_value(a)\n+    return compute_value(a)\n # end\n');
    expect(hunksPresent(p, 'def f():\n    return compute_value(a)\n# end\n')).toBe(false);
  });
});

describe('normalizeSubject', () => {
  it('drops [PATCH] tags and a trailing (#1234)', () => {
    expect(normalizeSubject('[PATCH 1/2] Fix the thing (#1234).')).toBe('fix the thing');
    expect(normalizeSubject('Fix the thing [PATCH]')).toBe('fix the thing');
  });
});
