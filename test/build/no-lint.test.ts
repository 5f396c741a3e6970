/**
 * `build --no-lint`: a quicker build while iterating (lintian is most of a small package's build
 * time on two cores). It skips lintian and says so; a later build that lints does not take the
 * unlinted build as up to date.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { tinyRecipesRepo } from '../helpers/tinyhello.js';

let work: string;
let recipes: string;

beforeAll(() => {
  work = tempDir('pkgtrack-no-lint-');
  recipes = tinyRecipesRepo(work);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const manifest = () => JSON.parse(readFileSync(join(recipes, 'out/debian-bookworm/tinyhello/manifest.json'), 'utf8'));

describe('build --no-lint', () => {
  it('skips lintian and says so; the next build that lints is not "up to date"', async () => {
    const quick = await pkgtrack(['build', 'tinyhello', '--no-lint', '--json'], { cwd: recipes });
    expect(quick.code, quick.stderr).toBe(0);
    const b = quick.json().builds[0];
    expect(b.result).toBe('built');
    expect(b.lint).toBeUndefined();
    expect(manifest().lint).toBeUndefined();
    const text = await pkgtrack(['build', 'tinyhello', '--no-lint'], { cwd: recipes });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout + text.stderr).toMatch(/up.to.date/i);

    const linted = await pkgtrack(['build', 'tinyhello', '--json'], { cwd: recipes });
    expect(linted.code, linted.stderr).toBe(0);
    const l = linted.json().builds[0];
    expect(l.result).toBe('built');
    expect(l.lint.tool).toBe('lintian');
    expect(manifest().lint.tool).toBe('lintian');
    const again = await pkgtrack(['build', 'tinyhello', '--json'], { cwd: recipes });
    expect(again.json().builds[0].result).toBe('up-to-date');
  }, 600_000);

  it('says lint was skipped in the progress lines', async () => {
    const r = await pkgtrack(['build', 'tinyhello', '--no-lint', '--force'], { cwd: recipes });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('lintian skipped (--no-lint)');
    expect(r.stderr).not.toContain('lintian results');
  }, 600_000);
});
