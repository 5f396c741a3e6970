/**
 * Architectures: Debian's names are the canonical ones (what recipes, `build -a`, apt's
 * Packages and the container platform derive from); the rpm names (x86_64, aarch64, ...) are
 * accepted as spellings of the same architecture. Pure.
 */
import { inputError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

export interface ArchInfo {
  /** Debian name: amd64, arm64, armhf, ... */
  deb: string;
  /** rpm name (`%{_arch}` of the built packages); undefined when rpm distros do not build it. */
  rpm?: string;
  /** OCI platform for `podman pull --platform`. */
  platform: string;
  /** qemu-user binary suffix / binfmt_misc entry name (`qemu-<cpu>`) that runs it on another host. */
  qemuCpu: string;
  /** Hosts (Debian names) whose kernel runs this architecture's binaries without emulation. */
  nativeOn: readonly string[];
}

export const ARCHES: readonly ArchInfo[] = [
  { deb: 'amd64', rpm: 'x86_64', platform: 'linux/amd64', qemuCpu: 'x86_64', nativeOn: ['amd64'] },
  { deb: 'arm64', rpm: 'aarch64', platform: 'linux/arm64', qemuCpu: 'aarch64', nativeOn: ['arm64'] },
  { deb: 'armhf', rpm: 'armv7hl', platform: 'linux/arm/v7', qemuCpu: 'arm', nativeOn: [] },
  { deb: 'armel', platform: 'linux/arm/v5', qemuCpu: 'arm', nativeOn: [] },
  { deb: 'i386', rpm: 'i686', platform: 'linux/386', qemuCpu: 'i386', nativeOn: ['i386', 'amd64'] },
  { deb: 'ppc64el', rpm: 'ppc64le', platform: 'linux/ppc64le', qemuCpu: 'ppc64le', nativeOn: ['ppc64el'] },
  { deb: 'riscv64', rpm: 'riscv64', platform: 'linux/riscv64', qemuCpu: 'riscv64', nativeOn: ['riscv64'] },
  { deb: 's390x', rpm: 's390x', platform: 'linux/s390x', qemuCpu: 's390x', nativeOn: ['s390x'] },
];

/** What a target builds when neither the recipe nor the target names architectures. */
export const DEFAULT_ARCH = 'amd64';

export const DEB_ARCH_NAMES = ARCHES.map((a) => a.deb);
const ALL_NAMES = [...DEB_ARCH_NAMES, ...ARCHES.flatMap((a) => (a.rpm && a.rpm !== a.deb ? [a.rpm] : []))];

/** The architecture a Debian or rpm name spells (`aarch64` → arm64); undefined when unknown. */
export function archInfo(name: string): ArchInfo | undefined {
  return ARCHES.find((a) => a.deb === name || a.rpm === name);
}

/** Why `name` is not an architecture, with a did-you-mean; undefined when it is one. */
export function archProblem(name: string): string | undefined {
  if (archInfo(name)) return undefined;
  const guess = closest(name, ALL_NAMES);
  return `unknown architecture "${name}"${guess ? `; did you mean "${guess}"?` : ''} Known: ${DEB_ARCH_NAMES.join(', ')} (or the rpm names ${ARCHES.flatMap((a) => (a.rpm ? [a.rpm] : [])).join(', ')})`;
}

/** The Debian name of a known architecture (rpm spellings normalised). Throws on unknown names: validate first. */
export function debArch(name: string): string {
  const a = archInfo(name);
  if (!a) throw new Error(archProblem(name));
  return a.deb;
}

/** `-a/--arch` values as Debian names, deduplicated; an unknown one is a usage error with a did-you-mean. */
export function validArchList(names: readonly string[]): string[] {
  return [
    ...new Set(
      names.map((n) => {
        const problem = archProblem(n);
        if (problem) throw inputError('ARCH_UNKNOWN', problem, 'Pass a known architecture to -a/--arch.', { field: 'arch' });
        return debArch(n);
      }),
    ),
  ];
}

/** Debian architecture of a Node `process.arch` (the host). */
export function hostDebArch(nodeArch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ia32: 'i386',
    ppc64: 'ppc64el',
    riscv64: 'riscv64',
    s390x: 's390x',
  };
  return map[nodeArch] ?? nodeArch;
}

export type ArchSupport = 'native' | 'emulated' | 'missing';

/**
 * How a host builds `arch`: natively, under qemu-user (a binfmt_misc handler `qemu-<cpu>` is
 * enabled), or not at all. `enabledHandlers`: names of the enabled binfmt_misc entries.
 */
export function archSupport(arch: string, host: string, enabledHandlers: ReadonlySet<string>): ArchSupport {
  const a = archInfo(arch);
  if (!a) return 'missing';
  if (a.nativeOn.includes(host)) return 'native';
  return enabledHandlers.has(`qemu-${a.qemuCpu}`) ? 'emulated' : 'missing';
}

/**
 * The GitHub Actions runner for `arch`: the one that builds it natively (amd64 and i386 on
 * ubuntu-24.04, arm64 on ubuntu-24.04-arm, whose Neoverse cores have no 32-bit mode), else
 * ubuntu-24.04 under qemu-user.
 */
export function ciRunner(arch: string): { runner: string; emulated: boolean } {
  if (arch === 'arm64') return { runner: 'ubuntu-24.04-arm', emulated: false };
  return { runner: DEFAULT_CI_RUNNER, emulated: !(archInfo(arch)?.nativeOn.includes('amd64') ?? false) };
}

/** GitHub's amd64 runner: what generated workflows run on unless configured otherwise. */
export const DEFAULT_CI_RUNNER = 'ubuntu-24.04';
