import { cappedLines } from '../cli/capped-list.js';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { allowClockSkewFlag, deleteGraceFlag, repoFlag } from '../cli/flags.js';
import { PkgtrackError } from '../core/errors.js';
import {
  debugSuiteLines,
  type PublishResult,
  publish,
  type GitPushResult,
  findArtifactDirs,
  s3SyncSummary,
} from '../services/publish/index.js';
import type { S3SyncReport } from '../services/publish/s3.js';

export default class Publish extends PkgtrackCommand<typeof Publish> {
  static override summary = 'Publish packages into signed apt (and yum) repositories.';
  static override description =
    'Takes build output folders (with their manifest.json), .deb/.dsc/.changes files or manifest.json files. ' +
    'The repository format is chosen by file type. Pool files are immutable; indexes, by-hash copies and signatures are ' +
    'written and fsynced first and Release/InRelease switched last, under a repository lock. Only new files are read ' +
    '(index cache keyed by path, size, mtime and inode); --rebuild re-reads everything.';
  static override examples = [
    '<%= config.bin %> publish --suite bookworm out/hello/debian-bookworm',
    '<%= config.bin %> publish --suite bookworm-trunk --component main ./hello_1.0-1_amd64.deb',
    '<%= config.bin %> publish out/hello/debian-bookworm/manifest.json --dry-run --json',
    '<%= config.bin %> publish --suite bookworm --contents ./hello_1.0-1_amd64.deb',
    '<%= config.bin %> publish --from-artifacts artifacts/ --to git+https://github.com/me/ppa.git#gh-pages',
    '<%= config.bin %> publish --from-artifacts artifacts/ --to git+https://github.com/me/ppa.git#gh-pages --lease "$(git rev-parse FETCH_HEAD)"',
    'AWS_ENDPOINT_URL_S3=https://ACCOUNT.r2.cloudflarestorage.com <%= config.bin %> publish --from-artifacts artifacts/ --to s3://my-apt/repo',
  ];
  static override strict = false;
  static override args = { inputs: Args.string({ description: 'Build folders, package files or manifest.json files.' }) };
  static override flags = {
    repo: repoFlag,
    suite: Flags.string({ char: 's', description: 'Suite to publish to (default: what the manifest says).' }),
    component: Flags.string({ char: 'c', description: 'apt component (default: the first configured, "main").' }),
    output: Flags.string({
      char: 'o',
      description: 'Output folder holding the repositories (default: pkgtrack.yaml `output`, else ./public).',
    }),
    rebuild: Flags.boolean({ description: 'Re-read every package instead of trusting the index cache.' }),
    contents: Flags.boolean({
      description: 'apt: also write Contents-<arch>.gz (apt-file); stays on for the suite (pkgtrack.yaml: contents: true).',
    }),
    'allow-clock-skew': allowClockSkewFlag,
    'allow-downgrade': Flags.boolean({
      description:
        'Publish a version lower than the one the suite has (refused otherwise, as reprepro does): clients that have the newer one never get it.',
    }),
    'dry-run': Flags.boolean({ description: 'Show what would be added and removed; write nothing.' }),
    keep: Flags.integer({ min: 0, description: 'Newest versions kept per package per suite (0 = all; default: retention.keep, else 3).' }),
    key: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'Signing key file when pkgtrack.yaml has no signing section (passphrase: $PKGTRACK_KEY_PASSPHRASE).',
    }),
    'passphrase-fd': Flags.integer({ min: 0, description: 'Read the key passphrase from this file descriptor.' }),
    'lock-timeout': Flags.integer({ min: 0, default: 120, description: 'Seconds to wait for another publisher.' }),
    'from-artifacts': Flags.string({
      description: 'Publish every build folder (with a manifest.json) below this folder, as CI jobs uploaded them, in one run.',
    }),
    to: Flags.string({
      description:
        'Where the repository lives: s3://bucket/prefix (object storage; credentials and endpoint from the AWS environment/profile chain), ' +
        'or git+<url>#<branch> to push the output folder to a git branch afterwards (e.g. gh-pages; the token in $GITHUB_TOKEN/$GH_TOKEN reads and pushes private repositories).',
    }),
    'delete-grace': deleteGraceFlag,
    planned: Flags.string({
      description:
        'CI fan-out: the plan (`ci matrix` JSON) this publish completes; planned cells that delivered no build are recorded in <output>/ci/attempts.json and go last in the next plan.',
    }),
    lease: Flags.string({
      dependsOn: ['to'],
      description:
        'With --to: the commit of the branch the output was restored from ("none": the branch did not exist). When another publisher moved the branch since, pkgtrack restores the output from the new tip, publishes again and pushes (3 attempts) instead of replacing their work.',
    }),
  };

  async run(): Promise<PublishResult & { pushed?: GitPushResult; s3?: S3SyncReport }> {
    const f = this.flags;
    // Loaded only for --to (the AWS SDK, the GitHub client); a bad target fails before anything is published.
    const s3 = f.to?.startsWith('s3://') ? await import('../services/publish/s3.js') : undefined;
    const git = f.to && !s3 ? await import('../services/publish/git.js') : undefined;
    git?.parseGitTarget(f.to!);
    const inputs = [...this.positionals, ...(f['from-artifacts'] ? await findArtifactDirs(f['from-artifacts']) : [])];
    if (inputs.length === 0) {
      if (!f['from-artifacts']) {
        throw new PkgtrackError({
          code: 'USAGE',
          kind: 'usage',
          message: 'nothing to publish',
          fix: 'Name build folders or package files, or pass --from-artifacts DIR.',
        });
      }
      // An empty plan (nothing needed building) is not an error in CI. With --planned, every planned
      // cell failed: the publish still runs, to record them (ci/attempts.json) for the next plan.
      if (!f.planned) {
        this.show(`No build output below ${f['from-artifacts']}: nothing to publish.`);
        return { output: '', dryRun: !!f['dry-run'], reports: [], cache: { hits: 0, misses: 0 }, warnings: [] };
      }
      this.progress.step(`no build output below ${f['from-artifacts']}: recording the planned cells that delivered nothing`);
    }
    const request = {
      inputs,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.suite ? { suite: f.suite } : {}),
      ...(f.component ? { component: f.component } : {}),
      ...(f.output ? { output: f.output } : {}),
      ...(f.key ? { keyFiles: f.key } : {}),
      ...(f['passphrase-fd'] !== undefined ? { passphraseFd: f['passphrase-fd'] } : {}),
      ...(f.keep !== undefined ? { keep: f.keep } : {}),
      rebuild: f.rebuild,
      ...(f.contents ? { contents: true } : {}),
      ...(f['allow-downgrade'] ? { allowDowngrade: true } : {}),
      ...(f['allow-clock-skew'] ? { allowClockSkew: true } : {}),
      ...(f.planned ? { planned: await (await import('../services/ci/attempts.js')).readPlannedMatrix(f.planned) } : {}),
      dryRun: f['dry-run'],
      lockTimeoutMs: f['lock-timeout'] * 1000,
      progress: this.progress,
    };
    const result: PublishResult & { pushed?: GitPushResult; s3?: S3SyncReport } = s3
      ? await s3.publishToS3({ ...request, to: f.to!, graceSeconds: f['delete-grace'] })
      : git
        ? await git.publishAndPush(request, f.to!, f.lease ? { lease: f.lease } : {})
        : await publish(request);
    const lines: string[] = [];
    for (const r of result.reports) {
      lines.push(`${r.kind} ${r.suite} (${r.root})${result.dryRun ? ' — dry run, nothing written' : ''}`);
      const all = f.verbose;
      lines.push(...cappedLines(r.added, (p) => `  + ${p.name} ${p.version} ${p.arch}`, all));
      lines.push(...cappedLines(r.unchanged, (p) => `  = ${p.name} ${p.version} ${p.arch} (already published)`, all));
      lines.push(...cappedLines(r.removed, (p) => `  - ${p.name} ${p.version} ${p.arch}`, all));
      const gone = r.commit?.changes.filter((c) => c.op === 'remove') ?? [];
      lines.push(...cappedLines(gone, (c) => `  pool ${result.dryRun ? 'would remove' : 'removed'}: ${c.path}`, all));
      if (r.noChange) lines.push('  nothing changed: the signed Release stands (`pkgtrack repo refresh` re-signs it)');
    }
    lines.push(...debugSuiteLines(result.debugSuites));
    if (result.pushed && !result.dryRun) {
      if (result.pushed.retries)
        lines.push(`${result.pushed.branch} had moved: published again on the new tip (${result.pushed.retries}×)`);
      lines.push(
        result.pushed.changed
          ? `pushed ${result.pushed.commit?.slice(0, 12)} to ${result.pushed.url} ${result.pushed.branch}`
          : `${result.pushed.branch} already up to date`,
      );
    }
    if (result.s3) {
      lines.push(s3SyncSummary(result.s3));
    }
    this.show(lines);
    return result;
  }
}
