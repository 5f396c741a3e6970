import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { type RebaseResult, rebasePatches } from '../../services/patches/index.js';

export default class PatchesRebase extends PkgtrackCommand<typeof PatchesRebase> {
  static override summary = "Carry a recipe's patch queue onto a new upstream version.";
  static override description = [
    'Refreshes hunks that moved, drops patches upstream already has (recorded in the series and patches/dropped/), keeps headers and updates Last-Update.',
    'On a conflict (a hunk that does not apply, a file upstream removed or renamed/moved) it stops as `quilt push -f` would: it prints a tree with the patches before it applied and the failing one applied as far as it goes, its failed hunks as .rej files beside the files. Fix the tree, delete the .rej files, and run `--continue`: the patch is rewritten as the diff from the tree before it (DEP-3 header kept), and the rest of the queue is carried on. `--skip` drops the patch instead (kept in patches/dropped/); `--abort` discards the stopped rebase.',
    'The recipe is untouched until the queue is carried over, unless --partial, which writes the patches before the conflict.',
    'Exit codes: 0 the queue is carried over; 1 it stopped on a conflict (error PATCH_REBASE_CONFLICT; with --partial the result is printed, with its "conflict", and the exit code is still 1); 2 bad input (e.g. .rej files left at --continue).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> patches rebase hello --to 2.13',
    '<%= config.bin %> patches rebase hello --to 2.13 --partial',
    '<%= config.bin %> patches rebase hello --continue',
    '<%= config.bin %> patches rebase hello --abort',
  ];
  static override args = { recipe: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = {
    repo: repoFlag,
    to: Flags.string({ description: 'Upstream version to rebase onto', exactlyOne: ['to', 'continue', 'skip', 'abort'] }),
    orig: Flags.string({ description: 'Use this upstream tarball instead of fetching', exclusive: ['continue', 'skip', 'abort'] }),
    partial: Flags.boolean({ description: 'On a conflict, still write the patches before it (exit code 1 all the same)' }),
    continue: Flags.boolean({ description: 'Carry on with a stopped rebase: take the failing patch from its fixed tree' }),
    skip: Flags.boolean({ description: 'Carry on with a stopped rebase, dropping the patch it stopped on (kept in patches/dropped/)' }),
    abort: Flags.boolean({ description: 'Discard a stopped rebase (its trees; what --partial wrote stays)' }),
  };

  async run(): Promise<RebaseResult> {
    const f = this.flags;
    const r = await rebasePatches(this.args.recipe, {
      ...(f.to ? { to: f.to } : {}),
      partial: f.partial,
      continue: f.continue,
      skip: f.skip,
      abort: f.abort,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.orig ? { orig: f.orig } : {}),
      progress: this.progress,
    });
    if (r.aborted) {
      this.show(`${r.recipe}: the stopped rebase onto ${r.to} was discarded`);
      return r;
    }
    const c = r.conflict;
    this.show([
      `${r.recipe} → ${r.to}: ${r.written ? 'patches updated' : 'nothing to change'}`,
      ...r.patches.map((p) => `  ${p.name}: ${p.action}${p.reason ? ` (${p.reason})` : ''}`),
      ...(c
        ? [
            `conflict: ${c.patch}; fix it in ${c.tree} (the patches before it applied, it as far as it goes)`,
            ...c.rejects.map((x) => `  rejected hunks: ${x}`),
            ...Object.entries(c.moved).map(([from, to]) => `  ${from} was renamed/moved upstream to ${to}`),
            `next: ${c.next}`,
          ]
        : []),
    ]);
    // --partial wrote what it could, but the queue is not carried over: not a success.
    if (c) this.setExitCode(ExitCode.failure);
    return r;
  }
}
