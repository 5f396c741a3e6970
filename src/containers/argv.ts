/**
 * Pure argv builders for the podman and docker CLIs. Both take the same shapes; the differences
 * (where the runtime flag goes, user namespaces) are in `Dialect`. Kept pure so the docker
 * argv can be unit-tested on a host without a docker daemon.
 */
import { PkgtrackError } from '../core/errors.js';
import { isSecretEnvName } from '../core/secrets.js';
import { archInfo } from '../recipe/arches.js';
import type { EngineName, EngineProbe, Mount, RunSpec } from './engine.js';

export interface Dialect {
  name: EngineName;
  /** podman: `--runtime` is a global flag; docker: a `run` flag. */
  runtimeIsGlobal: boolean;
  /** SELinux relabel option on bind mounts (podman understands `Z` on non-SELinux hosts too). */
  relabel: boolean;
}

export const PODMAN: Dialect = { name: 'podman', runtimeIsGlobal: true, relabel: true };
export const DOCKER: Dialect = { name: 'docker', runtimeIsGlobal: false, relabel: false };

const NO_WORKAROUNDS: EngineProbe = { ok: true, globalFlags: [], runFlags: [], workarounds: [], limitsUnsupported: false };

/** Global flags go before the subcommand (podman --runtime). */
export function globalArgv(dialect: Dialect, probe: EngineProbe = NO_WORKAROUNDS): string[] {
  return dialect.runtimeIsGlobal ? [...probe.globalFlags] : [];
}

function mountArg(dialect: Dialect, m: Mount): string {
  for (const p of [m.host, m.container]) {
    if (p.includes(',') || p.includes(':') || !p.startsWith('/')) {
      throw new PkgtrackError({
        code: 'MOUNT_PATH_INVALID',
        kind: 'internal',
        message: `mount path ${JSON.stringify(p)} must be absolute and contain no "," or ":"`,
      });
    }
  }
  const opts = [m.readOnly ? 'ro' : 'rw'];
  if (dialect.relabel) opts.push('Z');
  return `${m.host}:${m.container}:${opts.join(',')}`;
}

/**
 * `run` argv (after the global flags). Hardening is not optional: all capabilities dropped,
 * no-new-privileges, and the network is whatever the spec says (builds say none).
 */
export function runArgv(
  dialect: Dialect,
  spec: RunSpec & { name: string },
  probe: EngineProbe = NO_WORKAROUNDS,
  identityFlags: string[] = [],
): string[] {
  const a: string[] = ['run', '--name', spec.name];
  if (!spec.keep) a.push('--rm');
  a.push('--pull=never');
  // A foreign image runs under qemu-user; naming its platform picks it (and silences podman's mismatch warning).
  a.push(...platformArgv(dialect, spec.arch));
  // Builds get no network at all; only the dependency-install step uses the engine's default.
  if (spec.network === 'none') a.push('--network=none');
  a.push('--security-opt=no-new-privileges');
  // Non-root steps (the build) lose every capability; root steps (apt-get) keep the defaults.
  if (spec.user !== undefined) a.push('--cap-drop=all', `--user=${spec.user}`);
  if (!dialect.runtimeIsGlobal) a.push(...probe.globalFlags);
  a.push(...probe.runFlags, ...identityFlags);
  if (spec.readOnlyRoot) a.push('--read-only', '--tmpfs=/tmp:rw,exec,mode=1777', '--tmpfs=/var/tmp:rw,mode=1777');
  const lim = spec.limits;
  if (lim && !probe.limitsUnsupported) {
    if (lim.memory) a.push(`--memory=${lim.memory}`);
    if (lim.cpus) a.push(`--cpus=${lim.cpus}`);
    if (lim.pids) a.push(`--pids-limit=${lim.pids}`);
  }
  for (const m of spec.mounts ?? []) a.push('-v', mountArg(dialect, m));
  if (spec.workdir) a.push(`--workdir=${spec.workdir}`);
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    if (isSecretEnvName(k)) {
      throw new PkgtrackError({ code: 'SECRET_IN_BUILD_ENV', kind: 'internal', message: `refusing to pass ${k} into a container` });
    }
    a.push('-e', `${k}=${v}`);
  }
  a.push(spec.image, ...spec.argv);
  return a;
}

/** The platform flags for a Debian architecture: podman `--arch arm --variant v7`, docker `--platform linux/arm/v7`. */
export function platformArgv(dialect: Dialect, arch: string | undefined): string[] {
  const platform = arch ? archInfo(arch)?.platform.split('/') : undefined;
  if (!platform) return [];
  if (dialect.name === 'podman') return ['--arch', platform[1]!, ...(platform[2] ? ['--variant', platform[2]] : [])];
  return ['--platform', platform.join('/')];
}

/** `arch`: the Debian architecture the root file system is for, recorded in the image (podman --arch/--variant, docker --platform). */
export function importArgv(dialect: Dialect, tarball: string, ref: string, labels: Record<string, string>, arch?: string): string[] {
  const a = ['import', ...platformArgv(dialect, arch)];
  for (const [k, v] of Object.entries(labels)) a.push('--change', `LABEL ${k}=${JSON.stringify(v)}`);
  a.push('--change', 'CMD ["/bin/bash"]', tarball, ref);
  return a;
}

export function commitArgv(container: string, ref: string, labels: Record<string, string>): string[] {
  const a = ['commit'];
  for (const [k, v] of Object.entries(labels)) a.push('--change', `LABEL ${k}=${JSON.stringify(v)}`);
  a.push(container, ref);
  return a;
}

/** One line per image, tab separated: ref, id, created, size. Same Go template on both CLIs. */
export function listImagesArgv(referencePrefix: string): string[] {
  return [
    'images',
    '--filter',
    `reference=${referencePrefix}*`,
    '--format',
    '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}\t{{.Size}}',
  ];
}

/** Containers whose name starts with `prefix`, as `name<TAB>state` lines (state: running, exited, created ...). */
export function listContainersArgv(prefix: string): string[] {
  return ['ps', '--all', '--filter', `name=^${prefix}`, '--format', '{{.Names}}\t{{.State}}'];
}

/** Force-remove a container; podman also skips the stop timeout (docker rm has no --time). */
export function removeArgv(dialect: Dialect, name: string): string[] {
  return dialect.name === 'podman' ? ['rm', '--force', '--time', '0', name] : ['rm', '--force', name];
}
