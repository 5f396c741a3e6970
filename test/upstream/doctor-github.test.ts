/** Doctor's upstream checks against the fake GitHub: token, reachability, rate limit, keyrings. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { loadRecipes, loadRecipesRepository } from '../../src/recipe/load.js';
import { githubChecks } from '../../src/services/doctor/checks/github.js';
import { type FakeGithub, simpleRepo, startFakeGithub } from '../fakes/github/index.js';

const TOKEN = 'ghp_doctortoken_0123456789';
let gh: FakeGithub;
let dir: string;

beforeAll(async () => {
  gh = await startFakeGithub({ token: TOKEN, repos: [simpleRepo('o', 'p', ['1.0'])], rateLimit: 40 });
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-doctor-gh-'));
  writeFileSync(join(dir, 'pkgtrack.yaml'), 'name: t\norigin: T\nlabel: T\nmaintainer: T <t@example.org>\n');
  mkdirSync(join(dir, 'recipes', 'pp'), { recursive: true });
  writeFileSync(join(dir, 'recipes', 'pp', 'recipe.yaml'), `name: pp\nupstream:\n  kind: github\n  repo: o/p\n  apiUrl: ${gh.url}\n`);
  mkdirSync(join(dir, 'recipes', 'dd'), { recursive: true });
  writeFileSync(join(dir, 'recipes', 'dd', 'recipe.yaml'), 'name: dd\nupstream:\n  kind: debian\n  package: dd\n  keyring: missing.gpg\n');
});
afterAll(async () => {
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(env: Record<string, string | undefined>) {
  const saved = { GITHUB_TOKEN: process.env.GITHUB_TOKEN, GH_TOKEN: process.env.GH_TOKEN };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const recipesRepo = await loadRecipesRepository(dir);
    const ctx = { recipesRepo, recipes: await loadRecipes(recipesRepo), progress: silentProgress };
    return (await Promise.all(githubChecks.map((c) => c.run(ctx)))).flat();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('doctor: upstream access', () => {
  it('warns without a token, reports the rate limit with one, never shows the token', async () => {
    const none = await run({ GITHUB_TOKEN: undefined, GH_TOKEN: undefined });
    expect(none.find((f) => f.id === 'github.token')).toMatchObject({ status: 'warn' });
    const withToken = await run({ GITHUB_TOKEN: TOKEN });
    expect(withToken.find((f) => f.id === 'github.token')).toMatchObject({ status: 'ok' });
    // The fake's limit is 40 points: "nearly used up".
    expect(withToken.find((f) => f.id.startsWith('github.api.'))).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/rate limit nearly used up/),
    });
    expect(JSON.stringify(withToken)).not.toContain(TOKEN);
    const bad = await run({ GITHUB_TOKEN: 'ghp_wrong_token_123' });
    expect(bad.find((f) => f.id.startsWith('github.api.'))).toMatchObject({ status: 'error' });
  });

  it('flags a missing keyring for a debian upstream', async () => {
    const f = await run({});
    expect(f.find((x) => x.id === 'upstream.keyring.dd')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/missing\.gpg is missing/),
    });
  });
});
