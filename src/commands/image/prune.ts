import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { type PruneResult, pruneImages } from '../../services/image/index.js';

export default class ImagePrune extends PkgtrackCommand<typeof ImagePrune> {
  static override summary = 'Remove stale dependency images (built on an older base image) and leftover build containers.';
  static override examples = [
    '<%= config.bin %> image prune',
    '<%= config.bin %> image prune --all',
    '<%= config.bin %> image prune --dry-run --json',
  ];
  static override flags = {
    all: Flags.boolean({ description: 'Remove every pkgtrack image, base images included.' }),
    'dry-run': Flags.boolean({ description: 'Only say what would be removed.' }),
  };

  async run(): Promise<PruneResult> {
    const result = await pruneImages({ all: this.flags.all, dryRun: this.flags['dry-run'] });
    const verb = this.flags['dry-run'] ? 'would remove' : 'removed';
    this.show([
      ...result.containers.map((c) => `${verb} leftover container ${c}`),
      ...result.removed.map((r) => `${verb} ${r}`),
      `${result.removed.length} image(s) ${verb}, ${result.kept.length} kept`,
    ]);
    return result;
  }
}
