import * as Args from '@oclif/core/args';
import { table } from '../core/text-table.js';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { repoFlag } from '../cli/flags.js';
import { type CheckResult, checkRecipes } from '../services/check/index.js';

export default class Check extends PkgtrackCommand<typeof Check> {
  static override summary = 'Tell which packages have a newer upstream version.';
  static override description = `For each recipe: the packaged version (last successful build), the newest upstream version, and the status
(up-to-date, newer-available, upstream-older, not-found, error). Observations are recorded in .pkgtrack/state.db;
a tag that moved or a release asset that changed is reported. GitHub is asked in batches (GraphQL, GITHUB_TOKEN or GH_TOKEN).
Exit codes: 0 checked; 10 with --exit-code when a newer version exists; 1 when a recipe could not be checked.`;
  static override examples = [
    '<%= config.bin %> check',
    '<%= config.bin %> check hello gh --json',
    '<%= config.bin %> check --exit-code || echo "updates available"',
  ];
  static override strict = false;

  static override args = {
    recipe: Args.string({ description: 'Recipes to check (default: all)', required: false }),
  };

  static override flags = {
    'exit-code': Flags.boolean({ description: `Exit ${ExitCode.updatesAvailable} when any recipe has a newer upstream version` }),
    repo: repoFlag,
  };

  async run(): Promise<CheckResult> {
    const result = await checkRecipes({
      names: this.positionals,
      progress: this.progress,
      ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
    });
    this.show(renderTable(result));
    if (this.flags['exit-code'] && result.summary['newer-available'] > 0) this.setExitCode(ExitCode.updatesAvailable);
    else if (result.summary.error > 0) this.setExitCode(ExitCode.failure);
    return result;
  }
}

function renderTable(r: CheckResult): string[] {
  const rows = r.recipes.map((x) => [x.recipe, x.packaged ?? '-', x.latest ?? '-', x.status, x.source]);
  const out = [table(['RECIPE', 'PACKAGED', 'UPSTREAM', 'STATUS', 'SOURCE'], rows, { rule: false })];
  for (const x of r.recipes) if (x.error) out.push(`  ${x.recipe}: ${x.error.message}${x.error.fix ? ` (${x.error.fix})` : ''}`);
  const s = r.summary;
  out.push(
    `${s.total} checked: ${s['newer-available']} newer, ${s['up-to-date']} up to date, ${s['upstream-older']} upstream older, ${s['not-found']} not found, ${s.error} errors`,
  );
  if (r.notChecked)
    out.push(
      `not checked (GitHub rate limit): ${r.notChecked.recipes.join(', ')}${r.notChecked.retryAt ? `; retry after ${r.notChecked.retryAt}` : ''}`,
    );
  return out;
}
