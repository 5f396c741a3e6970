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
  it('publishes every job’s output in one run and pushes the repository to a branch', async () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    const artifacts = join(work, 'artifacts');
    artifact(artifacts, 'pkgtrack-alpha-debian-bookworm', 'alpha', '1.0-1', 'bookworm');
    artifact(artifacts, 'pkgtrack-beta-debian-bookworm', 'beta', '2.0-1', 'bookworm');
    artifact(artifacts, 'pkgtrack-beta-debian-trixie', 'beta', '2.0-1~deb13u1', 'trixie');
    const bare = join(work, 'pages.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    const out = join(work, 'public');
    const r = await publishCli(work, key, out, ['--from-artifacts', artifacts, '--to', `git+${bare}#gh-pages`, '--json']);
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
    // Locks and temporaries are this machine's; the generation records are what the next publisher adopts.
    expect(files).not.toMatch(/publish\.lock|\.pkgtrack-tmp/);
    expect(files).toMatch(/^apt\/\.pkgtrack\/generations\//m);

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
    const again = await publishCli(work, key, out, ['--from-artifacts', artifacts, '--to', `git+${bare}#gh-pages`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const after = tree();
    const changed = [...after.keys()].filter((p) => before.get(p) !== after.get(p) && !p.startsWith('apt/.pkgtrack/'));
    expect(changed.sort().filter((p) => !/^apt\/dists\/(bookworm|trixie)\/(InRelease|Release|Release\.gpg)$/.test(p))).toEqual([]);
    expect([...before.keys()].filter((p) => p.includes('/pool/')).every((p) => before.get(p) === after.get(p))).toBe(true);
  });

  it('an empty artifacts folder is "nothing to publish", not an error; a missing one is', async () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    mkdirSync(join(work, 'artifacts'));
    const r = await publishCli(work, key, join(work, 'public'), ['--from-artifacts', join(work, 'artifacts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing to publish/);
    const missing = await publishCli(work, key, join(work, 'public'), ['--from-artifacts', join(work, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/PUBLISH_ARTIFACTS_MISSING/);
    const none = await publishCli(work, key, join(work, 'public'), []);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to publish/);
  });

  it('two publishers restored from the same tip: the second, leased on it, restores the new tip and publishes again; nothing lost', async () => {
    const work = tempDir('pkgtrack-ci-race-');
    const key = makeKey(work);
    const bare = join(work, 'pages.git');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    const to = `git+${bare}#gh-pages`;
    const listed = () => execFileSync('git', ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'gh-pages'], { encoding: 'utf8' });
    // The first publish ever: the branch does not exist, the lease says so.
    const seed = join(work, 'seed');
    artifact(seed, 'job', 'alpha', '1.0-1', 'bookworm');
    const first = await publishCli(work, key, join(work, 'out0'), ['--from-artifacts', seed, '--to', to, '--lease', 'none', '--json']);
    expect(first.code, first.stderr).toBe(0);
    // Both publish jobs restore the same tip, as the workflow's restore step does.
    const restore = (out: string) => {
      mkdirSync(out, { recursive: true });
      execFileSync('sh', ['-c', `git --git-dir "${bare}" archive gh-pages | tar -x -C "${out}"`]);
      return execFileSync('git', ['--git-dir', bare, 'rev-parse', 'gh-pages'], { encoding: 'utf8' }).trim();
    };
    const [outA, outB] = [join(work, 'outA'), join(work, 'outB')];
    const base = restore(outA);
    expect(restore(outB)).toBe(base);
    const [artA, artB] = [join(work, 'artA'), join(work, 'artB')];
    artifact(artA, 'job', 'beta', '2.0-1', 'bookworm');
    artifact(artB, 'job', 'gamma', '3.0-1~deb13u1', 'trixie');
    const a = await publishCli(work, key, outA, ['--from-artifacts', artA, '--to', to, '--lease', base, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.json().pushed.retries).toBeUndefined();
    // B's view is older than the branch now: it must not replace A's publish.
    const b = await publishCli(work, key, outB, ['--from-artifacts', artB, '--to', to, '--lease', base, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/PUBLISH_TIP_MOVED|another publisher pushed since/);
    expect(b.json().pushed).toMatchObject({ changed: true, retries: 1 });
    const files = listed();
    for (const pkg of ['a/alpha/alpha_1.0-1_all.deb', 'b/beta/beta_2.0-1_all.deb', 'g/gamma/gamma_3.0-1~deb13u1_all.deb'])
      expect(files).toContain(`apt/pool/main/${pkg}`);
    expect(files).toMatch(/^apt\/dists\/bookworm\/InRelease$/m);
    expect(files).toMatch(/^apt\/dists\/trixie\/InRelease$/m);
    const packages = execFileSync('git', ['--git-dir', bare, 'show', 'gh-pages:apt/dists/bookworm/main/binary-amd64/Packages'], {
      encoding: 'utf8',
    });
    expect(packages).toMatch(/^Package: alpha$/m);
    expect(packages).toMatch(/^Package: beta$/m);
    // History kept: three publishes, each on top of the last.
    expect(execFileSync('git', ['--git-dir', bare, 'rev-list', '--count', 'gh-pages'], { encoding: 'utf8' }).trim()).toBe('3');
    // A lease that is not a commit is refused before anything is published.
    const bad = await publishCli(work, key, outB, ['--from-artifacts', artB, '--to', to, '--lease', 'main']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/PUBLISH_LEASE_INVALID/);
  });

  it('refuses a malformed --to', async () => {
    const work = tempDir('pkgtrack-ci-publish-');
    const key = makeKey(work);
    const r = await publishCli(work, key, join(work, 'public'), ['--from-artifacts', work, '--to', 'https://example.org/repo.git']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PUBLISH_TO_INVALID[\s\S]*git\+<url>#<branch>/);
  });
});
