import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import {
  buildPatchReport,
  PATCH_STATUSES,
  type PatchReport,
  type PatchReportFormat,
  publishPatchReport,
  renderPatchReport,
} from '../../services/report/index.js';
import { openRecipesRepository } from '../../services/shared/index.js';

export default class ReportPatches extends PkgtrackCommand<typeof ReportPatches> {
  static override summary = 'Which patches should go upstream, and which upstream already merged.';
  static override description =
    `For every patch: its DEP-3 facts, whether the latest upstream release (or trunk, or upstream history) already has it, and the state of the pull request or issue it was forwarded to (GitHub, one batched query).
Statuses: ${PATCH_STATUSES.join(', ')}. --fail-on makes CI fail (exit 11) when any patch has one of the given statuses.`;
  static override examples = [
    '<%= config.bin %> report patches',
    '<%= config.bin %> report patches hello --format md --out patches.md',
    '<%= config.bin %> report patches --format html --out public/patches.html',
    '<%= config.bin %> report patches --fail-on needs-forwarding --fail-on invalid-header',
    '<%= config.bin %> report patches --site   # publish it with the repository web page',
  ];
  static override strict = false;
  static override args = { recipes: Args.string({ description: 'Recipes to report on (default: all)' }) };
  static override flags = {
    repo: repoFlag,
    format: Flags.string({ options: ['table', 'md', 'json', 'html'], default: 'table', description: 'Output format' }),
    out: Flags.string({ char: 'o', description: 'Write the report to this file instead of stdout' }),
    'fail-on': Flags.string({
      options: [...PATCH_STATUSES],
      multiple: true,
      multipleNonGreedy: true,
      description: 'Exit 11 when a patch has this status (repeatable)',
    }),
    offline: Flags.boolean({ description: 'Use only the recipes: no upstream download, no GitHub' }),
    site: Flags.boolean({ description: 'Also write reports/patches.json and .html into the published output and refresh the web page' }),
  };

  async run(): Promise<PatchReport & { failedOn: string[] }> {
    const names = this.positionals;
    const recipesRepo = await openRecipesRepository(this.flags.repo);
    const report = await buildPatchReport({
      recipesRepo,
      recipes: names,
      progress: this.progress,
      ...(this.flags.offline ? { offline: true } : {}),
    });
    const failOn = this.flags['fail-on'] ?? [];
    const failedOn = failOn.filter((s) => report.counts[s as keyof typeof report.counts] > 0);
    const text = renderPatchReport(report, this.flags.format as PatchReportFormat);
    if (this.flags.out) {
      await writeFileAtomic(this.flags.out, text.endsWith('\n') ? text : `${text}\n`);
      this.progress.step(`wrote ${this.flags.out}`);
    } else if (this.flags.format === 'json' && !this.jsonEnabled()) {
      await new Promise<void>((res) => process.stdout.write(text, () => res()));
    } else this.show(text);
    if (this.flags.site) {
      const written = await publishPatchReport(recipesRepo, report, this.progress);
      this.progress.step(`wrote ${written.join(' and ')}; the web page links to it`);
    }
    if (failedOn.length) {
      this.progress.flush?.();
      if (!this.jsonEnabled()) process.stderr.write(`failing: patches with status ${failedOn.join(', ')}\n`);
      this.setExitCode(ExitCode.findings);
    }
    return { ...report, failedOn };
  }
}
