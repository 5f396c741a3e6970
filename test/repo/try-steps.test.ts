/**
 * `repo try` reports each step it ran (#20 item 7): a failing step stops the run and is the
 * last one listed, with its exit code; the package's documentation is installed, as on a
 * user's system (the changelog a backport keeps must be visible); `--autopkgtest` runs the real autopkgtest, installed from
 * the distro's archive into the clean container, over the source package in our pool (here
 * tinyhello with a debian/tests/control, so dpkg-source gives its .dsc a Testsuite: field).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TryResult } from '../../src/services/repo/try.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { tinyRecipesRepo, writeAll } from '../helpers/tinyhello.js';
import { makeKey, type TestKey } from './apt-helpers.js';

let recipes: string;
let key: TestKey;

beforeAll(async () => {
  const work = tempDir('pkgtrack-try-steps-');
  recipes = tinyRecipesRepo(work, 'signing:\n  key: key.asc\n');
  key = makeKey(recipes);
  writeAll(recipes, {
    // Two tests: one that passes against the installed binary, one that autopkgtest skips (exit 77).
    'recipes/tinyhello/debian/tests/control':
      'Test-Command: tinyhello | grep -qx "tinyhello 1.0"\nDepends: @\nFeatures: test-name=greets\n\nTest-Command: exit 77\nFeatures: test-name=skipped\nRestrictions: skippable\n',
  });
  const built = await pkgtrack(['build', 'tinyhello', '-t', 'debian:bookworm', '--out', join(work, 'out')], { cwd: recipes });
  expect(built.code, built.stderr.slice(-3000)).toBe(0);
  const published = await pkgtrack(['publish', join(work, 'out', 'debian-bookworm', 'tinyhello')], { cwd: recipes });
  expect(published.code, published.stderr.slice(-3000)).toBe(0);
}, 20 * 60_000);

const tryIt = async (...args: string[]) => {
  const r = await pkgtrack(['repo', 'try', 'tinyhello', '-t', 'debian:bookworm', '--key', key.pub, '--json', ...args], {
    cwd: recipes,
  });
  return { code: r.code, stderr: r.stderr, result: JSON.parse(r.stdout) as TryResult };
};

describe('repo try steps', () => {
  it('lists the steps that ran; the failing command is the last, with its exit code, and the run exits 1', async () => {
    const { code, result } = await tryIt('--', 'sh', '-c', 'exit 3');
    expect(code).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.installed).toMatch(/^1\.0-1/);
    expect(result.steps).toEqual([
      { step: 'install', ok: true },
      { step: 'run', ok: false, code: 3 },
    ]);
  }, 600_000);

  it("installs the package's documentation as a user's system does: changelog.Debian.gz is there (the image's path-excludes are dropped)", async () => {
    const { code, stderr, result } = await tryIt('--', 'sh', '-c', 'zcat /usr/share/doc/tinyhello/changelog.Debian.gz');
    expect(code, `${stderr}\n${result.output}`).toBe(0);
    expect(result.output).toMatch(/^tinyhello \(1\.0-1[^)]*\) /m);
  }, 600_000);

  it("--autopkgtest runs the pool source's tests with the real autopkgtest against the installed package", async () => {
    const { code, stderr, result } = await tryIt('--autopkgtest');
    expect(code, `${stderr}\n${result.output}`).toBe(0);
    expect(result.steps).toEqual([
      { step: 'install', ok: true },
      { step: 'autopkgtest', ok: true },
    ]);
    expect(result.autopkgtest).toEqual({
      testsuite: true,
      tests: [
        { name: 'greets', result: 'PASS' },
        { name: 'skipped', result: 'SKIP', detail: expect.stringMatching(/exit status 77/) },
      ],
    });
  }, 900_000);
});
