/** Flags shared by several commands. */
import * as Flags from '@oclif/core/flags';

export const repoFlag = Flags.string({
  char: 'C',
  description: 'Recipes repository (folder with pkgtrack.yaml). Default: $PKGTRACK_REPO, else the nearest parent of the current folder.',
  helpGroup: 'GLOBAL',
});
