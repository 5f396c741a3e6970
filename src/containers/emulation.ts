/**
 * Which architectures this host can run containers of: natively, or under qemu-user through a
 * binfmt_misc handler registered with the F (fix-binary) flag, so the interpreter is found from
 * inside the container's root file system too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { envError } from '../core/errors.js';
import { ARCHES, type ArchSupport, archInfo, archSupport, hostDebArch } from '../recipe/arches.js';
import type { Target } from '../recipe/targets.js';

export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export interface BinfmtState {
  /** binfmt_misc is mounted. */
  mounted: boolean;
  /** Enabled handlers that containers can use (`qemu-aarch64`, ...): enabled and with the F flag. */
  usable: Set<string>;
  /** Enabled handlers without the F flag: they work on the host but not inside a container. */
  withoutFixBinary: Set<string>;
}

/** Reads /proc/sys/fs/binfmt_misc (the directory may be given for tests). */
export async function readBinfmt(dir = BINFMT_DIR): Promise<BinfmtState> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const state: BinfmtState = { mounted: names.includes('register'), usable: new Set(), withoutFixBinary: new Set() };
  for (const n of names.filter((x) => x.startsWith('qemu-'))) {
    const text = await readFile(`${dir}/${n}`, 'utf8').catch(() => '');
    if (!/^enabled$/m.test(text)) continue;
    const flags = /^flags:\s*(\S*)/m.exec(text)?.[1] ?? '';
    (flags.includes('F') ? state.usable : state.withoutFixBinary).add(n);
  }
  return state;
}

export interface ArchCapability {
  arch: string;
  support: ArchSupport;
  /** What to do when support is `missing`. */
  fix?: string;
}

/** The fix for a host that cannot run `arch` containers, given what binfmt_misc holds. */
export function emulationFix(arch: string, state: BinfmtState): string {
  const cpu = archInfo(arch)?.qemuCpu ?? arch;
  if (!state.mounted)
    return `mount binfmt_misc (mount -t binfmt_misc binfmt_misc ${BINFMT_DIR}), then install qemu-user-static and binfmt-support (scripts/setup.sh does both)`;
  if (state.withoutFixBinary.has(`qemu-${cpu}`))
    return `the qemu-${cpu} handler lacks the F flag, so containers cannot use it: install qemu-user-static (its handlers have it) and run update-binfmts --enable qemu-${cpu}`;
  return `apt-get install qemu-user-static binfmt-support, then update-binfmts --enable qemu-${cpu} (scripts/setup.sh does this)`;
}

/** Every known architecture and how this host builds it. */
export async function hostCapabilities(host = hostDebArch(), dir = BINFMT_DIR): Promise<{ host: string; arches: ArchCapability[] }> {
  const state = await readBinfmt(dir);
  return {
    host,
    arches: ARCHES.map(({ deb }) => {
      const support = archSupport(deb, host, state.usable);
      return { arch: deb, support, ...(support === 'missing' ? { fix: emulationFix(deb, state) } : {}) };
    }),
  };
}

/** How this host builds `target.arch`; a typed error with the fix when it cannot. */
export async function requireArchSupport(target: Target, host = hostDebArch(), dir = BINFMT_DIR): Promise<'native' | 'emulated'> {
  const state = await readBinfmt(dir);
  const support = archSupport(target.arch, host, state.usable);
  if (support !== 'missing') return support;
  throw envError(
    'ARCH_UNSUPPORTED',
    `this ${host} host cannot run ${target.arch} containers for ${target.id}: no qemu-user binfmt_misc handler for ${target.arch}`,
    `${emulationFix(target.arch, state)}; or build ${target.arch} on a native runner (\`pkgtrack doctor\` lists what this host can build).`,
    { target: target.id, arch: target.arch },
  );
}
