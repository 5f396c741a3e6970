/**
 * The fake GitHub itself (reused by other tests: the report helper reads PR and issue states):
 * fixture injection, PR/issue states over GraphQL and REST, GitHub's query limits, auth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReleasesQuery, MAX_BATCH } from '../../src/upstream/github-query.js';
import { type FakeGithub, NODE_LIMIT, runGraphql, simpleRepo, startFakeGithub } from '../fakes/github/index.js';

const TOKEN = 'ghp_fake_selftest_123';
let gh: FakeGithub;

beforeAll(async () => {
  const repo = simpleRepo('up', 'stream', ['1.0']);
  repo.pulls = [
    { number: 7, title: 'Fix build', state: 'MERGED', mergedAt: '2025-03-01T00:00:00Z' },
    { number: 8, state: 'OPEN' },
  ];
  repo.issues = [{ number: 3, state: 'CLOSED', stateReason: 'COMPLETED', closedAt: '2025-02-01T00:00:00Z' }];
  gh = await startFakeGithub({ token: TOKEN, repos: [repo] });
});
afterAll(() => gh.close());

const gql = async (query: string, variables: Record<string, unknown> = {}, token = TOKEN) => {
  const res = await fetch(`${gh.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: Array<{ message: string; type?: string }> },
  };
};

describe('fake GitHub', () => {
  it('serves pull request and issue states over GraphQL and REST', async () => {
    const r = await gql(
      'query { repository(owner: "up", name: "stream") { pullRequest(number: 7) { state merged mergedAt } open: pullRequest(number: 8) { state } issue(number: 3) { state stateReason } } }',
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      repository: {
        pullRequest: { state: 'MERGED', merged: true, mergedAt: '2025-03-01T00:00:00Z' },
        open: { state: 'OPEN' },
        issue: { state: 'CLOSED', stateReason: 'COMPLETED' },
      },
    });
    const pull = await fetch(`${gh.url}/repos/up/stream/pulls/7`, { headers: { authorization: `token ${TOKEN}` } });
    expect(await pull.json()).toMatchObject({ number: 7, state: 'closed', merged: true });
    const issue = await fetch(`${gh.url}/repos/up/stream/issues/3`, { headers: { authorization: `token ${TOKEN}` } });
    expect(await issue.json()).toMatchObject({ state: 'closed', state_reason: 'completed' });
  });

  it('takes fixture changes while running', async () => {
    gh.setRepo({ ...simpleRepo('up', 'other', ['2.0']), pulls: [{ number: 1, state: 'CLOSED' }] });
    const r = await gql('query { repository(owner: "up", name: "other") { pullRequest(number: 1) { state } } }');
    expect(r.body.data).toEqual({ repository: { pullRequest: { state: 'CLOSED' } } });
    gh.removeRepo('up', 'other');
    const gone = await gql('query { repository(owner: "up", name: "other") { name } }');
    expect(gone.body.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
  });

  it('enforces GitHub limits: auth, schema validity, pagination and the node limit', async () => {
    expect((await gql('query { viewer { login } }', {}, 'wrong')).status).toBe(401);
    expect((await gql('query { repository(owner: "up", name: "stream") { nope } }')).body.errors?.[0]?.message).toMatch(
      /Cannot query field "nope"/,
    );
    const huge = await gql(
      'query { repository(owner: "up", name: "stream") { issues(first: 100) { nodes { comments(first: 100) { nodes { reactions(first: 100) { nodes { id } } } } } } } }',
    );
    expect(huge.body.errors?.[0]).toMatchObject({ type: 'MAX_NODE_LIMIT_EXCEEDED' });
  });

  it("keeps pkgtrack's largest batch (assets included) inside GitHub's limits", () => {
    const repos = Array.from({ length: MAX_BATCH }, (_, i) => ({
      alias: `r${i}`,
      owner: 'up',
      name: `p${i}`,
      use: 'releases' as const,
      withAssets: true,
    }));
    const { query, variables } = buildReleasesQuery(repos);
    const out = runGraphql(new Map(), query, variables, { limit: 5000, remaining: 5000, used: 0, resetAt: 0 });
    expect(out.nodes).toBeLessThan(NODE_LIMIT);
    expect(out.cost).toBeLessThanOrEqual(25);
    expect(out.body.errors?.every((e) => (e as { type?: string }).type === 'NOT_FOUND')).toBe(true);
  });
});
