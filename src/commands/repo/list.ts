import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { table } from '../../core/text-table.js';
import { listRepo } from '../../services/repo/index.js';

export default class RepoList extends PkgtrackCommand<typeof RepoList> {
  static override summary = 'List the packages published in each suite.';
  static override examples = [
    '<%= config.bin %> repo list',
    '<%= config.bin %> repo list --suite bookworm --json',
    '<%= config.bin %> repo list --suite fedora/41/x86_64',
  ];
  static override flags = {
    repo: repoFlag,
    suite: Flags.string({ char: 's', description: 'Only this suite (an apt suite, or a yum repository such as fedora/41/x86_64).' }),
    kind: Flags.string({ options: ['apt', 'yum'], description: 'Only apt suites or only yum repositories (default: both).' }),
    output: Flags.string({ char: 'o', description: 'Output folder holding the repositories.' }),
  };

  async run() {
    const f = this.flags;
    const r = await listRepo({
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.suite ? { suite: f.suite } : {}),
      ...(f.kind ? { kind: f.kind as 'apt' | 'yum' } : {}),
      ...(f.output ? { output: f.output } : {}),
      progress: this.progress,
    });
    this.show(
      r.packages.length
        ? table(
            ['SUITE', 'COMPONENT', 'PACKAGE', 'VERSION', 'ARCH'],
            r.packages.map((p) => [p.suite, p.component, p.name, p.version, p.arch]),
          )
        : `nothing published in ${r.output}`,
    );
    return r;
  }
}
