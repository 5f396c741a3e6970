/**
 * `image build` inside a recipes repository (or with -C) prepares the targets its recipes build,
 * not a fixed list: here a repository whose only recipe builds for debian:bookworm.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';

describe('image build defaults to the recipes repository targets', () => {
  it('-C DIR: only debian:bookworm, the one target its recipe names (its buildd and minimal images)', { timeout: 600_000 }, async () => {
    const repo = tempDir('pkgtrack-image-defaults-');
    writeFileSync(join(repo, 'pkgtrack.yaml'), 'name: img\norigin: Img\nlabel: Img\nmaintainer: T <t@example.org>\n');
    cpSync(join(ROOT, 'recipes/hello'), join(repo, 'recipes/hello'), { recursive: true });
    const recipe = join(repo, 'recipes/hello/recipe.yaml');
    writeFileSync(recipe, readFileSync(recipe, 'utf8').replace(/^targets:\n(?: {2}- .*\n)+/m, 'targets:\n  - debian:bookworm\n'));
    const r = await pkgtrack(['image', 'build', '-C', repo, '--json'], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    // A Debian target has two base images: the buildd chroot builds start from, and the minimal one `repo try` installs into.
    expect(r.json().images.map((i: { target: string; variant: string }) => `${i.target} ${i.variant}`)).toEqual([
      'debian:bookworm buildd',
      'debian:bookworm minimal',
    ]);
  });

  it("makes a base image per architecture of the recipes' arches (foreign ones under qemu-user)", { timeout: 1_800_000 }, async () => {
    const repo = tempDir('pkgtrack-image-arches-');
    writeFileSync(join(repo, 'pkgtrack.yaml'), 'name: img\norigin: Img\nlabel: Img\nmaintainer: T <t@example.org>\n');
    cpSync(join(ROOT, 'recipes/hello'), join(repo, 'recipes/hello'), { recursive: true });
    const recipe = join(repo, 'recipes/hello/recipe.yaml');
    writeFileSync(
      recipe,
      readFileSync(recipe, 'utf8').replace(/^targets:\n(?: {2}- .*\n)+/m, 'targets:\n  - debian:bookworm\narches: [amd64, aarch64]\n'),
    );
    const r = await pkgtrack(['image', 'build', '-C', repo, '--json'], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    const images = r.json().images as Array<{ target: string; arch: string; ref: string }>;
    expect(images.map((i) => `${i.target} ${i.arch} ${i.ref}`)).toEqual([
      'debian:bookworm amd64 localhost/pkgtrack/base:debian-bookworm-buildd',
      'debian:bookworm amd64 localhost/pkgtrack/base:debian-bookworm',
      'debian:bookworm arm64 localhost/pkgtrack/base:debian-bookworm-arm64-buildd',
      'debian:bookworm arm64 localhost/pkgtrack/base:debian-bookworm-arm64',
    ]);
    const bad = await pkgtrack(['image', 'build', '-C', repo, '-a', 'arm65'], { cwd: tempDir() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ARCH_UNKNOWN.*did you mean "arm64"/);
  });
});
