/**
 * The CI publish job: every build job's artifact folder merged into one publish, then the output
 * pushed to a git branch (what GitHub Pages serves), tested against a local bare repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, publishCli } from '../repo/apt-helpers.js';

function artifact(root: string, job: string, name: string, version: string, suite: string): void {
  const dir = join(root, job, name, suite);
  mkdirSync(dir, { recursive: true });
  const deb = buildDeb(dir, name, version);
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({ recipe: name, suite, artifacts: [{ name: deb.split('/').pop(), kind: 'deb' }] }),
  );
}

describe('publish --from-artifacts --to git', () => {
  it('publishes every job’s output in one run and pushes the repository to a branch', () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    const artifacts = join(work, 'artifacts');
    artifact(artifacts, 'pkgtrack-alpha-debian-bookworm', 'alpha', '1.0-1', 'bookworm');
    artifact(artifacts, 'pkgtrack-beta-debian-bookworm', 'beta', '2.0-1', 'bookworm');
    artifact(artifacts, 'pkgtrack-beta-debian-trixie', 'beta', '2.0-1~deb13u1', 'trixie');
    const bare = join(work, 'pages.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    const out = join(work, 'public');
    const r = publishCli(work, key, out, ['--from-artifacts', artifacts, '--to', `git+${bare}#gh-pages`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = r.json();
    expect(res.reports.map((x: { suite: string; added: unknown[] }) => `${x.suite}:${x.added.length}`).sort()).toEqual([
      'bookworm:2',
      'trixie:1',
    ]);
    expect(res.pushed).toMatchObject({ branch: 'gh-pages', changed: true });
    const files = execFileSync('git', ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'gh-pages'], { encoding: 'utf8' });
    expect(files).toMatch(/^apt\/dists\/bookworm\/InRelease$/m);
    expect(files).toMatch(/^apt\/dists\/trixie\/main\/binary-amd64\/Packages\.xz$/m);
    expect(files).toMatch(/^apt\/pool\/main\/b\/beta\/beta_2\.0-1~deb13u1_all\.deb$/m);
    expect(files).toMatch(/^\.nojekyll$/m);
    expect(files).not.toMatch(/state\.db/);

    // Same output again: the pool and every index stay byte for byte; only the signed
    // top-level files get a fresh Date (as `repo refresh` would).
    const tree = () =>
      new Map(
        execFileSync('git', ['--git-dir', bare, 'ls-tree', '-r', 'gh-pages'], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => [l.split('\t')[1]!, l.split(/\s+/)[2]!]),
      );
    const before = tree();
    const again = publishCli(work, key, out, ['--from-artifacts', artifacts, '--to', `git+${bare}#gh-pages`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const after = tree();
    const changed = [...after.keys()].filter((p) => before.get(p) !== after.get(p) && !p.startsWith('apt/.pkgtrack/'));
    expect(changed.sort().filter((p) => !/^apt\/dists\/(bookworm|trixie)\/(InRelease|Release|Release\.gpg)$/.test(p))).toEqual([]);
    expect([...before.keys()].filter((p) => p.includes('/pool/')).every((p) => before.get(p) === after.get(p))).toBe(true);
  });

  it('an empty artifacts folder is "nothing to publish", not an error; a missing one is', () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    mkdirSync(join(work, 'artifacts'));
    const r = publishCli(work, key, join(work, 'public'), ['--from-artifacts', join(work, 'artifacts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to publish/);
    const missing = publishCli(work, key, join(work, 'public'), ['--from-artifacts', join(work, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/PUBLISH_ARTIFACTS_MISSING/);
    const none = publishCli(work, key, join(work, 'public'), []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to publish/);
  });

  it('refuses a malformed --to', () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    const r = publishCli(work, key, join(work, 'public'), ['--from-artifacts', work, '--to', 'https://example.org/repo.git']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PUBLISH_TO_INVALID[\s\S]*git\+<url>#<branch>/);
  });
});
