import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlValidate } from 'html-validate';
import { describe, expect, it } from 'vitest';
import { loadRecipesRepository } from '../../src/recipe/load.js';
import { countStatuses, type PatchEntry } from '../../src/report/model.js';
import { renderHtml, renderMarkdown, renderTable } from '../../src/report/render.js';
import { buildPatchReport, summarizeReport } from '../../src/services/report/report.js';
import { tempDir } from '../helpers/cli.js';
import { repoWith } from '../recipe/fixtures.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Up',
      GIT_AUTHOR_EMAIL: 'up@example.org',
      GIT_COMMITTER_NAME: 'Up',
      GIT_COMMITTER_EMAIL: 'up@example.org',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  });

/** An upstream repo: v1.0, then the fix as its own commit, then unrelated work, tagged v1.1 and v1.2. */
function upstreamRepo(): string {
  const w = tempDir('pkgtrack-upstream-');
  git(w, 'init', '-q', '-b', 'main');
  writeFileSync(join(w, 'calc.c'), 'int add(int a, int b) {\n  return a + b;\n}\n');
  git(w, 'add', '.');
  git(w, 'commit', '-q', '-m', 'initial');
  git(w, 'tag', 'v1.0');
  writeFileSync(join(w, 'other.c'), 'int other;\n');
  git(w, 'add', '.');
  git(w, 'commit', '-q', '-m', 'unrelated');
  git(w, 'tag', 'v1.1');
  writeFileSync(join(w, 'calc.c'), 'int add(int a, int b) {\n  return __builtin_add_overflow_p(a, b, 0) ? 0 : a + b;\n}\n');
  git(w, 'commit', '-q', '-am', 'calc: guard against overflow');
  writeFileSync(join(w, 'other.c'), 'int other = 2;\n');
  git(w, 'commit', '-q', '-am', 'more work');
  git(w, 'tag', 'v1.2');
  return w;
}

const OUR_PATCH = `Description: calc: guard against overflow
Author: Packager <p@example.org>
Forwarded: no
---
--- a/calc.c
+++ b/calc.c
@@ -1,3 +1,3 @@
 int add(int a, int b) {
-  return a + b;
+  return __builtin_add_overflow_p(a, b, 0) ? 0 : a + b;
 }
`;

