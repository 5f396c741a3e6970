import { Args, Flags } from '@oclif/core';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { verifyRepo } from '../../services/repo.js';

export default class RepoVerify extends PkgtrackCommand<typeof RepoVerify> {
  static override summary = 'Check a published apt repository: signatures, and every file Release lists re-hashed.';
  static override examples = [
    '<%= config.bin %> repo verify ./public/apt --keyring keys/signing.pub.asc',
    '<%= config.bin %> repo verify https://example.org/apt --suite bookworm --keyring key.asc --json',
  ];
  static override args = { target: Args.string({ description: 'Repository folder or http(s) URL.', required: true }) };
  static override flags = {
    keyring: Flags.string({ char: 'k', description: 'Public key file (armored or binary) the repository must be signed with.' }),
    suite: Flags.string({ char: 's', multiple: true, description: 'Suite to check (repeatable; required for a URL).' }),
    fingerprint: Flags.string({ multiple: true, description: 'Fingerprint that must have signed (repeatable; key rotation).' }),
  };

  async run() {
    const f = this.flags;
    const r = await verifyRepo({
      target: this.args.target,
      ...(f.keyring ? { keyring: f.keyring } : {}),
      ...(f.suite ? { suites: f.suite } : {}),
      ...(f.fingerprint ? { fingerprints: f.fingerprint } : {}),
    });
    const lines = [`${r.target}: ${r.ok ? 'OK' : 'PROBLEMS'} (${r.checkedFiles} files checked)`];
    for (const s of r.signatures)
      lines.push(`  ${s.ok ? 'good' : 'BAD '} signature ${s.file}${s.by ? ` by ${s.by}` : ''}${s.detail ? ` (${s.detail})` : ''}`);
    for (const p of r.problems) lines.push(`  ${p.file}: ${p.problem}`);
    this.show(lines);
    if (!r.ok) this.setExitCode(ExitCode.findings);
    return r;
  }
}
