/**
 * Targets: one distro release a recipe builds for, e.g. `debian:bookworm` or `fedora:41`.
 * A target names its package format, the base image, the mirror to bootstrap it from when no
 * registry answers, and the version suffix that keeps one version from meaning different bytes
 * in one pool.
 */
import { closest } from '../core/suggest.js';
import { DEFAULT_ARCH } from './arches.js';
import type { TargetBuildSettingsConfig } from './schema.js';

export type PackageFormat = 'deb' | 'rpm';

export interface Target {
  /** `distro:release`, as written in recipes. */
  id: string;
  distro: string;
  release: string;
  format: PackageFormat;
  /** Container image reference to pull, e.g. `docker.io/library/debian:bookworm`. */
  image: string;
  /** Debian-style mirror and suite to bootstrap the base image from when pulling fails (deb targets). */
  bootstrap?: { mirror: string; suite: string; keyring?: string };
  /** Version suffix appended to the package revision, e.g. `~deb12u1`, `.fc41`. */
  versionSuffix: string;
  /** apt suite / yum repo path the artifacts are published to. */
  publishPath: string;
  /** Architecture (Debian name) this target builds; one of `arches`. */
  arch: string;
  /** Every architecture the target builds; the first one also builds `Architecture: all` and the source. */
  arches: string[];
  /** The target's own build settings (recipe or pkgtrack.yaml `targets: - id: … build:`). */
  build?: TargetBuildSettingsConfig;
}

/** The same target for another of its architectures. */
export function withArch(t: Target, arch: string): Target {
  return { ...t, arch };
}

/** True when this architecture's build also makes the source package and the `Architecture: all` binaries. */
export function buildsIndep(t: Target): boolean {
  return t.arch === t.arches[0];
}

/**
 * The target and architecture as one name (state records, logs): `debian:bookworm` for the
 * default amd64, `debian:bookworm/arm64` otherwise, so amd64 builds keep their earlier names.
 */
export function targetKey(t: Target): string {
  return buildKey(t.id, t.arch);
}

/** targetKey from a target id and an architecture (a manifest's `target` and `arch`). */
export function buildKey(targetId: string, arch: string = DEFAULT_ARCH): string {
  return arch === DEFAULT_ARCH ? targetId : `${targetId}/${arch}`;
}

/** Folder-name form of targetKey: `debian-bookworm`, `debian-bookworm-arm64`. */
export function targetSlug(t: Target): string {
  return `${t.distro}-${t.release}${t.arch === DEFAULT_ARCH ? '' : `-${t.arch}`}`;
}

interface DistroRule {
  format: PackageFormat;
  image: (release: string) => string;
  suffix: (release: string) => string;
  /** The suffix of a backports channel (Debian's `~bpo12+1`), when it differs. */
  backportSuffix?: (release: string) => string;
  /** Releases the distro has; a near miss of one is a typo (`bookwrm`). */
  releases?: readonly string[];
  publishPath: (release: string) => string;
  bootstrap?: (release: string) => { mirror: string; suite: string; keyring?: string };
}

const DEBIAN_NUMBERS: Record<string, string> = {
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  sid: '99',
  unstable: '99',
};

const UBUNTU_NUMBERS: Record<string, string> = {
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
  oracular: '24.10',
  plucky: '25.04',
  questing: '25.10',
};

const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

const DISTROS: Record<string, DistroRule> = {
  debian: {
    format: 'deb',
    image: (r) => `docker.io/library/debian:${r}`,
    suffix: (r) => `~deb${DEBIAN_NUMBERS[r] ?? r}u1`,
    backportSuffix: (r) => `~bpo${DEBIAN_NUMBERS[r] ?? r}+1`,
    releases: Object.keys(DEBIAN_NUMBERS),
    publishPath: (r) => r,
    bootstrap: (r) => ({ mirror: DEBIAN_MIRROR, suite: r, keyring: '/usr/share/keyrings/debian-archive-keyring.gpg' }),
  },
  ubuntu: {
    format: 'deb',
    image: (r) => `docker.io/library/ubuntu:${r}`,
    suffix: (r) => `~ubuntu${UBUNTU_NUMBERS[r] ?? r}.1`,
    backportSuffix: (r) => `~bpo${UBUNTU_NUMBERS[r] ?? r}.1`,
    releases: Object.keys(UBUNTU_NUMBERS),
    publishPath: (r) => r,
    bootstrap: (r) => ({ mirror: 'http://archive.ubuntu.com/ubuntu', suite: r }),
  },
  fedora: {
    format: 'rpm',
    image: (r) => `registry.fedoraproject.org/fedora:${r}`,
    suffix: (r) => `.fc${r}`,
    publishPath: (r) => `fedora/${r}`,
  },
  'centos-stream': {
    format: 'rpm',
    image: (r) => `quay.io/centos/centos:stream${r}`,
    suffix: (r) => `.el${r}`,
    publishPath: (r) => `el/${r}`,
  },
  rocky: { format: 'rpm', image: (r) => `docker.io/rockylinux/rockylinux:${r}`, suffix: (r) => `.el${r}`, publishPath: (r) => `el/${r}` },
  almalinux: { format: 'rpm', image: (r) => `docker.io/library/almalinux:${r}`, suffix: (r) => `.el${r}`, publishPath: (r) => `el/${r}` },
  opensuse: {
    format: 'rpm',
    image: (r) => `registry.opensuse.org/opensuse/leap:${r}`,
    suffix: (r) => `.lp${r.replace('.', '')}`,
    publishPath: (r) => `opensuse/${r}`,
  },
};

export const KNOWN_DISTROS = Object.keys(DISTROS);

export const TARGET_PATTERN = /^([a-z][a-z0-9-]*):([A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** Overrides a recipe or pkgtrack.yaml may give for one target. */
export interface TargetOverride {
  image?: string | undefined;
  versionSuffix?: string | undefined;
  format?: PackageFormat | undefined;
  /** The target builds for a backports channel: the distro's backport suffix is the default. */
  backports?: boolean | undefined;
  /** Debian architecture names (already validated); default [amd64]. */
  arches?: readonly string[] | undefined;
  build?: TargetBuildSettingsConfig | undefined;
}

/** Resolve `distro:release` to a Target; undefined when the distro is unknown. */
export function resolveTarget(id: string, override: TargetOverride = {}): Target | undefined {
  const m = TARGET_PATTERN.exec(id);
  if (!m) return undefined;
  const [, distro, release] = m as unknown as [string, string, string];
  const rule = DISTROS[distro];
  if (!rule && !(override.format && override.image)) return undefined;
  const format = override.format ?? rule!.format;
  const arches = override.arches?.length ? [...override.arches] : [DEFAULT_ARCH];
  const target: Target = {
    arch: arches[0]!,
    arches,
    id,
    distro,
    release,
    format,
    image: override.image ?? rule!.image(release),
    versionSuffix:
      override.versionSuffix ?? (override.backports ? rule?.backportSuffix?.(release) : undefined) ?? rule?.suffix(release) ?? '',
    publishPath: rule?.publishPath(release) ?? `${distro}/${release}`,
  };
  const bootstrap = rule?.bootstrap?.(release);
  if (bootstrap) target.bootstrap = bootstrap;
  if (override.build) target.build = override.build;
  return target;
}

/** The known release `release` is a near miss of (`bookwrm` → `bookworm`), when it is not one itself. */
export function misspeltRelease(distro: string, release: string): string | undefined {
  const known = DISTROS[distro]?.releases;
  if (!known || known.includes(release)) return undefined;
  return closest(release, known);
}
