import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { type PatchesApplyResult, patchesApply } from '../../services/patches/index.js';

export default class PatchesApply extends PkgtrackCommand<typeof PatchesApply> {
  static override summary = "Unpack the upstream source and apply the recipe's patch queue into a new directory.";
  static override description =
    'Applies exactly as dpkg-source -x and quilt push do for a build: fuzz 0, offsets allowed, stop at the first failure (file and hunk named); nothing is left behind on failure.';
  static override examples = [
    '<%= config.bin %> patches apply hello --out /tmp/hello-src',
    '<%= config.bin %> patches apply hello --version 2.12.1 --out build/hello',
  ];
  static override args = { recipe: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = {
    repo: repoFlag,
    version: Flags.string({ description: 'Upstream version (default: the newest release)' }),
    orig: Flags.string({ description: 'Use this upstream tarball instead of fetching' }),
    out: Flags.string({ description: 'Directory to create with the patched tree', required: true }),
  };

  async run(): Promise<PatchesApplyResult> {
    const f = this.flags;
    const r = await patchesApply(this.args.recipe, f.out, {
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.version ? { version: f.version } : {}),
      ...(f.orig ? { orig: f.orig } : {}),
      progress: this.progress,
    });
    this.show([
      `${r.recipe} ${r.version}: ${r.patches.length} patch(es) applied into ${r.out}`,
      ...r.patches.map((p) => `  ${p.name}: ${p.worst}`),
    ]);
    return r;
  }
}
