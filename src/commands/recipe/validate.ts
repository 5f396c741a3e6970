import * as Args from '@oclif/core/args';
import { repoFlag } from '../../cli/flags.js';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { type ValidationProblem, validateRecipes } from '../../services/recipe/index.js';

function render(p: ValidationProblem): string[] {
  const where = p.file ? `${p.file}${p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : ''}: ` : '';
  const lines = [`  error[${p.code}]: ${where}${p.field ? `${p.field}: ` : ''}${p.message}`];
  if (p.fix) lines.push(`    fix: ${p.fix}`);
  return lines;
}

export default class RecipeValidate extends PkgtrackCommand<typeof RecipeValidate> {
  static override summary = 'Check recipes and pkgtrack.yaml against the schema and the files they need.';
  static override description =
    'Every problem is reported with file:line:column, the field path and a fix. Exit code 2 when anything is invalid.';
  static override examples = ['<%= config.bin %> recipe validate', '<%= config.bin %> recipe validate hello --json'];
  static override strict = false;
  static override args = { names: Args.string({ description: 'Recipes to validate (default: all)' }) };
  static override flags = { repo: repoFlag };

  async run() {
    const names = this.positionals;
    const report = await validateRecipes(names, this.flags.repo);
    const lines: string[] = [];
    if (report.problems.length) {
      lines.push('pkgtrack.yaml: invalid');
      for (const p of report.problems) lines.push(...render(p));
    }
    for (const r of report.recipes) {
      lines.push(`${r.name}: ${r.valid ? 'ok' : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`}`);
      for (const p of r.problems) lines.push(...render(p));
    }
    if (report.recipes.length === 0 && report.problems.length === 0) lines.push('No recipes to validate.');
    if (report.valid) this.show(lines);
    else if (!this.jsonEnabled()) {
      this.progress.flush?.();
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    if (!report.valid) this.setExitCode(ExitCode.usage);
    return report;
  }
}
