import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { archFlag, repoFlag } from '../cli/flags.js';
import { table } from '../core/text-table.js';
import { type BuildSummary, buildRecipes } from '../services/build/index.js';
import { debugSuiteLines, type PublishResult, publish } from '../services/publish/index.js';

export default class Build extends PkgtrackCommand<typeof Build> {
  static override summary = 'Build recipes into packages, in containers, for each target.';
  static override description =
    'Fetches the upstream source, applies the patch queue and builds every selected target in a container without network. ' +
    'Unchanged inputs are skipped as up to date. A failed target does not stop the others; the exit code is 1 when any failed.';
  static override examples = [
    '<%= config.bin %> build hello --publish',
    '<%= config.bin %> build hello',
    '<%= config.bin %> build hello --target debian:bookworm --out ./out',
    '<%= config.bin %> build hello -t debian:bookworm -a amd64 -a arm64',
    '<%= config.bin %> build --jobs 2 --json',
    '<%= config.bin %> build hello -t debian:bookworm --no-lint --force',
  ];
  static override strict = false;
  static override args = { recipe: Args.string({ description: 'Recipes to build (default: all).', required: false }) };
  static override flags = {
    repo: repoFlag,
    target: Flags.string({
      char: 't',
      multiple: true,
      multipleNonGreedy: true,
      description: 'Target to build, e.g. debian:bookworm (repeatable). Default: the recipe targets.',
    }),
    arch: archFlag,
    version: Flags.string({ description: 'Upstream version to build (default: the newest release).', exclusive: ['trunk'] }),
    trunk: Flags.boolean({ description: 'Build the head of the trunk branch.', exclusive: ['version'] }),
    commit: Flags.string({
      description: 'With --trunk: build this commit of the trunk instead of its head (what `ci matrix` planned).',
      dependsOn: ['trunk'],
    }),
    previous: Flags.string({
      description:
        'With --trunk: the last published trunk version, which the snapshot must sort above (what `ci matrix` planned; default: read from the published output).',
      dependsOn: ['trunk'],
    }),
    out: Flags.string({ char: 'o', description: 'Output folder (default: <repo>/out).' }),
    jobs: Flags.integer({ char: 'j', min: 1, max: 16, default: 1, description: 'Builds (recipe x target) run at the same time.' }),
    force: Flags.boolean({ description: 'Rebuild even when nothing changed.' }),
    memory: Flags.string({
      description: "Build container memory limit, e.g. 16g (default: three quarters of this machine's memory, at least 4g).",
    }),
    lint: Flags.boolean({
      description:
        'Run lintian/rpmlint on what was built (--no-lint skips it: a quicker build while iterating; publish-bound builds should keep it).',
      default: true,
      allowNo: true,
    }),
    publish: Flags.boolean({
      description: 'Then sign and publish every successful build (to the suite of its target and channel), as `pkgtrack publish` does.',
    }),
  };

  async run(): Promise<BuildSummary & { published?: PublishResult }> {
    const summary = await buildRecipes({
      recipesDir: this.flags.repo,
      recipes: this.positionals,
      targets: this.flags.target,
      arches: this.flags.arch,
      version: this.flags.version,
      trunk: this.flags.trunk,
      commit: this.flags.commit,
      trunkPrevious: this.flags.previous,
      outDir: this.flags.out,
      jobs: this.flags.jobs,
      force: this.flags.force,
      ...(this.flags.memory ? { memory: this.flags.memory } : {}),
      lint: this.flags.lint,
      pkgtrackVersion: this.config.version,
      progress: this.progress,
    });
    const rows = summary.builds.map((b) => [
      b.recipe,
      b.target,
      `${b.arch}${b.emulated ? ' (emulated)' : ''}`,
      b.version ?? '-',
      b.result,
      `${b.seconds.toFixed(1)}s`,
      String(b.artifacts.length),
    ]);
    const lines = [table(['RECIPE', 'TARGET', 'ARCH', 'VERSION', 'RESULT', 'TIME', 'ARTIFACTS'], rows), '', `Output: ${summary.outDir}`];
    for (const b of summary.builds) {
      if (b.lint?.findings.length)
        lines.push(
          `${b.lint.tool} ${b.recipe} ${b.target}: ${b.lint.errors} error(s), ${b.lint.warnings} warning(s)`,
          ...b.lint.findings.map((f) => `  ${f}`),
        );
      if (b.result === 'failed') {
        lines.push(`FAILED ${b.recipe} ${b.target} ${b.arch}: [${b.error?.code}] ${b.error?.message ?? ''}`);
        if (b.error?.fix) lines.push(`  fix: ${b.error.fix}`);
        if (b.log) lines.push(`  log: ${b.log}`);
      }
    }
    const result: BuildSummary & { published?: PublishResult } = summary;
    const done = summary.builds.filter((b) => b.result !== 'failed' && b.outDir).map((b) => b.outDir!);
    if (this.flags.publish && done.length) {
      // Failed targets are left out; what did build still goes out (the exit code says 1).
      result.published = await publish({
        inputs: done,
        ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
        progress: this.progress,
      });
      for (const r of result.published.reports) {
        lines.push(`published ${r.kind} ${r.suite}: ${r.added.length} added, ${r.unchanged.length} unchanged, ${r.removed.length} removed`);
      }
      lines.push(...debugSuiteLines(result.published.debugSuites));
    }
    this.show(lines);
    if (summary.failed > 0) this.setExitCode(ExitCode.failure);
    return result;
  }
}
