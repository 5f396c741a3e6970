import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGithub, startFakeGithub } from '../fakes/github/index.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { repoWith } from '../recipe/fixtures.js';

const ENV = {
  GIT_AUTHOR_NAME: 'Up',
  GIT_AUTHOR_EMAIL: 'up@example.org',
  GIT_COMMITTER_NAME: 'Up',
  GIT_COMMITTER_EMAIL: 'up@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...ENV } });

function upstream(): { work: string; bare: string; fork: string } {
  const work = tempDir('pkgtrack-up-');
  git(work, 'init', '-q', '-b', 'main');
  writeFileSync(join(work, 'README'), 'Primary distribution point: ftp://ftp.example.org/\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'initial');
  const bare = `${tempDir('pkgtrack-bare-')}/up.git`;
  git(work, 'clone', '-q', '--bare', work, bare);
  const fork = `${tempDir('pkgtrack-fork-')}/fork.git`;
  git(work, 'clone', '-q', '--bare', bare, fork);
  return { work, bare, fork };
}

const PATCH = `Description: Use HTTPS for the distribution point
 Plain FTP offers no integrity.
Author: Pat Packager <pat@example.org>
Forwarded: no
Bug-Debian: https://bugs.debian.org/123456
---
--- a/README
+++ b/README
@@ -1 +1 @@
-Primary distribution point: ftp://ftp.example.org/
+Primary distribution point: https://ftp.example.org/
`;

function recipeRepo(upstreamYaml: string): string {
  return repoWith({
    'recipes/demo/recipe.yaml': `name: demo\n${upstreamYaml}`,
    'recipes/demo/patches/series': 'https.patch\n',
    'recipes/demo/patches/https.patch': PATCH,
  });
}

describe('patches forward', () => {
  it('--dry-run prepares the commit, body and mail, and writes nothing', async () => {
    const up = upstream();
    const root = recipeRepo(`upstream:\n  kind: git\n  url: ${up.bare}\n`);
    const r = await pkgtrack(['patches', 'forward', 'demo', 'https.patch', '--dry-run', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    const res = r.json();
    expect(res).toMatchObject({
      branch: 'pkgtrack/demo/https',
      base: 'main',
      author: 'Pat Packager <pat@example.org>',
      title: 'Use HTTPS for the distribution point',
      pushed: false,
      dryRun: true,
    });
    expect(res.mailbox).toMatch(/^From: Pat Packager <pat@example.org>$/m);
    expect(res.mailbox).toMatch(/^Subject: \[PATCH\] Use HTTPS for the distribution point$/m);
    expect(res.mailbox).toMatch(/^Bug-Debian: https:\/\/bugs\.debian\.org\/123456$/m);
    expect(res.body).toContain('Plain FTP offers no integrity.');
    expect(git(up.bare, 'branch', '--list')).not.toContain('pkgtrack/');
    expect(readFileSync(join(root, 'recipes/demo/patches/https.patch'), 'utf8')).toBe(PATCH);
  });

  it('pushes the branch to a fork of a git upstream and says how to finish', async () => {
    const up = upstream();
    const root = recipeRepo(`upstream:\n  kind: git\n  url: ${up.bare}\n`);
    const r = await pkgtrack(['patches', 'forward', 'demo', 'https.patch', '--push-url', up.fork, '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ pushed: true, headerUpdated: false });
    expect(git(up.fork, 'log', '-1', '--format=%an <%ae>|%s', 'pkgtrack/demo/https').trim()).toBe(
      'Pat Packager <pat@example.org>|Use HTTPS for the distribution point',
    );
    expect(git(up.fork, 'show', 'pkgtrack/demo/https:README')).toContain('https://ftp.example.org/');
    expect(r.json().nextSteps.join('\n')).toMatch(/Forwarded: <url>/);
  });

  it('refuses a patch that no longer applies, saying what to do', async () => {
    const up = upstream();
    writeFileSync(join(up.work, 'README'), 'moved on\n');
    git(up.work, 'commit', '-q', '-am', 'rewrite');
    git(up.work, 'push', '-q', up.bare, 'main');
    const r = await pkgtrack(['patches', 'forward', 'demo', 'https.patch', '--push-url', up.fork], {
      cwd: recipeRepo(`upstream:\n  kind: git\n  url: ${up.bare}\n`),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FORWARD_DOES_NOT_APPLY/);
    expect(r.stderr).toMatch(/fix: .*patches rebase demo/);
  });

  describe('with a GitHub upstream', () => {
    let gh: FakeGithub;
    const TOKEN = 'ghp_forwardSentinelToken123';
    beforeAll(async () => {
      gh = await startFakeGithub({ token: TOKEN, repos: [{ owner: 'up', name: 'stream', pulls: [{ number: 7, state: 'MERGED' }] }] });
    });
    afterAll(() => gh.close());

    it('opens the pull request and records Forwarded in the patch', async () => {
      const up = upstream();
      const root = recipeRepo('upstream:\n  kind: github\n  repo: up/stream\n');
      const env = { GITHUB_TOKEN: TOKEN, PKGTRACK_GITHUB_API_URL: gh.url };
      const r = await pkgtrack(
        ['patches', 'forward', 'demo', 'https.patch', '--upstream-url', up.bare, '--push-url', up.fork, '--fork-owner', 'pat', '--json'],
        { cwd: root, env },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().pullRequest).toEqual({ url: 'https://github.com/up/stream/pull/8', number: 8 });
      const pr = gh.repos.get('up/stream')!.pulls!.find((p) => p.number === 8)!;
      expect(pr).toMatchObject({
        title: 'Use HTTPS for the distribution point',
        headRefName: 'pat:pkgtrack/demo/https',
        baseRefName: 'main',
        state: 'OPEN',
      });
      const patch = readFileSync(join(root, 'recipes/demo/patches/https.patch'), 'utf8');
      expect(patch).toMatch(/^Forwarded: https:\/\/github\.com\/up\/stream\/pull\/8$/m);
      expect(patch.split('---\n')[1]).toBe(PATCH.split('---\n')[1]); // the diff is untouched
      expect(r.stdout + r.stderr).not.toContain(TOKEN);
      // The report now follows the pull request.
      const rep = await pkgtrack(['report', 'patches', '--offline', '--json'], { cwd: root, env });
      expect(rep.json().recipes[0].patches[0].dep3.forwarded).toBe('https://github.com/up/stream/pull/8');
      const online = await pkgtrack(['report', 'patches', '--json'], { cwd: root, env });
      expect(online.json().recipes[0].patches[0].status).toBe('forwarded-open');
    });
  });
});
