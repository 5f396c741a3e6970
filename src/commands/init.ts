import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { initRepository } from '../services/init/index.js';

export default class Init extends PkgtrackCommand<typeof Init> {
  static override summary = 'Create a recipes repository with an example recipe and a CI workflow.';
  static override examples = [
    '<%= config.bin %> init my-packages',
    '<%= config.bin %> init . --name acme-ppa --maintainer "Ada Lovelace <ada@example.org>"',
    '<%= config.bin %> init my-packages --pages artifact',
  ];
  static override args = { dir: Args.string({ description: 'Folder to create it in', default: '.' }) };
  static override flags = {
    name: Flags.string({ description: 'Repository name (default: the folder name)' }),
    maintainer: Flags.string({ description: 'Maintainer, "Full Name <email>"' }),
    force: Flags.boolean({ description: 'Overwrite the scaffold files of an existing repository' }),
    install: Flags.string({
      description: 'npm package spec the workflows install (default: this pkgtrack, pinned: pkgtrack@<version>)',
    }),
    pages: Flags.string({
      options: ['branch', 'artifact'],
      default: 'branch',
      description:
        'How the workflows serve the repository on GitHub Pages: push to the gh-pages branch, or deploy a Pages artifact (the branch still keeps the published state)',
    }),
  };

  async run() {
    const result = await initRepository(this.args.dir, {
      ...(this.flags.name ? { name: this.flags.name } : {}),
      ...(this.flags.maintainer ? { maintainer: this.flags.maintainer } : {}),
      ...(this.flags.force ? { force: true } : {}),
      pages: this.flags.pages as 'branch' | 'artifact',
      // Pinned: CI runs the pkgtrack that wrote the workflows until someone bumps it on purpose.
      install: this.flags.install ?? `${this.config.name}@${this.config.version}`,
    });
    this.show([
      `Created a recipes repository in ${result.root}:`,
      ...result.created.map((f) => `  ${f}`),
      '',
      'Next:',
      `  cd ${result.root}`,
      '  pkgtrack doctor              # check this machine',
      '  pkgtrack recipe validate     # check the recipes',
      '  pkgtrack key generate --out keys/signing.key',
      '  # GitHub: add secrets PKGTRACK_SIGNING_KEY (the key file) and PKGTRACK_KEY_PASSPHRASE',
      '  pkgtrack build --publish     # build, sign and publish',
    ]);
    return result;
  }
}
