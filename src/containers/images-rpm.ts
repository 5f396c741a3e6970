/**
 * Base images for rpm targets. A target's own image (fedora, centos-stream, rocky, almalinux,
 * opensuse) is used when it is already here or a registry answers; rpm-based distros cannot be
 * bootstrapped from a Debian-style mirror, so otherwise the build runs on the "rpm on Debian"
 * image: the Debian base image, to which the rpm builder's dependency layer adds rpm, rpmbuild
 * and a toolchain. Builds there run with --nodeps and their summary says BuildRequires were not
 * verified (src/builders/rpm).
 */
import type { Progress } from '../core/progress.js';
import { resolveTarget, type Target } from '../recipe/targets.js';
import { type BaseImage, baseImageRef, ensureBaseImage, LABEL_SOURCE } from './base-image.js';
import type { ContainerEngine } from './engine.js';

/** Debian release the "rpm on Debian" builder is made from (its rpm is 4.18, like EL9/Fedora 3x). */
export const RPM_ON_DEBIAN_TARGET = 'debian:bookworm';

export interface RpmBaseImage extends BaseImage {
  /** True when the build runs on the Debian-based fallback instead of the target's own image. */
  rpmOnDebian: boolean;
  /** The target whose base image is used (the rpm target itself, or debian:bookworm). */
  baseTarget: Target;
}

export function rpmOnDebianTarget(): Target {
  return resolveTarget(RPM_ON_DEBIAN_TARGET)!;
}

/**
 * The base image for an rpm target: its own image when present or pullable (then `dnf
 * builddep`/`zypper` install the BuildRequires), else the Debian base image.
 */
export async function ensureRpmBaseImage(engine: ContainerEngine, target: Target, progress: Progress): Promise<RpmBaseImage> {
  const ref = baseImageRef(target);
  const id = await engine.imageId(ref);
  if (id) {
    const labels = await engine.imageLabels(ref);
    return {
      ref,
      id,
      origin: 'pulled',
      reused: true,
      source: labels[LABEL_SOURCE] ?? target.image,
      rpmOnDebian: false,
      baseTarget: target,
    };
  }
  if (process.env.PKGTRACK_NO_PULL !== '1') {
    const pulled = await engine.pull(target.image, progress, 180_000);
    if (pulled.ok) {
      await engine.tag(target.image, ref);
      progress.step(`base image ${ref}: PULLED from ${target.image}`);
      return {
        ref,
        id: (await engine.imageId(ref))!,
        origin: 'pulled',
        reused: false,
        source: target.image,
        rpmOnDebian: false,
        baseTarget: target,
      };
    }
    progress.step(`no registry answered for ${target.image} (${pulled.error})`);
  }
  const debian = rpmOnDebianTarget();
  progress.warn(
    `${target.id}: building on the rpm-on-Debian image (${debian.id} + rpm); BuildRequires will not be verified for this target`,
  );
  const base = await ensureBaseImage(engine, debian, progress);
  return { ...base, rpmOnDebian: true, baseTarget: debian };
}
