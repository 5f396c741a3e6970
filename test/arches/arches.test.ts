import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlyArchIndependent } from '../../src/builders/deb/control.js';
import { hostCapabilities, readBinfmt, requireArchSupport } from '../../src/containers/emulation.js';
import { mmdebstrapArgv } from '../../src/containers/base-image.js';
import { importArgv, PODMAN, DOCKER } from '../../src/containers/argv.js';
import { PkgtrackError } from '../../src/core/errors.js';
import { archProblem, archSupport, ciRunner, debArch, hostDebArch } from '../../src/recipe/arches.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { buildsIndep, resolveTarget, targetKey, targetSlug, withArch } from '../../src/recipe/targets.js';
import { tempDir } from '../helpers/cli.js';
import { GOOD_RECIPE, problems, repoWith } from '../recipe/fixtures.js';

/** A fake /proc/sys/fs/binfmt_misc. */
function binfmtDir(entries: Record<string, { enabled: boolean; flags: string }>, mounted = true): string {
  const dir = tempDir();
  if (mounted) writeFileSync(join(dir, 'register'), '');
  for (const [name, e] of Object.entries(entries)) {
    writeFileSync(
      join(dir, name),
      `${e.enabled ? 'enabled' : 'disabled'}\ninterpreter /usr/libexec/qemu-binfmt/x\nflags: ${e.flags}\noffset 0\n`,
    );
  }
  return dir;
}

describe('architecture names', () => {
  it('takes Debian and rpm spellings, stores Debian names', () => {
    expect(debArch('arm64')).toBe('arm64');
    expect(debArch('aarch64')).toBe('arm64');
    expect(debArch('x86_64')).toBe('amd64');
    expect(debArch('armv7hl')).toBe('armhf');
    expect(debArch('ppc64le')).toBe('ppc64el');
    expect(archProblem('riscv64')).toBeUndefined();
  });

  it('refuses unknown names with a did-you-mean', () => {
    expect(archProblem('arm46')).toMatch(/unknown architecture "arm46"; did you mean "arm64"\?/);
    expect(archProblem('aarch46')).toMatch(/did you mean "aarch64"/);
    expect(archProblem('sparc')).toMatch(/Known: amd64, arm64, armhf/);
  });

  it('maps the host and the CI runner that builds natively', () => {
    expect(hostDebArch('x64')).toBe('amd64');
    expect(hostDebArch('arm64')).toBe('arm64');
    expect(ciRunner('amd64')).toEqual({ runner: 'ubuntu-24.04', emulated: false });
    expect(ciRunner('arm64')).toEqual({ runner: 'ubuntu-24.04-arm', emulated: false });
    expect(ciRunner('armhf')).toEqual({ runner: 'ubuntu-24.04', emulated: true });
    expect(ciRunner('i386')).toEqual({ runner: 'ubuntu-24.04', emulated: false });
  });
});

describe('arches in recipes', () => {
  it('gives every target the recipe arches, a target its own, amd64 by default', async () => {
    const root = repoWith({
      'recipes/demo/recipe.yaml': `${GOOD_RECIPE}arches: [amd64, aarch64]\ntargets:\n  - debian:bookworm\n  - id: debian:trixie\n    arches: [armhf]\n`,
    });
    const r = await loadRecipe(await loadRecipesRepository(root), 'demo');
    expect(r.targets.map((t) => [t.id, t.arch, t.arches])).toEqual([
      ['debian:bookworm', 'amd64', ['amd64', 'arm64']],
      ['debian:trixie', 'armhf', ['armhf']],
    ]);
    const plain = await loadRecipe(await loadRecipesRepository(repoWith()), 'demo');
    expect(plain.targets[0]!.arches).toEqual(['amd64']);
  });

  it('points at a misspelt or repeated architecture', () => {
    const [e] = problems(`${GOOD_RECIPE}arches: [amd64, arm46]\n`);
    expect(e!.details).toMatchObject({ file: 'recipe.yaml', field: 'arches.1' });
    expect(e!.message).toMatch(/did you mean "arm64"/);
    const [d] = problems(`${GOOD_RECIPE}arches: [arm64, aarch64]\n`);
    expect(d!.message).toMatch(/"arm64" is listed twice/);
    const [t] = problems(`${GOOD_RECIPE}targets:\n  - id: debian:bookworm\n    arches: [armhf, riscv46]\n`);
    expect(t!.details.field).toBe('targets.0.arches.1');
  });

  it('names builds: the first arch builds the source and Arch: all; amd64 keeps its old names', () => {
    const t = resolveTarget('debian:bookworm', { arches: ['amd64', 'arm64'] })!;
    const arm = withArch(t, 'arm64');
    expect([buildsIndep(t), buildsIndep(arm)]).toEqual([true, false]);
    expect([targetKey(t), targetKey(arm)]).toEqual(['debian:bookworm', 'debian:bookworm/arm64']);
    expect([targetSlug(t), targetSlug(arm)]).toEqual(['debian-bookworm', 'debian-bookworm-arm64']);
  });

  it('knows a control file whose binaries are all Architecture: all', () => {
    const src = 'Source: x\nBuild-Depends: debhelper-compat (= 13)\n\n';
    expect(onlyArchIndependent(`${src}Package: x-doc\nArchitecture: all\n`, 'control')).toBe(true);
    expect(onlyArchIndependent(`${src}Package: x\nArchitecture: any\n\nPackage: x-doc\nArchitecture: all\n`, 'control')).toBe(false);
  });
});

