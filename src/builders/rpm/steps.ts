/**
 * The container steps of an rpm build, as pure functions: the dependency layer (dnf builddep,
 * zypper, or the "rpm on Debian" toolchain) and the rpmbuild run. Each step is a constant shell
 * script plus values passed as positional arguments ("$@") or environment variables, so no
 * value is ever parsed by a shell.
 */
import { CONTAINER_WORK_DIR, type ContainerStep } from '../builder.js';

/** Relative to the work dir: rpm's %_topdir and the build user's $HOME. */
export const RPM_TOPDIR = 'rpmbuild';
export const RPM_HOME = 'home';
/** Written by the build step when rpmbuild ran with --nodeps (rpm on Debian). */
export const NODEPS_MARKER = 'rpm-nodeps';
/** Fixed build host recorded in every header, so builds on different machines agree. */
export const RPM_BUILDHOST = 'pkgtrack';

/** Packages of the "rpm on Debian" builder: rpm (rpmbuild), a C toolchain, make, unpackers. */
export const RPM_ON_DEBIAN_PACKAGES = ['rpm', 'build-essential', 'make', 'patch', 'xz-utils', 'bzip2', 'zstd', 'cpio', 'file'];
/** Installed on real rpm-based images next to the BuildRequires. */
export const RPM_TOOLCHAIN = ['rpm-build', 'gcc', 'make', 'patch', 'xz', 'bzip2', 'cpio'];

/**
 * A spec holding only `deps` as BuildRequires, for `dnf builddep`: it resolves rich
 * dependencies and `pkgconfig(...)` provides the way the real build will.
 */
export function buildRequiresSpec(deps: readonly string[]): string {
  return [
    'Name: pkgtrack-builddeps',
    'Version: 0',
    'Release: 0',
    'Summary: build dependencies',
    'License: none',
    ...deps.map((d) => `BuildRequires: ${d}`),
    '%description',
    'build dependencies',
    '',
  ].join('\n');
}

/**
 * Dependency layer, run as root with network on the base image. The script picks the package
 * manager the image has: dnf (Fedora, CentOS Stream, Rocky, Alma) installs the toolchain and runs
 * `dnf builddep` on a spec of the BuildRequires; zypper (openSUSE) installs them by capability;
 * apt (the "rpm on Debian" image used when no rpm-based image can be pulled) installs rpm and a
 * toolchain only: Fedora package names mean nothing there, so the build runs with --nodeps.
 */
export const DEPENDENCY_SCRIPT = `set -eu
if command -v dnf >/dev/null 2>&1; then
  printf '%s' "$PKGTRACK_BUILDREQUIRES_SPEC" > /tmp/pkgtrack-builddeps.spec
  dnf -y --setopt=install_weak_deps=False install dnf-plugins-core ${RPM_TOOLCHAIN.join(' ')}
  dnf -y --setopt=install_weak_deps=False builddep /tmp/pkgtrack-builddeps.spec
  rm -f /tmp/pkgtrack-builddeps.spec
  dnf clean all
elif command -v zypper >/dev/null 2>&1; then
  zypper --non-interactive install --no-recommends ${RPM_TOOLCHAIN.join(' ')} "$@"
  zypper clean --all
elif command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends ${RPM_ON_DEBIAN_PACKAGES.join(' ')}
  apt-get clean
  rm -rf /var/lib/apt/lists/*
  echo "pkgtrack: rpm on Debian: BuildRequires ($*) are not installed; the build will run with --nodeps" >&2
else
  echo "pkgtrack: no dnf, zypper or apt-get in this image; cannot install build dependencies" >&2
  exit 1
fi
`;

export function dependencyInstallStep(deps: readonly string[]): ContainerStep {
  return {
    argv: ['sh', '-c', DEPENDENCY_SCRIPT, 'pkgtrack-rpm-deps', ...deps],
    env: { PKGTRACK_BUILDREQUIRES_SPEC: buildRequiresSpec(deps) },
    cwd: '/',
  };
}

/**
 * The rpmbuild run. On a Debian image (no rpm database of the build dependencies) it adds
 * --nodeps and leaves a marker so the summary can say BuildRequires were not verified.
 */
export const BUILD_SCRIPT = `set -eu
marker=$1; shift
if [ -f /etc/debian_version ] && ! command -v dnf >/dev/null 2>&1 && ! command -v zypper >/dev/null 2>&1; then
  echo "pkgtrack: rpm on Debian: rpmbuild --nodeps (BuildRequires are not verified)" >&2
  : > "$marker"
  set -- --nodeps "$@"
fi
exec rpmbuild "$@"
`;

export interface RpmBuildStepInput {
  /** Spec file relative to the work dir. */
  spec: string;
  /** The target's suffix, defined as %dist. */
  dist: string;
  sourceDateEpoch: number;
}

/** rpmbuild defines that make the result reproducible and independent of the host. */
export function reproducibleDefines(dist: string): string[] {
  const topdir = `${CONTAINER_WORK_DIR}/${RPM_TOPDIR}`;
  return [
    `_topdir ${topdir}`,
    // rpm refuses an empty macro body: an empty suffix is written as --undefine dist instead.
    ...(dist ? [`dist ${dist}`] : []),
    `_buildhost ${RPM_BUILDHOST}`,
    'source_date_epoch_from_changelog 1',
    'use_source_date_epoch_as_buildtime 1',
    'clamp_mtime_to_source_date_epoch 1',
    // Payload order and compression fixed explicitly; both are defaults, but images differ.
    '_binary_payload w2.xzdio',
    '_source_payload w2.xzdio',
  ];
}

export function rpmBuildStep(input: RpmBuildStepInput): ContainerStep {
  const defines = [...(input.dist ? [] : ['--undefine', 'dist']), ...reproducibleDefines(input.dist).flatMap((d) => ['--define', d])];
  return {
    argv: [
      'sh',
      '-c',
      BUILD_SCRIPT,
      'pkgtrack-rpmbuild',
      `${CONTAINER_WORK_DIR}/${NODEPS_MARKER}`,
      '-ba',
      ...defines,
      `${CONTAINER_WORK_DIR}/${input.spec}`,
    ],
    env: {
      SOURCE_DATE_EPOCH: String(input.sourceDateEpoch),
      TZ: 'UTC',
      LC_ALL: 'C.UTF-8',
      LANG: 'C.UTF-8',
      // A HOME of our own: no ~/.rpmmacros from the image changes the build.
      HOME: `${CONTAINER_WORK_DIR}/${RPM_HOME}`,
    },
    cwd: `${CONTAINER_WORK_DIR}/${RPM_TOPDIR}`,
  };
}
