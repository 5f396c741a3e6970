/**
 * Base images per target, in two variants. `minimal` (`localhost/pkgtrack/base:<distro>-<release>`),
 * a clean system to install packages into (`repo try`, tests), made once by pulling the target's
 * image when a registry answers, else by bootstrapping a minimal root file system from the
 * target's Debian-style mirror (mmdebstrap, or debootstrap) and importing it; the image's labels
 * say which happened. `buildd` (`...:<distro>-<release>-buildd`), what the builders start from:
 * the package set of Debian's buildd chroots (sbuild's `mmdebstrap --variant=buildd`: essential,
 * every Priority: required package such as tzdata, and build-essential), made from the minimal
 * image by installing the rest with apt (cheaper than a second bootstrap, above all under
 * emulation) and remade when the minimal image changes.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { envError } from '../core/errors.js';
import { hasProgram, run } from '../core/exec.js';
import type { Progress } from '../core/progress.js';
import { archInfo, DEFAULT_ARCH } from '../recipe/arches.js';
import { type Target, targetKey, targetSlug } from '../recipe/targets.js';
import { makeDirs, userCacheDir } from '../core/dirs.js';
import { CONTAINER_PREFIX, type ContainerEngine, IMAGE_PREFIX } from './engine.js';

export type BaseOrigin = 'pulled' | 'bootstrapped';

export interface BaseImage {
  ref: string;
  id: string;
  origin: BaseOrigin;
  /** True when the image was already there. */
  reused: boolean;
  /** Where it came from: the registry reference or `mirror suite`. */
  source: string;
}

export const LABEL_ORIGIN = 'org.pkgtrack.origin';
export const LABEL_SOURCE = 'org.pkgtrack.source';
export const LABEL_TARGET = 'org.pkgtrack.target';
export const LABEL_KIND = 'org.pkgtrack.kind';
export const LABEL_ARCH = 'org.pkgtrack.arch';
export const LABEL_VARIANT = 'org.pkgtrack.variant';
/** On a buildd image: the id of the minimal image it was made from. */
export const LABEL_MADE_FROM = 'org.pkgtrack.made-from';

/** `minimal`: essential + apt (clean installs); `buildd`: + Priority: required + build-essential (builds). */
export type BaseVariant = 'minimal' | 'buildd';

/**
 * `localhost/pkgtrack/base:debian-bookworm` (amd64), `...:debian-bookworm-arm64`; the buildd
 * variant ends in `-buildd`, so an image made before builds used it is never taken for one.
 */
export function baseImageRef(target: Target, variant: BaseVariant = 'minimal'): string {
  return `${IMAGE_PREFIX}base:${targetSlug(target)}${variant === 'buildd' ? '-buildd' : ''}`.toLowerCase();
}

/** What turns the minimal image into a buildd chroot (apt patterns: every Priority: required package). */
const BUILDD_SCRIPT = [
  'export DEBIAN_FRONTEND=noninteractive',
  'apt-get update -q',
  "apt-get install -y -q --no-install-recommends '?priority(required)' build-essential",
  'apt-get clean',
  'rm -rf /var/lib/apt/lists/*',
].join('\n');

/** The OCI platform of a non-default architecture (pull), undefined for amd64 (the engine's default). */
export function targetPlatform(target: Target): string | undefined {
  return target.arch === DEFAULT_ARCH ? undefined : archInfo(target.arch)?.platform;
}

/** Excluded from bootstrapped images: documentation and translations nobody reads in a builder. */
const NODOC_DPKG_OPTS = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
];

/** mmdebstrap argv for a minimal apt-capable root file system written as a tarball. Pure. */
export function mmdebstrapArgv(target: Target, tarball: string): string[] {
  const b = target.bootstrap!;
  const a = [
    '--variant=apt',
    '--mode=auto',
    '--format=tar',
    '--aptopt=Acquire::Languages "none"',
    '--aptopt=APT::Install-Recommends "false"',
  ];
  for (const o of NODOC_DPKG_OPTS) a.push(`--dpkgopt=${o}`);
  if (b.keyring) a.push(`--keyring=${b.keyring}`);
  // Foreign architectures: mmdebstrap runs the maintainer scripts under qemu-user (binfmt_misc).
  if (target.arch !== DEFAULT_ARCH) a.push(`--architectures=${target.arch}`);
  a.push(b.suite, tarball, b.mirror);
  return a;
}

/**
 * Make sure the base image for `target` exists; pull it, or bootstrap and import it. Other
 * tests and services use this to get a clean container of a release (e.g. apt-get in bookworm).
 */
export async function ensureBaseImage(
  engine: ContainerEngine,
  target: Target,
  progress: Progress,
  variant: BaseVariant = 'minimal',
): Promise<BaseImage> {
  if (variant === 'buildd') return ensureBuilddImage(engine, target, progress);
  const ref = baseImageRef(target);
  const existing = await engine.imageId(ref);
  if (existing) {
    const labels = await engine.imageLabels(ref);
    return {
      ref,
      id: existing,
      origin: labels[LABEL_ORIGIN] === 'pulled' ? 'pulled' : 'bootstrapped',
      reused: true,
      source: labels[LABEL_SOURCE] ?? '',
    };
  }
  if (process.env.PKGTRACK_NO_PULL !== '1') {
    const platform = targetPlatform(target);
    const pulled = await engine.pull(target.image, progress, 180_000, platform);
    if (pulled.ok) {
      await engine.tag(target.image, ref);
      progress.step(`base image ${ref}: PULLED from ${target.image}${platform ? ` (${platform})` : ''}`);
      return { ref, id: (await engine.imageId(ref))!, origin: 'pulled', reused: false, source: target.image };
    }
    progress.step(`no registry answered for ${target.image} (${pulled.error}); bootstrapping from the mirror instead`);
  }
  if (!target.bootstrap) {
    throw envError(
      'BASE_IMAGE_UNAVAILABLE',
      `cannot pull ${target.image} and ${target.id} has no bootstrap mirror`,
      `Make a registry reachable, or build the image yourself and tag it ${ref}.`,
    );
  }
  const id = await bootstrapImage(engine, target, ref, progress);
  const source = `${target.bootstrap.mirror} ${target.bootstrap.suite}`;
  progress.step(`base image ${ref}: BOOTSTRAPPED from ${source}`);
  return { ref, id, origin: 'bootstrapped', reused: false, source };
}