describe('foreign architectures on this host', () => {
  const arm = withArch(resolveTarget('debian:bookworm', { arches: ['amd64', 'arm64'] })!, 'arm64');

  it('bootstraps and imports a foreign base image for its architecture', () => {
    expect(mmdebstrapArgv(arm, '/t.tar')).toContain('--architectures=arm64');
    expect(mmdebstrapArgv(resolveTarget('debian:bookworm')!, '/t.tar').some((a) => a.startsWith('--arch'))).toBe(false);
    expect(importArgv(PODMAN, '/t.tar', 'r', {}, 'armhf').slice(0, 5)).toEqual(['import', '--arch', 'arm', '--variant', 'v7']);
    expect(importArgv(DOCKER, '/t.tar', 'r', {}, 'arm64').slice(0, 3)).toEqual(['import', '--platform', 'linux/arm64']);
  });

  it('reads binfmt_misc: enabled handlers with the F flag are usable from containers', async () => {
    const dir = binfmtDir({
      'qemu-aarch64': { enabled: true, flags: 'PF' },
      'qemu-arm': { enabled: true, flags: 'P' },
      'qemu-riscv64': { enabled: false, flags: 'PF' },
    });
    const s = await readBinfmt(dir);
    expect([...s.usable]).toEqual(['qemu-aarch64']);
    expect([...s.withoutFixBinary]).toEqual(['qemu-arm']);
    expect(archSupport('arm64', 'amd64', s.usable)).toBe('emulated');
    expect(archSupport('armhf', 'amd64', s.usable)).toBe('missing');
    expect(archSupport('i386', 'amd64', s.usable)).toBe('native');
    expect(archSupport('arm64', 'arm64', new Set())).toBe('native');
    const caps = await hostCapabilities('amd64', dir);
    expect(caps.arches.find((a) => a.arch === 'armhf')).toMatchObject({ support: 'missing', fix: expect.stringMatching(/F flag/) });
    expect(caps.arches.find((a) => a.arch === 'riscv64')!.fix).toMatch(/apt-get install qemu-user-static binfmt-support/);
  });

  it('refuses a build the host cannot run, with the fix', async () => {
    expect(await requireArchSupport(arm, 'amd64', binfmtDir({ 'qemu-aarch64': { enabled: true, flags: 'PF' } }))).toBe('emulated');
    expect(await requireArchSupport(arm, 'arm64', binfmtDir({}))).toBe('native');
    const unmounted = tempDir();
    mkdirSync(join(unmounted, 'x'));
    const e = await requireArchSupport(arm, 'amd64', unmounted).catch((x: unknown) => x as PkgtrackError);
    expect(e).toBeInstanceOf(PkgtrackError);
    expect(e).toMatchObject({ code: 'ARCH_UNSUPPORTED', kind: 'environment' });
    expect((e as PkgtrackError).fix).toMatch(/mount -t binfmt_misc/);
  });
});
