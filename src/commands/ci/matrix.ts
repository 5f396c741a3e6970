import { resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { ciMatrix, writeMatrixSummary } from '../../services/ci/index.js';
import { openRecipesRepository } from '../../services/shared/index.js';

export default class CiMatrix extends PkgtrackCommand<typeof CiMatrix> {
  static override summary = 'Print the GitHub Actions matrix of (recipe, target) jobs that need building.';
  static override description =
    'stable: the newest upstream release is newer than what the published repository holds for the target. trunk: upstream HEAD moved since the published trunk state. stdout is the matrix JSON, ready for $GITHUB_OUTPUT; --json gives the full result with the cells left out and why.';
  static override examples = [
    'echo "matrix=$(<%= config.bin %> ci matrix --channel trunk)" >> "$GITHUB_OUTPUT"',
    '<%= config.bin %> ci matrix --channel stable --json',
    '<%= config.bin %> ci matrix --channel stable --output public --exit-code > matrix.json',
    '<%= config.bin %> ci matrix --channel stable --state-url https://packages.example.org/repo',
  ];
  static override strict = false;
  static override args = { recipes: Args.string({ description: 'Recipes (default: all)' }) };
  static override flags = {
    repo: repoFlag,
    channel: Flags.string({ options: ['stable', 'trunk'], default: 'stable', description: 'Which channel to plan' }),
    output: Flags.string({ description: 'Published output directory (default: pkgtrack.yaml output)' }),
    'state-url': Flags.string({
      description:
        'Public URL the repository is served from (bucket, CDN or Pages site): read what is published (indexes, build manifests, trunk states, ci/attempts.json) from there instead of --output, for either channel',
    }),
    'exit-code': Flags.boolean({
      description: 'Exit 11 when some recipes could not be planned (upstream unreachable, packaging changed without a revision bump)',
    }),
  };

  async run() {
    const f = this.flags;
    const recipesRepo = await openRecipesRepository(f.repo);
    const names = this.positionals;
    const result = await ciMatrix({
      recipesRepo,
      channel: f.channel as 'stable' | 'trunk',
      recipes: names,
      output: resolve(recipesRepo.root, f.output ?? recipesRepo.config.output),
      outputGiven: f.output !== undefined,
      progress: this.progress,
      ...(f['state-url'] ? { stateUrl: f['state-url'] } : {}),
    });
    for (const s of result.skipped) this.progress.step(`skip ${s.recipe}${s.target ? ` ${s.target}` : ''}: ${s.reason}`);
    for (const p of result.problems)
      this.progress.warn(`${p.recipe}${p.target ? ` ${p.target}` : ''}: ${p.message}${p.field ? ` (${p.file ?? ''} ${p.field})` : ''}`);
    await writeMatrixSummary(result, process.env.GITHUB_STEP_SUMMARY);
    this.show(JSON.stringify(result.matrix));
    if (f['exit-code'] && result.problems.length) this.setExitCode(ExitCode.findings);
    return result;
  }
}
