/** Flags shared by several commands. */
import * as Flags from '@oclif/core/flags';

export const repoFlag = Flags.string({
  char: 'C',
  description: 'Recipes repository (folder with pkgtrack.yaml). Default: $PKGTRACK_REPO, else the nearest parent of the current folder.',
  helpGroup: 'GLOBAL',
});

export const allowClockSkewFlag = Flags.boolean({
  description:
    'Sign although this machine\'s clock disagrees with the host at pkgtrack.yaml `url:` by more than 5 minutes (refused otherwise: apt calls a future-dated Release "not valid yet").',
});

/** `-a/--arch`, repeatable: the architectures to build (or make images for). */
export const archFlag = Flags.string({
  char: 'a',
  multiple: true,
  multipleNonGreedy: true,
  description:
    'Architecture (repeatable): Debian names (amd64, arm64, armhf, ...) or rpm ones (x86_64, aarch64). Default: the target arches.',
});

export const deleteGraceFlag = Flags.integer({
  min: 0,
  default: 86400,
  description: 's3: seconds a file the repository no longer uses stays for readers mid-update (deleted by a later publish).',
});

/** `repo remove|refresh --to`: the same spelling as `publish --to`. */
export const bucketFlag = Flags.string({
  description:
    'Maintain the repository in object storage, s3://bucket/prefix, instead of the output folder (credentials and endpoint from the AWS environment/profile chain; the same lease and ordered upload as publish --to).',
});
