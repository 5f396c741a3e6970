import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { type RebaseResult, rebasePatches } from '../../services/patches/index.js';

export default class PatchesRebase extends PkgtrackCommand<typeof PatchesRebase> {
  static override summary = "Carry a recipe's patch queue onto a new upstream version.";
  static override description =
    'Refreshes hunks that moved, drops patches upstream already has (recorded in the series and patches/dropped/), keeps headers and updates Last-Update. On a conflict it stops with the file, the hunk, a .rej and the tree with the patches before it applied, and leaves the recipe untouched unless --partial (which still exits 1).';
  static override examples = [
    '<%= config.bin %> patches rebase hello --to 2.13',
    '<%= config.bin %> patches rebase hello --to 2.13 --partial',
  ];
  static override args = { recipe: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = {
    repo: repoFlag,
    to: Flags.string({ description: 'Upstream version to rebase onto', required: true }),
    orig: Flags.string({ description: 'Use this upstream tarball instead of fetching' }),
    partial: Flags.boolean({ description: 'On a conflict, still write the patches before it' }),
  };

  async run(): Promise<RebaseResult> {
    const f = this.flags;
    const r = await rebasePatches(this.args.recipe, {
      to: f.to,
      partial: f.partial,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.orig ? { orig: f.orig } : {}),
      progress: this.progress,
    });
    this.show([
      `${r.recipe} → ${r.to}: ${r.written ? 'patches updated' : 'nothing to change'}`,
      ...r.patches.map((p) => `  ${p.name}: ${p.action}${p.reason ? ` (${p.reason})` : ''}`),
      ...(r.conflict
        ? [
            `conflict: ${r.conflict.patch} hunk #${r.conflict.hunk} of ${r.conflict.file}; rejects in ${r.conflict.rejectDir}; tree with the patches before it: ${r.conflict.tree}`,
          ]
        : []),
    ]);
    // --partial wrote what it could, but the queue is not carried over: not a success.
    if (r.conflict) this.setExitCode(ExitCode.failure);
    return r;
  }
}
