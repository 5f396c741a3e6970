import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { existsSync } from 'node:fs';
import { optionalRecipesRepository } from '../../services/shared/index.js';
import { verifyRepo } from '../../services/repo/index.js';
import { publishedKeyPath } from '../../services/site/index.js';

async function defaultKeyring(dir: string | undefined): Promise<string | undefined> {
  const recipesRepo = await optionalRecipesRepository(dir);
  const path = recipesRepo ? publishedKeyPath(recipesRepo) : undefined;
  return path && existsSync(path) ? path : undefined;
}

export default class RepoVerify extends PkgtrackCommand<typeof RepoVerify> {
  static override summary =
    'Check a published apt or yum repository (or an output folder holding both): signatures, and every file Release or repomd.xml lists re-hashed.';
  static override examples = [
    '<%= config.bin %> repo verify ./public',
    '<%= config.bin %> repo verify ./public/apt --keyring keys/signing.pub.asc',
    '<%= config.bin %> repo verify https://example.org/apt --suite bookworm --keyring key.asc --json',
    '<%= config.bin %> repo verify ./public/apt --deep',
    '<%= config.bin %> repo verify ./public/apt --fix',
    '<%= config.bin %> repo verify s3://my-packages/repo --deep --json',
  ];
  static override args = {
    target: Args.string({
      description:
        'Repository folder (an output folder: every apt suite and yum repository in it), http(s) URL, or s3://bucket/prefix (every apt suite and yum repository in the bucket, read with the AWS credentials; no local copy).',
      required: true,
    }),
  };
  static override flags = {
    repo: repoFlag,
    keyring: Flags.string({
      char: 'k',
      description:
        'Public key file (armored or binary) the repository must be signed with. Default: the key published with the repository (inside a recipes repository).',
    }),
    suite: Flags.string({
      char: 's',
      multiple: true,
      multipleNonGreedy: true,
      description: 'Suite to check (repeatable; required for a URL): an apt suite, or a yum repository path such as fedora/41/x86_64.',
    }),
    fix: Flags.boolean({
      description:
        'Also remove the temporaries interrupted publishes left (*.pkgtrack-tmp), in each repository below the folder under its own lock (none where pkgtrack never published).',
    }),
    deep: Flags.boolean({
      description: 'apt: also re-hash every pool file the Packages and Sources indexes list (yum packages are always checked).',
    }),
    fingerprint: Flags.string({
      multiple: true,
      multipleNonGreedy: true,
      description: 'Fingerprint that must have signed (repeatable; key rotation).',
    }),
  };

  async run() {
    const f = this.flags;
    // Default: the key the recipes repository publishes with its repositories (users trust that one).
    const keyring = f.keyring ?? (await defaultKeyring(f.repo));
    if (!f.keyring && keyring) this.progress.step(`checking signatures against ${keyring}`);
    const r = await verifyRepo({
      target: this.args.target,
      ...(keyring ? { keyring } : {}),
      ...(f.suite ? { suites: f.suite } : {}),
      ...(f.fingerprint ? { fingerprints: f.fingerprint } : {}),
      ...(f.deep ? { deep: true } : {}),
      ...(f.fix ? { fix: true } : {}),
    });
    const lines = [`${r.target}: ${r.ok ? 'OK' : 'PROBLEMS'} (${r.checkedFiles} files checked)`];
    for (const s of r.signatures)
      lines.push(`  ${s.ok ? 'good' : 'BAD '} signature ${s.file}${s.by ? ` by ${s.by}` : ''}${s.detail ? ` (${s.detail})` : ''}`);
    for (const p of r.problems) lines.push(`  ${p.file}: ${p.problem}`, ...(p.fix ? [`    fix: ${p.fix}`] : []));
    if (r.leftovers)
      lines.push(
        `  warning: ${r.leftovers.files} temporary file(s) (${(r.leftovers.bytes / 1e6).toFixed(1)} MB) left by an interrupted publish, e.g. ${r.leftovers.example}; \`--fix\` or the next publish removes them`,
      );
    if (r.fixed?.note) lines.push(`  ${r.fixed.note}`);
    else if (r.fixed)
      lines.push(`  removed ${r.fixed.files} temporary file(s) (${(r.fixed.bytes / 1e6).toFixed(1)} MB) left by interrupted publishes`);
    this.show(lines);
    if (!r.ok) this.setExitCode(ExitCode.findings);
    return r;
  }
}
