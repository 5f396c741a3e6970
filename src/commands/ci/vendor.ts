import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { vendorPkgtrack } from '../../services/ci/index.js';
import { openRecipesRepository } from '../../services/shared/index.js';

export default class CiVendor extends PkgtrackCommand<typeof CiVendor> {
  static override summary = 'Put this pkgtrack into the recipes repository as a packed tarball the CI workflows install.';
  static override description =
    'Runs `npm pack` on the running pkgtrack and writes the tarball and its sha256sum file into the recipes repository (default .github/pkgtrack/pkgtrack.tgz). The workflows `pkgtrack init` writes check the sha256 and install that file: CI runs exactly the pkgtrack you committed, never a registry name. Run it again after upgrading pkgtrack, and commit both files.';
  static override examples = [
    '<%= config.bin %> ci vendor',
    'git add .github/pkgtrack && git commit -m "pkgtrack: vendor $(<%= config.bin %> --version)"',
  ];
  static override flags = {
    repo: repoFlag,
    path: Flags.string({ description: 'Where the tarball goes, relative to the repository root (default .github/pkgtrack/pkgtrack.tgz)' }),
  };

  async run() {
    const recipesRepo = await openRecipesRepository(this.flags.repo);
    const result = await vendorPkgtrack({
      recipesRoot: recipesRepo.root,
      packageRoot: this.config.root,
      progress: this.progress,
      ...(this.flags.path ? { path: this.flags.path } : {}),
    });
    this.show(`${result.path} ${result.sha256} (pkgtrack ${result.version}); commit it with ${result.checksumFile}`);
    return result;
  }
}
