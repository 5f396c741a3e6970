import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { allowClockSkewFlag, bucketFlag, deleteGraceFlag, repoFlag } from '../../cli/flags.js';
import { s3SyncSummary } from '../../services/publish/index.js';
import { refreshRepo } from '../../services/repo/index.js';

export default class RepoRefresh extends PkgtrackCommand<typeof RepoRefresh> {
  static override summary = 'Re-sign published suites with a fresh Date and Valid-Until (run it from cron).';
  static override description =
    'apt refuses a Release past its Valid-Until, so a repository that did not change still needs new signatures before it expires. ' +
    'Indexes and by-hash files are untouched; only Release, Release.gpg and InRelease are replaced, atomically and under the lock. ' +
    'yum repositories get a new signed repomd.xml generation the same way. Without --kind or --suite, both kinds are refreshed.';
  static override examples = [
    '<%= config.bin %> repo refresh',
    '<%= config.bin %> repo refresh --suite bookworm --output ./public',
    '<%= config.bin %> repo refresh --kind yum --suite fedora/41/x86_64',
    '<%= config.bin %> repo refresh --to s3://my-packages/repo',
  ];
  static override flags = {
    repo: repoFlag,
    suite: Flags.string({
      char: 's',
      multiple: true,
      multipleNonGreedy: true,
      description: 'Suite to refresh (repeatable; default: all).',
    }),
    output: Flags.string({ char: 'o', description: 'Output folder holding the repositories.', exclusive: ['to'] }),
    to: bucketFlag,
    'delete-grace': deleteGraceFlag,
    key: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'Signing key file when pkgtrack.yaml has no signing section.',
    }),
    'passphrase-fd': Flags.integer({ min: 0, description: 'Read the key passphrase from this file descriptor.' }),
    'allow-clock-skew': allowClockSkewFlag,
    kind: Flags.string({
      options: ['apt', 'yum'],
      description: 'Only apt suites or only yum repositories (default: both, or the kind --suite names).',
    }),
  };

  async run() {
    const f = this.flags;
    const r = await refreshRepo({
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.suite ? { suites: f.suite } : {}),
      ...(f.output ? { output: f.output } : {}),
      ...(f.to ? { to: f.to, graceSeconds: f['delete-grace'] } : {}),
      ...(f.key ? { keyFiles: f.key } : {}),
      ...(f['passphrase-fd'] !== undefined ? { passphraseFd: f['passphrase-fd'] } : {}),
      ...(f['allow-clock-skew'] ? { allowClockSkew: true } : {}),
      ...(f.kind ? { kind: f.kind as 'apt' | 'yum' } : {}),
      progress: this.progress,
    });
    const lines = r.refreshed.map((s) => `re-signed ${s.kind} ${s.suite}: valid for ${s.validDays} days`);
    if (r.s3) lines.push(s3SyncSummary(r.s3));
    this.show(lines);
    return r;
  }
}
