import * as Args from '@oclif/core/args';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { keyInfo } from '../../services/key/index.js';

export default class KeyInfo extends PkgtrackCommand<typeof KeyInfo> {
  static override summary = 'Show the signing keys: algorithm, size, expiry, and whether the key policy accepts them.';
  static override description =
    'Without FILE, shows signing.key and signing.extraKeys of pkgtrack.yaml. Exit code 11 when a key is refused or expires within 30 days.';
  static override examples = ['<%= config.bin %> key info', '<%= config.bin %> key info keys/old.asc --json'];
  static override args = { file: Args.string({ description: 'A key file to inspect instead of the configured ones' }) };
  static override flags = { repo: repoFlag };

  async run() {
    const files = this.args.file ? [this.args.file] : [];
    const r = await keyInfo({ ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}), ...(files.length ? { files } : {}) });
    const lines: string[] = [];
    for (const k of r.keys) {
      const size = k.bits ? `${k.algorithm.replace(/EncryptSign$/, '').toUpperCase()}-${k.bits}` : (k.curve ?? k.algorithm);
      lines.push(`${k.fingerprint}  ${size}  ${k.private ? 'private' : 'public'}  (${k.role}: ${k.file})`);
      for (const u of k.userIds) lines.push(`  uid      ${u}`);
      lines.push(`  created  ${k.created.slice(0, 10)}`);
      lines.push(`  expires  ${k.expires ? `${k.expires.slice(0, 10)} (${k.daysToExpiry} days)` : 'never'}`);
      for (const v of k.violations) lines.push(`  REFUSED  ${v.component}: ${v.message}`);
      if (k.expiresSoon) lines.push('  WARN     expires within 30 days: run `pkgtrack key rotate --start`');
      if (k.violations.length === 0 && !k.expiresSoon) lines.push('  policy   ok');
    }
    this.show(lines);
    if (!r.ok) this.setExitCode(ExitCode.findings);
    return r;
  }
}