/** The buildd chroot of `target`: its minimal image plus Priority: required and build-essential, committed. */
async function ensureBuilddImage(engine: ContainerEngine, target: Target, progress: Progress): Promise<BaseImage> {
  const minimal = await ensureBaseImage(engine, target, progress);
  const ref = baseImageRef(target, 'buildd');
  const existing = await engine.imageId(ref);
  if (existing && (await engine.imageLabels(ref))[LABEL_MADE_FROM] === minimal.id)
    return { ref, id: existing, origin: minimal.origin, reused: true, source: minimal.source };
  const foreign = target.arch !== DEFAULT_ARCH;
  progress.step(
    `making ${ref}: ${minimal.ref} + Priority: required + build-essential, as Debian's buildd chroots; ${foreign ? 'several minutes under emulation' : 'about a minute'}`,
  );
  const name = `${CONTAINER_PREFIX}buildd-${createHash('sha256').update(ref).update(String(process.pid)).digest('hex').slice(0, 10)}`;
  try {
    const r = await engine.run({
      image: minimal.ref,
      argv: ['sh', '-ec', BUILDD_SCRIPT],
      name,
      network: 'default',
      ...(foreign ? { arch: target.arch } : {}),
      keep: true,
      timeoutMs: (foreign ? 120 : 30) * 60_000,
      onOutput: (c) => progress.debug(c.trimEnd()),
    });
    if (r.code !== 0)
      throw envError(
        'BASE_IMAGE_BUILDD_FAILED',
        `installing the buildd package set into ${minimal.ref} failed (exit ${r.code}):\n${r.output.trim().split('\n').slice(-12).join('\n')}`,
        `Check that the mirror of ${target.id} is reachable; then run \`pkgtrack image build -t ${target.id}\` again.`,
        { target: target.id },
      );
    const id = await engine.commit(name, ref, {
      [LABEL_ORIGIN]: minimal.origin,
      [LABEL_SOURCE]: minimal.source,
      [LABEL_TARGET]: targetKey(target),
      [LABEL_KIND]: 'base',
      [LABEL_ARCH]: target.arch,
      [LABEL_VARIANT]: 'buildd',
      [LABEL_MADE_FROM]: minimal.id,
    });
    return { ref, id, origin: minimal.origin, reused: false, source: minimal.source };
  } finally {
    await engine.removeContainer(name);
  }
}

async function bootstrapImage(engine: ContainerEngine, target: Target, ref: string, progress: Progress): Promise<string> {
  const b = target.bootstrap!;
  const dir = join(userCacheDir(), 'bootstrap');
  await makeDirs(dir);
  const tarball = join(dir, `${targetSlug(target)}-${process.pid}.tar`);
  try {
    if (await hasProgram('mmdebstrap')) {
      const foreign = target.arch !== DEFAULT_ARCH;
      progress.step(
        `bootstrapping ${targetKey(target)} with mmdebstrap from ${b.mirror} (${b.suite}); ${foreign ? 'a few minutes under emulation' : 'about 30 s'}`,
      );
      await run('mmdebstrap', mmdebstrapArgv(target, tarball), {
        what: 'mmdebstrap',
        errorCode: 'BOOTSTRAP_FAILED',
        fix: `Check that ${b.mirror} is reachable and serves ${b.suite}; install debian-archive-keyring.`,
        timeoutMs: 20 * 60_000,
      });
    } else if (target.arch === DEFAULT_ARCH && (await hasProgram('debootstrap'))) {
      await debootstrapTarball(target, tarball, progress);
    } else {
      throw envError('BOOTSTRAP_TOOL_MISSING', 'neither mmdebstrap nor debootstrap is installed', 'apt-get install mmdebstrap');
    }
    progress.step(`importing ${ref}`);
    return await engine.importRootfs(
      tarball,
      ref,
      {
        [LABEL_ORIGIN]: 'bootstrapped',
        [LABEL_SOURCE]: `${b.mirror} ${b.suite}`,
        [LABEL_TARGET]: targetKey(target),
        [LABEL_KIND]: 'base',
        [LABEL_ARCH]: target.arch,
        [LABEL_VARIANT]: 'minimal',
      },
      target.arch,
    );
  } finally {
    await rm(tarball, { force: true });
  }
}

/** debootstrap needs root and a directory; it is the fallback when mmdebstrap is absent. */
async function debootstrapTarball(target: Target, tarball: string, progress: Progress): Promise<void> {
  const b = target.bootstrap!;
  const root = `${tarball}.d`;
  progress.step(`bootstrapping ${target.id} with debootstrap from ${b.mirror} (${b.suite}); a few minutes`);
  try {
    const args = ['--variant=minbase'];
    if (b.keyring) args.push(`--keyring=${b.keyring}`);
    await run('debootstrap', [...args, b.suite, root, b.mirror], {
      what: 'debootstrap',
      errorCode: 'BOOTSTRAP_FAILED',
      timeoutMs: 30 * 60_000,
    });
    await run('tar', ['--numeric-owner', '-C', root, '-cf', tarball, '.'], { what: 'tar' });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
