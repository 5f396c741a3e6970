/**
 * `pkgtrack check` over a recipes repository whose upstreams are the fake GitHub, a local bare
 * git repository, an http index page and a signed local Debian archive: statuses, recorded
 * observations, moved-tag and changed-asset warnings, rate-limit reporting, and the CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProgress } from '../../src/core/progress.js';
import { checkRecipes } from '../../src/services/check/check.js';
import { observationsOf } from '../../src/services/shared/observations.js';
import { StateStore } from '../../src/state/store.js';
import { type FakeGithub, fakeDigest, fakeSha, simpleRepo, startFakeGithub } from '../fakes/github/index.js';
import { buildArchive } from './debian-archive.js';
import { buildOnce, runCli, serveDir } from './helpers.js';

const TOKEN = 'ghp_checktoken_0123456789';
let dir: string;
let root: string;
let gh: FakeGithub;
let web: Awaited<ReturnType<typeof serveDir>>;
let bare: string;
let archiveServer: Awaited<ReturnType<typeof serveDir>>;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

function writeRecipe(name: string, upstream: string, extra = ''): void {
  mkdirSync(join(root, 'recipes', name), { recursive: true });
  writeFileSync(join(root, 'recipes', name, 'recipe.yaml'), `name: ${name}\nupstream:\n${upstream}${extra}`);
}

function built(name: string, version: string): void {
  const store = StateStore.open(root);
  store.connection
    .prepare(
      "INSERT INTO builds (recipe, target, version, input_hash, result, started_at, finished_at) VALUES (?, 'debian:bookworm', ?, 'x', 'ok', ?, ?)",
    )
    .run(name, version, new Date().toISOString(), new Date().toISOString());
  store.close();
}

beforeAll(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-check-'));
  root = join(dir, 'recipes-repo');
  mkdirSync(root);
  writeFileSync(join(root, 'pkgtrack.yaml'), 'name: test\norigin: Test\nlabel: Test\nmaintainer: T <t@example.org>\n');

  gh = await startFakeGithub({
    token: TOKEN,
    repos: [simpleRepo('o', 'fresh', ['1.0.0', '1.1.0']), simpleRepo('o', 'same', ['3.0']), simpleRepo('o', 'older', ['1.0'])],
  });
  const api = `  apiUrl: ${gh.url}\n`;
  writeRecipe('fresh', `  kind: github\n  repo: o/fresh\n  asset: "\\\\.tar\\\\.gz$"\n${api}`);
  writeRecipe('same', `  kind: github\n  repo: o/same\n${api}`);
  writeRecipe('older', `  kind: github\n  repo: o/older\n${api}`);
  writeRecipe('gone', `  kind: github\n  repo: o/gone\n${api}`);

  const work = join(dir, 'work');
  bare = join(dir, 'up.git');
  git(dir, 'init', '-q', work);
  writeFileSync(join(work, 'f'), '1');
  git(work, 'add', 'f');
  git(work, 'commit', '-q', '-m', 'one');
  git(work, 'tag', 'v0.5');
  git(dir, 'clone', '-q', '--bare', work, bare);
  writeRecipe('gitpkg', `  kind: git\n  url: ${bare}\n`);

  mkdirSync(join(dir, 'www'));
  writeFileSync(join(dir, 'www', 'index.html'), '<a href="tool-4.2.tar.gz">4.2</a><a href="tool-4.10.tar.gz">4.10</a>');
  web = await serveDir(join(dir, 'www'));
  writeRecipe('webpkg', `  kind: http\n  url: ${web.url}/index.html\n  pattern: "tool-(?<version>[0-9.]+)\\\\.tar\\\\.gz$"\n`);
  writeRecipe('broken', `  kind: http\n  url: ${web.url}/boom\n  pattern: "x-(\\\\d+)"\n`);
  web.overrides.set('/boom', 503);

  const archive = buildArchive(join(dir, 'archive'), 'sid', [{ name: 'debpkg', version: '2:7.1-2' }]);
  archiveServer = await serveDir(archive.root);
  writeRecipe(
    'debpkg',
    `  kind: debian\n  package: debpkg\n  suite: sid\n  archive: ${archiveServer.url}\n  keyring: ${archive.keyring}\n`,
  );

  built('same', '3.0-1');
  built('older', '1.5-1');
  built('gitpkg', '0.4-2');
  built('webpkg', '4.10-1');
}, 300_000);

afterAll(async () => {
  await gh?.close();
  await web?.close();
  await archiveServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = (names: string[] = [], progress = recordingProgress()) =>
  checkRecipes({ recipesDir: root, names, progress, sourceOptions: { github: { token: TOKEN, msPerSecond: 5 } } });

describe('check service', () => {
  it('reports every status from every kind of upstream, batching GitHub into one query', async () => {
    gh.reset();
    web.requests.splice(0);
    const progress = recordingProgress();
    const r = await check([], progress);
    const by = Object.fromEntries(r.recipes.map((x) => [x.recipe, x]));
    expect(by.fresh).toMatchObject({
      status: 'newer-available',
      latest: '1.1.0',
      tag: 'v1.1.0',
      commit: fakeSha('o/fresh@1.1.0'),
      sha256: fakeDigest('o/fresh-1.1.0.tar.gz').slice(7),
    });
    expect(by.same).toMatchObject({ status: 'up-to-date', packaged: '3.0-1', latest: '3.0', source: 'github:o/same' });
    expect(by.older).toMatchObject({ status: 'upstream-older', packaged: '1.5-1', latest: '1.0' });
    expect(by.older?.warnings.join()).toMatch(/not downgrading/);
    expect(by.gone).toMatchObject({ status: 'not-found' });
    expect(by.gitpkg).toMatchObject({ status: 'newer-available', latest: '0.5', commit: git(bare, 'rev-parse', 'v0.5') });
    expect(by.webpkg).toMatchObject({ status: 'up-to-date', latest: '4.10' });
    expect(by.broken).toMatchObject({ status: 'error', error: { code: 'UPSTREAM_HTTP_ERROR' } });
    // A server answering 503 is asked again (3 retries by default) before the error stands.
    expect(web.requests.filter((p) => p === '/boom').length).toBe(4);
    expect(by.debpkg).toMatchObject({ status: 'newer-available', latest: '7.1', tag: '2:7.1-2', source: 'debian:sid/debpkg' });
    expect(r.summary).toMatchObject({ total: 8, 'newer-available': 3, 'up-to-date': 2, 'upstream-older': 1, 'not-found': 1, error: 1 });
    expect(gh.requests.filter((q) => q.path === '/graphql').length).toBe(1);
    expect(progress.lines.some((l) => l.startsWith('step: checking 8 recipes'))).toBe(true);
    const store = StateStore.open(root);
    expect(observationsOf(store, 'fresh').map((o) => [o.version, o.tag])).toEqual([
      ['1.1.0', 'v1.1.0'],
      ['1.0.0', 'v1.0.0'],
    ]);
    store.close();
  });

  it('warns when a tag moved or a release asset changed, and records the new observation', async () => {
    const repo = simpleRepo('o', 'fresh', ['1.0.0', '1.1.0']);
    repo.tags![1]!.commit = fakeSha('force-pushed');
    repo.releases![1]!.assets![0]!.digest = fakeDigest('replaced');
    gh.setRepo(repo);
    git(bare, 'tag', '-f', 'v0.5', git(bare, 'commit-tree', '-m', 'moved', `${git(bare, 'rev-parse', 'v0.5')}^{tree}`));
    const progress = recordingProgress();
    const r = await check(['fresh', 'gitpkg'], progress);
    const warnings = progress.lines.filter((l) => l.startsWith('warn:')).join('\n');
    expect(warnings).toMatch(/fresh: tag v1\.1\.0 now points to .* upstream moved the tag/);
    expect(warnings).toMatch(/fresh: the release asset of v1\.1\.0 changed/);
    expect(warnings).toMatch(/gitpkg: tag v0\.5 now points to/);
    expect(r.recipes.find((x) => x.recipe === 'fresh')?.warnings.length).toBe(2);
    // Seen again unchanged: no new warning, no new row.
    const again = recordingProgress();
    await check(['fresh'], again);
    expect(again.lines.filter((l) => l.startsWith('warn:'))).toEqual([]);
    const store = StateStore.open(root);
    expect(observationsOf(store, 'fresh').filter((o) => o.tag === 'v1.1.0').length).toBe(2);
    store.close();
  });

  it("says so when a Debian suite's Sources names a version whose source is missing from the pool", async () => {
    const ok = (await check(['debpkg'])).recipes[0]!;
    expect(ok.poolMissing).toBeUndefined();
    expect(ok.warnings).toEqual([]);
    const path = new URL(ok.sourceUrl!).pathname;
    expect(path).toMatch(/^\/pool\/main\/d\/debpkg\/debpkg_7\.1\.orig\.tar\./);
    archiveServer.overrides.set(path, 404);
    try {
      const progress = recordingProgress();
      const r = (await check(['debpkg'], progress)).recipes[0]!;
      expect(r).toMatchObject({ status: 'newer-available', latest: '7.1', poolMissing: { url: ok.sourceUrl, status: 404 } });
      const said = `debpkg: sid's Sources index names 2:7.1-2 but ${ok.sourceUrl} is missing from the pool (HTTP 404)`;
      expect(r.warnings.join('\n')).toContain(said);
      expect(progress.lines.some((l) => l.startsWith('warn: ') && l.includes(said))).toBe(true);
    } finally {
      archiveServer.overrides.delete(path);
    }
  });

  it('names the recipes GitHub rate limiting kept unchecked, and when to retry', async () => {
    gh.reset();
    gh.fail({ path: '/graphql', status: 403, rateLimitResetIn: 1800, times: 3 });
    const progress = recordingProgress();
    const r = await check(['fresh', 'same', 'webpkg'], progress);
    expect(r.notChecked?.recipes).toEqual(['fresh', 'same']);
    expect(Date.parse(r.notChecked!.retryAt!)).toBeGreaterThan(Date.now() + 1700_000);
    expect(progress.lines.join('\n')).toMatch(/GitHub rate limit: 2 recipes not checked \(fresh, same\); retry after/);
    expect(r.recipes.find((x) => x.recipe === 'webpkg')?.status).toBe('up-to-date');
    gh.reset();
  });
});

describe('pkgtrack check (CLI)', () => {
  // Asynchronous: the fake GitHub answers from this very process.
  const cli = (...args: string[]) => runCli(['check', ...args], { ...process.env, GITHUB_TOKEN: TOKEN, PKGTRACK_REPO: root });

  it('prints the table, progress on stderr, and exits 10 with --exit-code when something is newer', async () => {
    const r = await cli('same', 'fresh', '--exit-code');
    expect(r.status, r.stderr).toBe(10);
    expect(r.stdout).toMatch(/^RECIPE\s+PACKAGED\s+UPSTREAM\s+STATUS\s+SOURCE$/m);
    expect(r.stdout).toMatch(/^fresh\s+-\s+1\.1\.0\s+newer-available\s+github:o\/fresh$/m);
    expect(r.stdout).toMatch(/^same\s+3\.0-1\s+3\.0\s+up-to-date/m);
    expect(r.stderr).toMatch(/» checking 2 recipes/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    expect((await cli('same', '--exit-code')).status).toBe(0);
    expect((await cli('same', 'fresh')).status).toBe(0);
  });

  it('gives --json with the documented shape, and exits 1 when a recipe could not be checked', async () => {
    const r = await cli('same', 'broken', '--json');
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.summary).toMatchObject({ total: 2, 'up-to-date': 1, error: 1 });
    expect(j.recipes.map((x: { recipe: string }) => x.recipe)).toEqual(['same', 'broken']);
    expect(j.recipes[1]).toMatchObject({
      recipe: 'broken',
      status: 'error',
      source: expect.stringMatching(/^http:/),
      error: { code: 'UPSTREAM_HTTP_ERROR' },
    });
  });

  it('exits 2 for an unknown recipe, with a suggestion', async () => {
    const r = await cli('fersh');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/RECIPE_NOT_FOUND[\s\S]*Did you mean "fresh"/);
  });
});
