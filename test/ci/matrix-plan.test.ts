/**
 * `ci matrix` against a published output, the way a fresh CI runner sees it: the plan compares
 * the recipe hash the published build manifests record (so a packaging-only change rebuilds,
 * and the same version with other bytes is refused before any build), keeps build manifests
 * through a fan-out publish, and plans trunk targets one by one (a failed target is retried).
 * Upstream is a local git repository; the packages are small .debs made by dpkg-deb.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack } from '../helpers/cli.js';
import type { TestKey } from '../repo/apt-helpers.js';
import {
  AMD64,
  type ArtifactManifest,
  artifact as artifactOf,
  BOOKWORM,
  createPlanFixture,
  git,
  type PlanFixture,
  RECIPE,
  recipeYaml as recipeYamlOf,
  trunkArtifact as trunkArtifactOf,
  writeAll,
} from './plan-fixture.js';

let upstream: string;
let repo: string;
let key: TestKey;
let f: PlanFixture;
const recipeYaml = (revision: string) => recipeYamlOf(f, revision);
const artifact = (dir: string, m: ArtifactManifest) => artifactOf(f, dir, m);
const trunkArtifact = (dir: string, commit: string, arch?: string) => trunkArtifactOf(f, dir, commit, arch);

const matrix = async (...args: string[]) => await pkgtrack(['ci', 'matrix', '--json', ...args], { cwd: repo });
const publish = async (artifacts: string) =>
  await pkgtrack(['publish', '--key', key.secret, '--from-artifacts', artifacts, '--json'], { cwd: repo });

beforeAll(() => {
  f = createPlanFixture();
  ({ upstream, repo, key } = f);
});

describe('ci matrix --channel stable against the published build manifests', () => {
  it('plans the new release; after a fan-out publish the manifest is on the site and the plan is empty', async () => {
    const first = await matrix('--channel', 'stable');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().matrix.include).toEqual([
      { recipe: 'tiny', target: 'debian:bookworm', ...AMD64, channel: 'stable', version: '1.0' },
    ]);

    await artifact(join(repo, 'artifacts1/pkgtrack-tiny-debian-bookworm'), { version: '1.0', packageVersion: `1.0-1${BOOKWORM}` });
    const p = await publish(join(repo, 'artifacts1'));
    expect(p.code, p.stderr).toBe(0);
    // The fan-out publish keeps the build manifest (provenance, the page's "Built" column).
    const published = JSON.parse(readFileSync(join(repo, 'public/builds/tiny/bookworm/manifest.json'), 'utf8'));
    expect(published).toMatchObject({ recipe: 'tiny', packageVersion: `1.0-1${BOOKWORM}` });
    expect(readFileSync(join(repo, 'public/index.html'), 'utf8')).toContain('builds/tiny/bookworm/manifest.json');

    const again = await matrix('--channel', 'stable');
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().matrix.include).toEqual([]);
    expect(again.json().problems).toEqual([]);
  });

  it('a packaging change without a revision bump is refused before a build, naming the field; --exit-code says so', async () => {
    writeAll(repo, {
      'recipes/tiny/patches/cve-fix.patch': '--- a/README\n+++ b/README\n@@ -1 +1 @@\n-tiny 1.0\n+tiny 1.0 fixed\n',
      'recipes/tiny/patches/series': 'cve-fix.patch\n',
    });
    const r = await matrix('--channel', 'stable');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().matrix.include).toEqual([]);
    expect(r.json().problems).toEqual([expect.objectContaining({ recipe: 'tiny', target: 'debian:bookworm', field: 'revision' })]);
    expect(r.json().problems[0].message).toMatch(/revision "1" was not bumped/);
    const summary = join(repo, 'summary.md');
    const strict = await pkgtrack(['ci', 'matrix', '--channel', 'stable', '--exit-code'], {
      cwd: repo,
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    expect(strict.code).toBe(11);
    expect(JSON.parse(strict.stdout)).toEqual({ include: [] });
    expect(strict.stderr).toMatch(/revision/);
    expect(readFileSync(summary, 'utf8')).toMatch(/tiny.*debian:bookworm.*revision "1" was not bumped/);
  });

  it('with the revision bumped, the packaging-only change rebuilds the published upstream version', async () => {
    writeFileSync(join(repo, RECIPE), recipeYaml('2'));
    const r = await matrix('--channel', 'stable');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().matrix.include).toEqual([{ recipe: 'tiny', target: 'debian:bookworm', ...AMD64, channel: 'stable', version: '1.0' }]);
  });

  it('a missing --output folder is an error, not "plan everything"', async () => {
    const r = await pkgtrack(['ci', 'matrix', '--output', join(repo, 'nope')], { cwd: repo });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CI_MATRIX_OUTPUT_MISSING/);
  });
});

describe('ci matrix --channel trunk: state per target', () => {
  it('a target whose cell failed is planned again next run while the one that published is not', async () => {
    // Two targets; the trunk run published bookworm only (trixie's cell failed).
    writeFileSync(join(repo, RECIPE), recipeYaml('2').replace('targets: [debian:bookworm]', 'targets: [debian:bookworm, debian:trixie]'));
    const head = git(upstream, 'rev-parse', 'HEAD').trim();
    const plan = await matrix('--channel', 'trunk');
    expect(plan.code, plan.stderr).toBe(0);
    expect(
      plan
        .json()
        .matrix.include.map((c: { target: string }) => c.target)
        .sort(),
    ).toEqual(['debian:bookworm', 'debian:trixie']);
    await trunkArtifact(join(repo, 'artifacts2/pkgtrack-tiny-debian-bookworm'), head);
    const p = await publish(join(repo, 'artifacts2'));
    expect(p.code, p.stderr).toBe(0);
    const state = JSON.parse(readFileSync(join(repo, 'public/trunk/tiny.json'), 'utf8'));
    expect(state).toMatchObject({ branch: 'main', commit: head, targets: [{ target: 'debian:bookworm', commit: head }] });
    const next = await matrix('--channel', 'trunk');
    expect(next.code, next.stderr).toBe(0);
    expect(next.json().matrix.include).toEqual([{ recipe: 'tiny', target: 'debian:trixie', ...AMD64, channel: 'trunk', commit: head }]);
    expect(existsSync(join(repo, 'public/builds/tiny/bookworm-trunk/manifest.json'))).toBe(true);
    // Upstream moves: every target again, each bounded by the published trunk version (the
    // build job has no published state to read the guard's bound from).
    writeFileSync(join(upstream, 'moved'), 'x\n');
    git(upstream, 'add', 'moved');
    git(upstream, 'commit', '-q', '-m', 'moved');
    const moved = await matrix('--channel', 'trunk');
    expect(moved.code, moved.stderr).toBe(0);
    expect(
      moved
        .json()
        .matrix.include.map((c: { target: string; previous?: string }) => `${c.target} ${c.previous}`)
        .sort(),
    ).toEqual(['debian:bookworm 1.0+git20261201.0.abcdef1', 'debian:trixie 1.0+git20261201.0.abcdef1']);
  });

  it('per architecture too: with arm64 added, only the arm64 cell is planned, on the arm runner, until its build is published', async () => {
    // The recipe now builds arm64 as well; bookworm's amd64 build of the (moved) HEAD is published.
    const head = git(upstream, 'rev-parse', 'HEAD').trim();
    await trunkArtifact(join(repo, 'artifacts3/pkgtrack-tiny-debian-bookworm'), head);
    expect((await publish(join(repo, 'artifacts3'))).code).toBe(0);
    writeFileSync(
      join(repo, RECIPE),
      recipeYaml('2').replace('targets: [debian:bookworm]', 'targets: [debian:bookworm]\narches: [amd64, arm64]'),
    );
    // An architecture-dependent package (an Architecture: all only one builds on amd64 alone).
    const control = join(repo, 'recipes/tiny/debian/control');
    writeFileSync(control, readFileSync(control, 'utf8').replace('Architecture: all', 'Architecture: any'));
    const plan = await matrix('--channel', 'trunk');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json().matrix.include).toEqual([
      {
        recipe: 'tiny',
        target: 'debian:bookworm',
        arch: 'arm64',
        runner: 'ubuntu-24.04-arm',
        emulated: false,
        channel: 'trunk',
        commit: head,
      },
    ]);
    expect(plan.json().skipped).toContainEqual(
      expect.objectContaining({ target: 'debian:bookworm', reason: expect.stringMatching(/already built/) }),
    );
    await trunkArtifact(join(repo, 'artifacts4/pkgtrack-tiny-debian-bookworm-arm64'), head, 'arm64');
    const p = await publish(join(repo, 'artifacts4'));
    expect(p.code, p.stderr).toBe(0);
    const state = JSON.parse(readFileSync(join(repo, 'public/trunk/tiny.json'), 'utf8'));
    expect(state.targets.map((t: { target: string }) => t.target)).toEqual(['debian:bookworm', 'debian:bookworm/arm64']);
    const next = await matrix('--channel', 'trunk');
    expect(next.code, next.stderr).toBe(0);
    expect(next.json().matrix.include).toEqual([]);
  });
});
