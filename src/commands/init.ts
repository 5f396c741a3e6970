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
    '<%= config.bin %> init my-packages --publish s3',
    '<%= config.bin %> init my-packages --install git+https://github.com/acme/pkgtrack.git#0123456789abcdef0123456789abcdef01234567',
  ];
  static override args = { dir: Args.string({ description: 'Folder to create it in', default: '.' }) };
  static override flags = {
    name: Flags.string({ description: 'Repository name (default: the folder name)' }),
    maintainer: Flags.string({ description: 'Maintainer, "Full Name <email>"' }),
    force: Flags.boolean({ description: 'Overwrite the scaffold files of an existing repository' }),
    install: Flags.string({
      description:
        'How the workflows install pkgtrack, pinned by content: a .tgz path in the repository (this pkgtrack is packed there, default .github/pkgtrack/pkgtrack.tgz; refresh with `pkgtrack ci vendor`) or git+https://<host>/<owner>/<repo>.git#<40-hex commit>. Registry names are refused.',
    }),
    publish: Flags.string({
      options: ['pages', 's3'],
      default: 'pages',
      description:
        'Where the workflows publish: the gh-pages branch served by GitHub Pages, or object storage (S3, R2, GCS, MinIO, Ceph) through `publish --to s3://…` with AWS credentials from GitHub OIDC; the workflow header lists the repository variables to set',
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
      publish: this.flags.publish as 'pages' | 's3',
      // Pinned by content: CI runs the pkgtrack that wrote the workflows until someone re-vendors it.
      ...(this.flags.install ? { install: this.flags.install } : {}),
      packageRoot: this.config.root,
      progress: this.progress,
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
      ...(this.flags.publish === 's3'
        ? ['  # and variables PKGTRACK_S3_URL, PKGTRACK_PUBLIC_URL, PKGTRACK_AWS_ROLE_ARN, PKGTRACK_AWS_REGION (see the workflow header)']
        : []),
      '  pkgtrack build --publish     # build, sign and publish',
      '  git add -A && git commit     # including .github/pkgtrack/ (the pkgtrack CI installs)',
    ]);
    return result;
  }
}
