import { resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { repoFlag } from '../cli/flags.js';
import { table } from '../core/text-table.js';
import { runNightly } from '../services/nightly/index.js';
import { openRecipesRepository } from '../services/shared/index.js';

export default class Nightly extends PkgtrackCommand<typeof Nightly> {
  static override summary = 'Build and publish the trunk channel from upstream HEAD, when it moved.';
  static override description =
    `For every recipe with a trunk channel: resolve upstream HEAD; skip when the published trunk state (<output>/trunk/<recipe>.json, or --state-url) already has that commit; compute the snapshot version (channels.trunk.versionPattern) and refuse it unless it sorts above the last trunk build and the last release, and below any next release, in dpkg AND rpm order; build every target; publish to the trunk suites (e.g. bookworm-trunk: NotAutomatic, ButAutomaticUpgrades), keeping the newest channels.trunk.keep builds.
A patch that no longer applies marks the recipe "broken on trunk": the last good build stays published and the other recipes go on. Exit 1 when any recipe failed, was refused or is broken on trunk.`;
  static override examples = [
    '<%= config.bin %> nightly',
    '<%= config.bin %> nightly jq --dry-run',
    '<%= config.bin %> nightly --state-url https://me.github.io/ppa --json',
  ];
  static override strict = false;
  static override args = { recipes: Args.string({ description: 'Recipes (default: every recipe with a trunk channel)' }) };
  static override flags = {
    repo: repoFlag,
    target: Flags.string({ char: 't', multiple: true, multipleNonGreedy: true, description: 'Only these targets' }),
    output: Flags.string({ description: 'Published output directory (default: pkgtrack.yaml output)' }),
    'state-url': Flags.string({ description: 'Public URL of the published repository, to read the last trunk state from' }),
    force: Flags.boolean({ description: 'Build and publish even when upstream HEAD did not move' }),
    'dry-run': Flags.boolean({ description: 'Resolve HEAD and check the version; build and publish nothing' }),
  };

  async run() {
    const f = this.flags;
    const recipesRepo = await openRecipesRepository(f.repo);
    const names = this.positionals;
    const result = await runNightly({
      recipesRepo,
      recipes: names,
      output: resolve(recipesRepo.root, f.output ?? recipesRepo.config.output),
      pkgtrackVersion: this.config.version,
      progress: this.progress,
      ...(f.target ? { targets: f.target } : {}),
      ...(f['state-url'] ? { stateUrl: f['state-url'] } : {}),
      ...(f.force ? { force: true } : {}),
      ...(f['dry-run'] ? { dryRun: true } : {}),
    });
    this.show([
      table(
        ['RECIPE', 'COMMIT', 'VERSION', 'OUTCOME', 'TARGETS'],
        result.recipes.map((r) => [
          r.recipe,
          r.commit?.slice(0, 7) ?? '',
          r.version ?? '',
          r.outcome,
          r.targets.map((t) => `${t.target}:${t.result}`).join(' '),
        ]),
      ),
      '',
      ...result.recipes.filter((r) => r.reason).map((r) => `${r.recipe}: ${r.reason}`),
      ...result.recipes.flatMap((r) =>
        r.targets.filter((t) => t.log && t.result === 'failed').map((t) => `  ${r.recipe} ${t.target}: log ${t.log}`),
      ),
    ]);
    if (result.failed) this.setExitCode(ExitCode.failure);
    return result;
  }
}
