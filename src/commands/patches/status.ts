import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { type PatchesStatusResult, patchesStatus } from '../../services/patches/index.js';

export default class PatchesStatus extends PkgtrackCommand<typeof PatchesStatus> {
  static override summary = "Try every patch of a recipe's queue against an upstream version and report per hunk.";
  static override description =
    'Each patch is applied in order to the upstream tree (fuzz allowed, for analysis): clean, offset N, fuzz N, fails (file and hunk, .rej written), or already applied upstream. Exits 11 when a patch fails or is already applied.';
  static override examples = ['<%= config.bin %> patches status hello', '<%= config.bin %> patches status hello --version 2.12.1 --json'];
  static override args = { recipe: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = {
    repo: repoFlag,
    version: Flags.string({ description: 'Upstream version (default: the newest release)' }),
    orig: Flags.string({ description: 'Use this upstream tarball instead of fetching' }),
    fuzz: Flags.integer({ description: 'Fuzz allowed while analysing (builds always use 0)', default: 2, min: 0, max: 3 }),
  };

  async run(): Promise<PatchesStatusResult> {
    const f = this.flags;
    const r = await patchesStatus(this.args.recipe, {
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.version ? { version: f.version } : {}),
      ...(f.orig ? { orig: f.orig } : {}),
      fuzz: f.fuzz,
      progress: this.progress,
    });
    const lines = [`${r.recipe} ${r.version}: ${r.patches.length} patch(es)`];
    for (const p of r.patches) {
      const moved = p.files.flatMap((x) =>
        x.hunks
          .filter((h) => h.status !== 'clean')
          .map(
            (h) =>
              `${x.path}#${h.index} ${h.status === 'failed' ? (h.alreadyApplied ? 'FAILED, already applied upstream' : 'FAILED') : h.status === 'fuzz' ? `fuzz ${h.fuzz}` : `offset ${h.offset}`}`,
          ),
      );
      for (const x of p.files.filter((f) => f.missing))
        moved.push(x.movedTo ? `${x.path} was renamed/moved upstream to ${x.movedTo}` : `${x.path} does not exist`);
      const state = p.status === 'already-applied' ? 'already applied upstream' : p.status === 'failed' ? 'FAILS' : p.worst;
      const dep3 = [
        p.header.forwarded ? `forwarded: ${p.header.forwarded}` : '',
        p.header.upstreamStatus ? `upstream-status: ${p.header.upstreamStatus}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${p.name}: ${state}${moved.length ? ` (${moved.join(', ')})` : ''}`);
      if (p.header.description) lines.push(`      ${p.header.description}${dep3 ? ` [${dep3}]` : ''}`);
    }
    if (r.rejectDir) lines.push(`rejected hunks: ${r.rejectDir}`);
    this.show(lines);
    if (r.counts.failed || r.counts.alreadyApplied) this.setExitCode(ExitCode.findings);
    return r;
  }
}
