/**
 * The rpm container steps as argv and scripts. The dnf/zypper branches cannot run live here (no
 * rpm-based image can be pulled), so the script runs under `sh` with recording stand-ins for
 * dnf/zypper/apt-get on PATH: that checks which branch runs and the exact argv each tool gets.
 * The BuildRequires spec given to `dnf builddep` is checked with the real rpmspec.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRpmlintOutput } from '../../src/builders/rpm/rpmlint.js';
import { buildRequiresSpec, dependencyInstallStep, rpmBuildStep } from '../../src/builders/rpm/steps.js';
import { run } from '../../src/core/exec.js';
import { specBuildRequires } from '../../src/formats/spec.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pkgtrack-rpmsteps-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A PATH holding only `tools` (each records its argv, one per line, to $LOG) plus rm. */
async function fakePath(name: string, tools: string[]): Promise<{ path: string; log: string }> {
  const bin = join(tmp, name);
  await mkdir(bin, { recursive: true });
  const log = join(bin, 'calls.log');
  for (const t of tools) {
    await writeFile(
      join(bin, t),
      `#!/bin/sh\nprintf '%s' "${t}" >> "$LOG"\nfor a in "$@"; do printf ' [%s]' "$a" >> "$LOG"; done\necho >> "$LOG"\n`,
    );
    await chmod(join(bin, t), 0o755);
  }
  await symlink('/bin/rm', join(bin, 'rm'));
  return { path: bin, log };
}

async function runStep(
  step: { argv: string[]; env: Record<string, string> },
  path: string,
  log: string,
  extraEnv: Record<string, string> = {},
) {
  const [prog, ...args] = step.argv;
  expect(prog).toBe('sh');
  return run('/bin/sh', args, { env: { ...step.env, PATH: path, LOG: log, ...extraEnv }, check: false });
}

describe('dependency layer', () => {
  const deps = ['gcc', 'make >= 4', 'pkgconfig(zlib)'];

  it('puts the BuildRequires in a spec rpmspec reads back unchanged', async () => {
    const spec = join(tmp, 'deps.spec');
    await writeFile(spec, buildRequiresSpec(deps));
    const r = await run('rpmspec', ['-q', '--buildrequires', spec]);
    expect(r.stdout.trim().split('\n')).toEqual(deps);
  });

  it('runs dnf install + dnf builddep on the spec when the image has dnf', async () => {
    const { path, log } = await fakePath('dnf', ['dnf']);
    const r = await runStep(dependencyInstallStep(deps), path, log);
    expect(r.code, r.stderr).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls[0]).toMatch(/^dnf \[-y\] \[--setopt=install_weak_deps=False\] \[install\] \[dnf-plugins-core\] \[rpm-build\]/);
    expect(calls[1]).toBe('dnf [-y] [--setopt=install_weak_deps=False] [builddep] [/tmp/pkgtrack-builddeps.spec]');
    expect(calls[2]).toBe('dnf [clean] [all]');
  });

  it('passes each BuildRequires as one zypper argument when the image has zypper', async () => {
    const { path, log } = await fakePath('zypper', ['zypper']);
    const r = await runStep(dependencyInstallStep(deps), path, log);
    expect(r.code, r.stderr).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls[0]).toMatch(
      /^zypper \[--non-interactive\] \[install\] \[--no-recommends\] \[rpm-build\].* \[gcc\] \[make >= 4\] \[pkgconfig\(zlib\)\]$/,
    );
  });

  it('installs rpm and a toolchain with apt on a Debian image and says BuildRequires are not installed', async () => {
    const { path, log } = await fakePath('apt', ['apt-get']);
    const r = await runStep(dependencyInstallStep(deps), path, log);
    expect(r.code, r.stderr).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls[1]).toMatch(/^apt-get \[install\] \[-y\] \[-qq\] \[--no-install-recommends\] \[rpm\] \[build-essential\]/);
    expect(calls.join('\n')).not.toContain('pkgconfig(zlib)');
    expect(r.stderr).toContain('not installed');
  });

  it('never splices a dependency into the script', () => {
    const step = dependencyInstallStep(['$(touch /tmp/pwned)']);
    expect(step.argv[2]).not.toContain('pwned');
    expect(step.argv.at(-1)).toBe('$(touch /tmp/pwned)');
  });
});

describe('rpmbuild step', () => {
  it('defines the reproducibility macros, a fixed build host and SOURCE_DATE_EPOCH', () => {
    const s = rpmBuildStep({ spec: 'rpmbuild/SPECS/hello.spec', dist: '.fc41', sourceDateEpoch: 1_795_219_200 });
    const defines = s.argv.flatMap((a, i) => (s.argv[i - 1] === '--define' ? [a] : []));
    expect(defines).toEqual(
      expect.arrayContaining([
        '_topdir /work/rpmbuild',
        'dist .fc41',
        '_buildhost pkgtrack',
        'source_date_epoch_from_changelog 1',
        'use_source_date_epoch_as_buildtime 1',
        'clamp_mtime_to_source_date_epoch 1',
      ]),
    );
    expect(s.argv.at(-1)).toBe('/work/rpmbuild/SPECS/hello.spec');
    expect(s.env).toMatchObject({ SOURCE_DATE_EPOCH: '1795219200', TZ: 'UTC', HOME: '/work/home' });
  });

  it('writes an empty target suffix as --undefine dist, which rpm accepts (an empty --define it refuses)', async () => {
    const s = rpmBuildStep({ spec: 'x.spec', dist: '', sourceDateEpoch: 0 });
    const spec = join(tmp, 'dist.spec');
    await writeFile(spec, 'Name: x\nVersion: 1\nRelease: 1%{?dist}\nSummary: s\nLicense: MIT\n%description\nx\n');
    // The step's --define/--undefine pairs, minus _topdir, applied by the real rpmspec on top of a
    // dist an image might define (as Fedora's does).
    const pairs: string[][] = [];
    s.argv.forEach((a, i) => {
      if ((a === '--define' || a === '--undefine') && !s.argv[i + 1]!.startsWith('_topdir')) pairs.push([a, s.argv[i + 1]!]);
    });
    expect(pairs[0]).toEqual(['--undefine', 'dist']);
    const r = await run('rpmspec', ['-q', '--srpm', '--define', 'dist .fc41', ...pairs.flat(), '--qf', '%{release}', spec]);
    expect(r.stdout).toBe('1');
  });
});

describe('spec helpers', () => {
  it('reads BuildRequires as rpmspec does', async () => {
    const text =
      'Name: x\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\nBuildRequires: gcc, make >= 4.3\nBuildRequires:  pkgconfig(zlib) perl\n%description\nd\n';
    await writeFile(join(tmp, 'br.spec'), text);
    const r = await run('rpmspec', ['-q', '--buildrequires', join(tmp, 'br.spec')]);
    expect([...specBuildRequires(text)].sort()).toEqual(r.stdout.trim().split('\n').sort());
  });

  it('parses rpmlint findings', () => {
    const f = parseRpmlintOutput(
      'hello.x86_64: W: no-manual-page-for-binary hello\nhello.spec:3: W: macro-in-comment %changelog\n 1 packages and 0 specfiles checked; 0 errors, 2 warnings\n',
    );
    expect(f).toEqual([
      { severity: 'warning', tag: 'no-manual-page-for-binary', subject: 'hello.x86_64', detail: 'hello' },
      { severity: 'warning', tag: 'macro-in-comment', subject: 'hello.spec:3', detail: '%changelog' },
    ]);
  });
});
