/** The git source against local bare repositories made with real git. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { tagToVersion } from '../../src/formats/versions.js';
import { checkGitUrl, GitSource, lsRemote } from '../../src/upstream/git.js';
import type { RecipeUpstream } from '../../src/upstream/source.js';

let dir: string;
let bare: string;
let work: string;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.org', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkgtrack-git-'));
  work = join(dir, 'work');
  bare = join(dir, 'up.git');
  git(dir, 'init', '-q', work);
  for (const [i, tag] of ['v1.0.0', 'v1.2.0', 'v1.10.0', 'v2.0.0-rc1', 'not-a-release'].entries()) {
    writeFileSync(join(work, 'f'), String(i));
    git(work, 'add', 'f');
    git(work, 'commit', '-q', '-m', tag);
    if (i % 2) git(work, 'tag', '-a', '-m', tag, tag);
    else git(work, 'tag', tag);
  }
  git(work, 'checkout', '-q', '-b', 'next');
  writeFileSync(join(work, 'f'), 'next');
  git(work, 'commit', '-q', '-am', 'next');
  git(work, 'checkout', '-q', 'main');
  git(dir, 'clone', '-q', '--bare', work, bare);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recipe = (url: string, mangle = false): RecipeUpstream => ({
  recipe: 'demo',
  config: { kind: 'git', url },
  tagToVersion: (t) => tagToVersion(t, { tagPattern: '^v(?<version>.+)$', mangle: mangle ? [{ from: '-rc', to: '~rc' }] : [] }),
});

describe('git source', () => {
  it('lists release tags newest first, peeling annotated tags to their commit', async () => {
    const got = (await new GitSource().releases([recipe(bare, true)])).get('demo');
    if (!Array.isArray(got)) throw got;
    expect(got.map((r) => r.version)).toEqual(['2.0.0~rc1', '1.10.0', '1.2.0', '1.0.0']);
    for (const r of got) expect(r.commit).toBe(git(bare, 'rev-parse', `${r.tag}^{commit}`));
    // v1.2.0 is annotated: the tag object differs from the commit we report.
    expect(git(bare, 'rev-parse', 'v1.2.0')).not.toBe(got.find((r) => r.tag === 'v1.2.0')?.commit);
    expect(got[1]?.git).toEqual({ url: bare, ref: 'refs/tags/v1.10.0' });
  });

  it('reads HEAD and named branches', async () => {
    const src = new GitSource();
    expect(await src.head(recipe(bare))).toMatchObject({ branch: 'main', commit: git(bare, 'rev-parse', 'main'), git: { url: bare } });
    expect((await src.head(recipe(bare), 'next')).commit).toBe(git(bare, 'rev-parse', 'next'));
    await expect(src.head(recipe(bare), 'nope')).rejects.toMatchObject({ code: 'UPSTREAM_BRANCH_NOT_FOUND' });
  });

  it('describes a head: newest release tag reachable, commits since, commit time (as git describe counts)', async () => {
    const head = await new GitSource().head(recipe(bare, true), 'next');
    // v2.0.0-rc1 maps to 2.0.0~rc1, the newest version reachable from next; "not-a-release" is ignored.
    expect(head.describe).toEqual({ tag: 'v2.0.0-rc1', commitsSince: Number(git(bare, 'rev-list', '--count', 'v2.0.0-rc1..next')) });
    expect(head.describe?.commitsSince).toBe(2);
    expect(head.committedAt).toBe(git(bare, 'log', '-1', '--format=%cI', 'next'));
  });

  it('sees a force-moved tag', async () => {
    const before = (await lsRemote(bare)).tags.get('v1.0.0');
    git(bare, 'tag', '-f', 'v1.0.0', 'main');
    const after = (await lsRemote(bare)).tags.get('v1.0.0');
    expect(after).not.toBe(before);
    expect(after).toBe(git(bare, 'rev-parse', 'main'));
  });

  it('reports a missing remote per recipe and refuses option-like or ext:: URLs', async () => {
    const got = (await new GitSource().releases([recipe(join(dir, 'missing.git'))])).get('demo');
    expect(isPkgtrackError(got) && got.kind === 'not-found').toBe(true);
    expect(() => checkGitUrl('--upload-pack=touch /tmp/x')).toThrow(/not a git URL/);
    expect(() => checkGitUrl('ext::sh -c touch% /tmp/pwned')).toThrow(/not a git URL/);
  });
});
