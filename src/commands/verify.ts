import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { ExitCode } from '../cli/exit-codes.js';
import { repoFlag } from '../cli/flags.js';
import { verifyCommand } from '../services/verify/index.js';

export default class Verify extends PkgtrackCommand<typeof Verify> {
  static override summary = 'Check the signatures and hashes of a published apt or yum repository (or one signed file).';
  static override description =
    'Checks InRelease (strict framing as apt parses it), Release + Release.gpg (armored, nothing else in it), repomd.xml + repomd.xml.asc (a stale signature is caught), the SHA256 sums Release and repomd.xml list, and the header signature and digests of .rpm files. Keys: --keyring files, else the signing keys of pkgtrack.yaml. Exit code 11 when something is wrong.';
  static override examples = [
    '<%= config.bin %> verify public/',
    '<%= config.bin %> verify public/dists/bookworm/InRelease --keyring public/example-archive-keyring.asc',
    '<%= config.bin %> verify public/ --json | jq .problems',
    '<%= config.bin %> verify public/ --deep',
  ];
  static override args = { path: Args.string({ description: 'Repository folder or signed file', required: true }) };
  static override flags = {
    repo: repoFlag,
    keyring: Flags.string({ char: 'k', description: 'Public key file to trust (repeatable).', multiple: true, multipleNonGreedy: true }),
    deep: Flags.boolean({
      description: 'Also re-hash every apt pool file the Packages and Sources indexes list (rpm packages are always checked).',
    }),
    'require-signer': Flags.string({
      description: 'Fingerprint that must have signed (repeatable; e.g. both keys during a rotation).',
      multiple: true,
      multipleNonGreedy: true,
    }),
  };

  async run() {
    const r = await verifyCommand({
      path: this.args.path,
      keyrings: this.flags.keyring ?? [],
      ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
      ...(this.flags['require-signer'] ? { requireSigners: this.flags['require-signer'] } : {}),
      ...(this.flags.deep ? { deep: true } : {}),
    });
    const lines = r.problems.map(
      (p) => `${p.severity === 'error' ? 'ERROR' : 'WARN '} ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message} [${p.code}]`,
    );
    lines.push(
      `${r.ok ? 'ok' : 'FAILED'}: ${r.checked.length} file(s) checked, ${r.problems.filter((p) => p.severity === 'error').length} error(s), ${r.problems.filter((p) => p.severity === 'warning').length} warning(s); good signatures from ${r.signers.join(', ') || 'no key'}`,
    );
    this.show(lines);
    if (!r.ok) this.setExitCode(ExitCode.findings);
    return r;
  }
}
