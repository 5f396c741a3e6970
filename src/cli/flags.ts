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