describe('upstream history', () => {
  it('finds the upstream commit with the same patch-id and the first tag that has it', async () => {
    const up = upstreamRepo();
    const root = repoWith({
      'recipes/demo/recipe.yaml': `name: demo\nupstream:\n  kind: git\n  url: ${up}\n`,
      'recipes/demo/patches/series': 'overflow.patch\n',
      'recipes/demo/patches/overflow.patch': OUR_PATCH,
    });
    const report = await buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees: { demo: [] } });
    const e = report.recipes[0]!.patches[0]!;
    expect(e.status).toBe('merged-upstream');
    expect(e.evidence).toMatchObject({ via: 'patch-id', confidence: 'certain', first: 'v1.2' });
    expect(e.reason).toMatch(/first in v1\.2/);
  });

  it('falls back to the subject when upstream changed the code on the way in', async () => {
    const up = upstreamRepo();
    const differentCode = OUR_PATCH.replace('__builtin_add_overflow_p(a, b, 0) ? 0 : a + b', 'checked_add(a, b)');
    const root = repoWith({
      'recipes/demo/recipe.yaml': `name: demo\nupstream:\n  kind: git\n  url: ${up}\n`,
      'recipes/demo/patches/series': 'overflow.patch\n',
      'recipes/demo/patches/overflow.patch': differentCode,
    });
    const e = (await buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees: { demo: [] } })).recipes[0]!.patches[0]!;
    expect(e.evidence).toMatchObject({ via: 'subject', confidence: 'likely', first: 'v1.2' });
    // A subject is a heuristic: probably merged, and never "drop" on it alone.
    expect(e.status).toBe('probably-merged');
    expect(e.action).not.toMatch(/^drop/);
  });

  it('a subject with a trailing (#1234) or [PATCH] still matches', async () => {
    const up = upstreamRepo();
    const differentCode = OUR_PATCH.replace('__builtin_add_overflow_p(a, b, 0) ? 0 : a + b', 'checked_add(a, b)').replace(
      'Description: calc: guard against overflow',
      'Description: [PATCH] calc: guard against overflow (#1234)',
    );
    const root = repoWith({
      'recipes/demo/recipe.yaml': `name: demo\nupstream:\n  kind: git\n  url: ${up}\n`,
      'recipes/demo/patches/series': 'overflow.patch\n',
      'recipes/demo/patches/overflow.patch': differentCode,
    });
    const e = (await buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees: { demo: [] } })).recipes[0]!.patches[0]!;
    expect(e.evidence).toMatchObject({ via: 'subject', first: 'v1.2' });
  });

  it('proves a cherry-pick: the upstream commit named in Origin is an ancestor', async () => {
    const up = upstreamRepo();
    const sha = git(up, 'rev-parse', 'HEAD~1').trim();
    const picked = OUR_PATCH.replace('__builtin_add_overflow_p(a, b, 0) ? 0 : a + b', 'checked_add(a, b)').replace(
      'Forwarded: no',
      `Origin: upstream, https://git.example.org/calc/commit/${sha}`,
    );
    const root = repoWith({
      'recipes/demo/recipe.yaml': `name: demo\nupstream:\n  kind: git\n  url: ${up}\n`,
      'recipes/demo/patches/series': 'pick.patch\n',
      'recipes/demo/patches/pick.patch': picked,
    });
    const e = (await buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees: { demo: [] } })).recipes[0]!.patches[0]!;
    expect(e).toMatchObject({ status: 'merged-upstream', evidence: { via: 'origin-commit', confidence: 'certain', first: 'v1.2' } });
    // Offline (no history to prove it): a cherry-pick to drop later, never needs-forwarding.
    const off = (await buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees: { demo: [] }, offline: true })).recipes[0]!
      .patches[0]!;
    expect(off.status).toBe('from-upstream');
    expect(off.notForwarded).toBe(false);
  });
});

function entry(over: Partial<PatchEntry>): PatchEntry {
  return {
    recipe: 'demo',
    file: 'p.patch',
    size: { files: 1, added: 2, removed: 1 },
    dep3: { bugs: [] },
    status: 'needs-forwarding',
    reason: 'Forwarded: no',
    action: 'forward upstream',
    headerProblems: [],
    notForwarded: true,
    ...over,
  };
}

describe('rendering', () => {
  const hostile = entry({
    file: '<script>alert(1)</script>.patch',
    description: '"quoted" & <b>bold</b>',
    dep3: { bugs: ['javascript:alert(1)', 'https://example.org/bug?a=1&b=<2>'] },
  });
  const report = summarizeReport(
    [{ recipe: 'demo', checkedAgainst: ['1.0'], warnings: [], patches: [hostile], counts: countStatuses([hostile]) }],
    new Date('2026-11-21T00:00:00Z'),
  );

  it('escapes every value in HTML and links only http(s) URLs', () => {
    const html = renderHtml(report);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;.patch');
    expect(html).not.toMatch(/href="javascript:/);
    expect(html).toContain('href="https://example.org/bug?a=1&amp;b=&lt;2&gt;"');
    expect(html).not.toMatch(/<link|<script|src=/); // self-contained
  });

  it('produces valid HTML', async () => {
    const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
    const res = await validator.validateString(renderHtml(report));
    expect(res.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`))).toEqual([]);
  });

  it('keeps Markdown tables intact with pipes in values', () => {
    const md = renderMarkdown(
      summarizeReport(
        [
          {
            recipe: 'demo',
            checkedAgainst: [],
            warnings: [],
            patches: [entry({ description: 'a | b' })],
            counts: countStatuses([entry({})]),
          },
        ],
        new Date(),
      ),
    );
    expect(md).toContain('a \\| b');
    expect(renderTable(report)).toMatch(/total: 1 patches: 1 needs-forwarding/);
  });
});
