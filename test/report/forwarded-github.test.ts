/**
 * Forwarded pull requests and issues: one batched GraphQL query against the fake GitHub, which
 * executes it against GitHub's published schema (an invalid query fails there as on GitHub).
 */
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecipesRepository } from '../../src/recipe/load.js';
import { buildForwardedQuery, parseGithubRef } from '../../src/report/forwarded.js';
import { buildPatchReport } from '../../src/services/report/report.js';
import { type FakeGithub, githubSchema, startFakeGithub } from '../fakes/github/index.js';
import { pkgtrack } from '../helpers/cli.js';
import { repoWith } from '../recipe/fixtures.js';

const TOKEN = 'ghp_sentinelForwardedTokenValue';

const patch = (forwarded: string, extra = '') =>
  `Description: a change\nAuthor: A <a@example.org>\nForwarded: ${forwarded}\n${extra}---\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n`;

let gh: FakeGithub;
beforeAll(async () => {
  gh = await startFakeGithub({
    token: TOKEN,
    repos: [
      {
        owner: 'up',
        name: 'stream',
        pulls: [
          { number: 11, title: 'Fix the thing', state: 'MERGED', mergedAt: '2026-10-01T00:00:00Z' },
          { number: 12, title: 'Another fix', state: 'CLOSED', closedAt: '2026-10-02T00:00:00Z' },
          { number: 13, title: 'Still open', state: 'OPEN' },
        ],
        issues: [{ number: 5, title: 'Bug report', state: 'CLOSED', stateReason: 'COMPLETED', closedAt: '2026-09-01T00:00:00Z' }],
      },
    ],
  });
});
afterAll(() => gh.close());

function repoWithForwarded(): string {
  return repoWith({
    'recipes/demo/patches/series': 'merged.patch\nclosed.patch\nopen.patch\nissue.patch\nplain.patch\n',
    'recipes/demo/patches/merged.patch': patch('https://github.com/up/stream/pull/11'),
    'recipes/demo/patches/closed.patch': patch('https://github.com/up/stream/pull/12'),
    'recipes/demo/patches/open.patch': patch('https://github.com/up/stream/pull/13/files'),
    'recipes/demo/patches/issue.patch': patch('yes', 'Bug: https://github.com/up/stream/issues/5\n'),
    'recipes/demo/patches/plain.patch': patch('no'),
  });
}

describe('forwarded PR and issue states', () => {
  it('builds a query that validates against GitHub’s schema', () => {
    const refs = ['https://github.com/up/stream/pull/11', 'https://github.com/up/stream/issues/5', 'https://github.com/o/r/pull/1'].map(
      (u) => parseGithubRef(u)!,
    );
    const { query } = buildForwardedQuery(refs);
    expect(validate(githubSchema(), parse(query))).toEqual([]);
    expect(query.match(/repository\(/g)).toHaveLength(2);
  });

  it('classifies merged, closed and open pull requests and a completed issue in one request', async () => {
    gh.reset();
    const report = await buildPatchReport({
      recipesRepo: await loadRecipesRepository(repoWithForwarded()),
      trees: { demo: [] },
      gitDirs: {},
      github: { baseUrl: gh.url, token: TOKEN },
    });
    const byFile = Object.fromEntries(report.recipes[0]!.patches.map((p) => [p.file, p]));
    expect(byFile['merged.patch']).toMatchObject({
      status: 'forwarded-merged',
      forward: { state: 'merged', title: 'Fix the thing', at: '2026-10-01T00:00:00Z' },
    });
    expect(byFile['closed.patch']).toMatchObject({ status: 'forwarded-closed' });
    expect(byFile['open.patch']).toMatchObject({
      status: 'forwarded-open',
      action: 'follow up on https://github.com/up/stream/pull/13/files',
    });
    expect(byFile['issue.patch']).toMatchObject({ status: 'forwarded-merged', forward: { kind: 'issue' } });
    expect(byFile['plain.patch']!.status).toBe('needs-forwarding');
    const graphql = gh.requests.filter((r) => r.path.endsWith('/graphql'));
    expect(graphql).toHaveLength(1);
    expect(graphql[0]!.status).toBe(200);
  });

  it('without a token says what was not checked instead of failing', async () => {
    const report = await buildPatchReport({
      recipesRepo: await loadRecipesRepository(repoWithForwarded()),
      trees: { demo: [] },
      gitDirs: {},
      github: { baseUrl: gh.url, token: '' },
    });
    expect(report.recipes[0]!.warnings.join('\n')).toMatch(/no GitHub token/);
    expect(report.recipes[0]!.patches.find((p) => p.file === 'merged.patch')!.status).toBe('forwarded');
  });

  it('CLI: --fail-on gives exit 11, the token never reaches the output', async () => {
    const root = repoWithForwarded();
    const env = { GITHUB_TOKEN: TOKEN, PKGTRACK_GITHUB_API_URL: gh.url };
    const json = await pkgtrack(['report', 'patches', '--json', '--fail-on', 'forwarded-closed'], { cwd: root, env });
    expect(json.code).toBe(11);
    expect(json.json().failedOn).toEqual(['forwarded-closed']);
    expect(json.json().counts).toMatchObject({ 'forwarded-merged': 2, 'forwarded-closed': 1, 'forwarded-open': 1, 'needs-forwarding': 1 });
    const md = await pkgtrack(['report', 'patches', '--format', 'md'], { cwd: root, env });
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\| merged\.patch<br>a change \| forwarded-merged \|/m);
    for (const r of [json, md]) expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });
});
