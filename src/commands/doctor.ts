import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { repoFlag } from '../cli/flags.js';
import { runDoctor } from '../services/doctor/index.js';

const MARK = { ok: 'ok   ', warn: 'WARN ', error: 'ERROR', skip: 'skip ' } as const;

export default class Doctor extends PkgtrackCommand<typeof Doctor> {
  static override summary = 'Check that this machine and repository can track, build, sign and publish.';
  static override description =
    'Checks Node, the container engine (and the workarounds it needs), host tools, the signing key and the GitHub token. Every problem comes with a fix; --fix applies the safe ones. Exit code 11 when an error remains.';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --fix',
    '<%= config.bin %> doctor --json | jq .findings',
    '<%= config.bin %> doctor --check object-storage --publish-to s3://my-apt/repo',
  ];
  static override flags = {
    repo: repoFlag,
    fix: Flags.boolean({ description: 'Apply the safe fixes (install missing tools, prepare the container engine).' }),
    'publish-to': Flags.string({
      description: 'Also probe this s3://bucket/prefix publish target: reachable, and which write guarantees the store gives.',
    }),
    check: Flags.string({ description: 'Run only this check (repeatable).', multiple: true, multipleNonGreedy: true }),
  };

  async run() {
    const report = await runDoctor({
      progress: this.progress,
      ...(this.flags.fix ? { fix: true } : {}),
      ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
      ...(this.flags.check ? { only: this.flags.check } : {}),
      ...(this.flags['publish-to'] ? { publishTo: this.flags['publish-to'] } : {}),
    });
    const lines: string[] = [];
    for (const f of report.findings) {
      lines.push(`${MARK[f.status]}  ${f.message}`);
      if (f.fix && (f.status === 'warn' || f.status === 'error'))
        lines.push(`       fix: ${f.fix}${f.fixable && !this.flags.fix ? ' (or run `pkgtrack doctor --fix`)' : ''}`);
    }
    for (const d of report.fixed) lines.push(`fixed  ${d}`);
    lines.push('', `${report.counts.ok} ok, ${report.counts.warn} warnings, ${report.counts.error} errors`);
    this.show(lines);
    if (!report.ok) this.setExitCode(ExitCode.findings);
    return report;
  }
}
