/**
 * argv shapes for podman and docker (docker has no daemon here, so its argv is what we can
 * test), and the diagnosis of real engine errors seen on hosts like this one.
 */
import { describe, expect, it } from 'vitest';
import { DOCKER, globalArgv, importArgv, PODMAN, removeArgv, runArgv } from '../../src/containers/argv.js';
import { diagnoseRunFailure } from '../../src/containers/cli-engine.js';
import type { EngineProbe } from '../../src/containers/engine.js';

const probe: EngineProbe = {
  ok: true,
  globalFlags: ['--runtime', 'runc'],
  runFlags: ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'],
  workarounds: [],
  limitsUnsupported: false,
};

const buildSpec = {
  name: 'pkgtrack-abc',
  image: 'localhost/pkgtrack/deps:debian-bookworm-1234',
  argv: ['sh', '-ec', 'echo "$1"', 'sh', 'a b; rm -rf /'],
  network: 'none' as const,
  user: '1000:1000',
  readOnlyRoot: true,
  mounts: [{ host: '/tmp/work dir', container: '/work' }],
  workdir: '/work',
  env: { SOURCE_DATE_EPOCH: '1700000000' },
  limits: { memory: '4g', pids: 4096, cpus: 2 },
};

describe('run argv', () => {
  it('podman: runtime is global, build runs without network, capabilities or a writable root', () => {
    expect(globalArgv(PODMAN, probe)).toEqual(['--runtime', 'runc']);
    const a = runArgv(PODMAN, buildSpec, probe);
    expect(a.slice(0, 4)).toEqual(['run', '--name', 'pkgtrack-abc', '--rm']);
    for (const f of [
      '--network=none',
      '--cap-drop=all',
      '--security-opt=no-new-privileges',
      '--user=1000:1000',
      '--read-only',
      '--pull=never',
    ]) {
      expect(a).toContain(f);
    }
    expect(a).not.toContain('--runtime');
    expect(a).toEqual(expect.arrayContaining(['--ulimit', 'nofile=1024:1024', '--memory=4g', '--pids-limit=4096', '--cpus=2']));
    expect(a[a.indexOf('-v') + 1]).toBe('/tmp/work dir:/work:rw,Z');
    // the command's own arguments stay separate argv entries, never a shell string
    expect(a.slice(-5)).toEqual(['sh', '-ec', 'echo "$1"', 'sh', 'a b; rm -rf /']);
    expect(a[a.length - 6]).toBe(buildSpec.image);
  });

  it('docker: same shape, runtime as a run flag, no SELinux relabel', () => {
    expect(globalArgv(DOCKER, probe)).toEqual([]);
    const a = runArgv(DOCKER, buildSpec, probe);
    expect(a).toEqual(expect.arrayContaining(['--runtime', 'runc', '--network=none', '--cap-drop=all', '--user=1000:1000']));
    expect(a[a.indexOf('-v') + 1]).toBe('/tmp/work dir:/work:rw');
    const p = runArgv(PODMAN, buildSpec, probe).filter((x) => x !== '--runtime' && x !== 'runc' && !x.includes(':rw'));
    const d = a.filter((x) => x !== '--runtime' && x !== 'runc' && !x.includes(':rw'));
    expect(d).toEqual(p);
  });

  it('root steps (dependency install) keep capabilities and the default network; kept containers have no --rm', () => {
    const a = runArgv(PODMAN, { name: 'pkgtrack-deps', image: 'img', argv: ['true'], network: 'default', keep: true }, probe);
    expect(a).not.toContain('--rm');
    expect(a).not.toContain('--cap-drop=all');
    expect(a.some((x) => x.startsWith('--network'))).toBe(false);
  });

  it('drops limits when cgroups refuse them', () => {
    const a = runArgv(PODMAN, buildSpec, { ...probe, limitsUnsupported: true });
    expect(a.some((x) => x.startsWith('--memory') || x.startsWith('--pids-limit'))).toBe(false);
  });

  it('refuses secret-looking variables and ambiguous mount paths', () => {
    expect(() => runArgv(PODMAN, { ...buildSpec, env: { GITHUB_TOKEN: 'x' } }, probe)).toThrow(/GITHUB_TOKEN/);
    expect(() => runArgv(PODMAN, { ...buildSpec, mounts: [{ host: '/a:b', container: '/work' }] }, probe)).toThrow(/MOUNT|mount/);
    expect(() => runArgv(PODMAN, { ...buildSpec, mounts: [{ host: 'rel', container: '/work' }] }, probe)).toThrow(/absolute/);
  });

  it('import labels are quoted LABEL instructions', () => {
    expect(importArgv(PODMAN, '/t.tar', 'localhost/pkgtrack/base:debian-bookworm', { 'org.pkgtrack.origin': 'bootstrapped' })).toEqual([
      'import',
      '--change',
      'LABEL org.pkgtrack.origin="bootstrapped"',
      '--change',
      'CMD ["/bin/bash"]',
      '/t.tar',
      'localhost/pkgtrack/base:debian-bookworm',
    ]);
  });
});

describe('diagnosing engine errors', () => {
  const none: EngineProbe = { ok: false, globalFlags: [], runFlags: [], workarounds: [], limitsUnsupported: false };
  it('refused rlimits → explicit ulimits (runc error text from this host)', () => {
    const err =
      'Error: runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted: OCI permission denied';
    const d = diagnoseRunFailure(err, none);
    expect(d?.add.runFlags).toEqual(['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096']);
    expect(diagnoseRunFailure(err, { ...none, runFlags: d!.add.runFlags! })).toBeUndefined();
  });
  it('crun missing or failing → --runtime runc', () => {
    const d = diagnoseRunFailure('Error: default OCI runtime "crun" not found: invalid argument', none);
    expect(d?.add.globalFlags).toEqual(['--runtime', 'runc']);
    expect(
      diagnoseRunFailure('Error: default OCI runtime "crun" not found', { ...none, globalFlags: ['--runtime', 'runc'] }),
    ).toBeUndefined();
  });
  it('unknown failures are not guessed at', () => {
    expect(diagnoseRunFailure('Error: image not known', none)).toBeUndefined();
  });
});

describe('diagnosing runtime errors that do not say which runtime', () => {
  const none: EngineProbe = { ok: false, globalFlags: [], runFlags: [], workarounds: [], limitsUnsupported: false };
  it('an OCI runtime error without "runc" in it → try runc', () => {
    expect(
      diagnoseRunFailure('Error: OCI runtime error: writing file `cgroup.subtree_control`: Invalid argument', none)?.add.globalFlags,
    ).toEqual(['--runtime', 'runc']);
  });
});

describe('removing containers', () => {
  it('podman skips the stop timeout; docker rm has no --time', () => {
    expect(removeArgv(PODMAN, 'pkgtrack-x')).toEqual(['rm', '--force', '--time', '0', 'pkgtrack-x']);
    expect(removeArgv(DOCKER, 'pkgtrack-x')).toEqual(['rm', '--force', 'pkgtrack-x']);
  });
});
