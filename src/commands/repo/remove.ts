import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { bucketFlag, deleteGraceFlag, repoFlag } from '../../cli/flags.js';
import { s3SyncSummary } from '../../services/publish/index.js';
import { removeFromRepo } from '../../services/repo/index.js';

export default class RepoRemove extends PkgtrackCommand<typeof RepoRemove> {
  static override summary = 'Remove packages (every version, or one) from a suite and re-sign it, in one change.';
  static override description =
    "Every name given goes in one signed change: if one of them is not published in the suite, nothing is removed. --version and --arch apply to each name. A package's debug symbols (<name>-dbgsym in <suite>-debug, <name>-debuginfo/-debugsource) go with it.";
  static override strict = false;
  static override examples = [
    '<%= config.bin %> repo remove hello --suite bookworm',
    '<%= config.bin %> repo remove libfoo1 libfoo-dev foo-tools --suite bookworm',
    '<%= config.bin %> repo remove hello --version 1.0-1 --suite bookworm --dry-run',
    '<%= config.bin %> repo remove hello --suite fedora/41/x86_64',
    '<%= config.bin %> repo remove hello --version 1.0-1 --suite bookworm --to s3://my-packages/repo',
  ];
  static override args = { packages: Args.string({ description: 'Packages (binary or source names), one or more.', required: true }) };
  static override flags = {
    repo: repoFlag,
    suite: Flags.string({
      char: 's',
      required: true,
      description: 'Suite to remove them from: an apt suite, or a yum repository such as fedora/41/x86_64.',
    }),
    version: Flags.string({ description: 'Only this version (of each package).' }),
    arch: Flags.string({ description: 'Only this architecture ("source" for the source package).' }),
    output: Flags.string({ char: 'o', description: 'Output folder holding the repositories.', exclusive: ['to'] }),
    to: bucketFlag,
    'delete-grace': deleteGraceFlag,
    'dry-run': Flags.boolean({ description: 'Show what would go; write nothing.' }),
    key: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'Signing key file when pkgtrack.yaml has no signing section.',
    }),
    'passphrase-fd': Flags.integer({ min: 0, description: 'Read the key passphrase from this file descriptor.' }),
  };

  async run() {
    const f = this.flags;
    const r = await removeFromRepo({
      names: this.positionals,
      suite: f.suite,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.version ? { version: f.version } : {}),
      ...(f.arch ? { arch: f.arch } : {}),
      ...(f.output ? { output: f.output } : {}),
      ...(f.to ? { to: f.to, graceSeconds: f['delete-grace'] } : {}),
      ...(f.key ? { keyFiles: f.key } : {}),
      ...(f['passphrase-fd'] !== undefined ? { passphraseFd: f['passphrase-fd'] } : {}),
      dryRun: f['dry-run'],
      progress: this.progress,
    });
    const lines = [...r.removed, ...(r.debug?.removed ?? [])].map(
      (p) => `${f['dry-run'] ? 'would remove' : 'removed'} ${p.name} ${p.version} ${p.arch} from ${p.suite}`,
    );
    for (const c of r.commit?.changes.filter((x) => x.op === 'remove') ?? []) lines.push(`  pool: ${c.path}`);
    if (r.s3) lines.push(s3SyncSummary(r.s3));
    this.show(lines);
    return r;
  }
}
