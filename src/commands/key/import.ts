import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { passphraseFlags, passphraseFrom } from '../../cli/sign-flags.js';
import { keyImport } from '../../services/key/index.js';

export default class KeyImport extends PkgtrackCommand<typeof KeyImport> {
  static override summary = 'Import an existing private signing key (checked against the key policy, stored encrypted).';
  static override examples = [
    'gpg --armor --export-secret-keys FINGERPRINT > old.asc && <%= config.bin %> key import old.asc --out keys/signing.key',
    '<%= config.bin %> key import old.asc --existing --passphrase-fd 3 3<pass.txt',
  ];
  static override args = { file: Args.string({ description: 'Armored or binary private key', required: true }) };
  static override flags = {
    repo: repoFlag,
    out: Flags.string({ char: 'o', description: 'Where to store it (default: signing.key of pkgtrack.yaml).' }),
    existing: Flags.boolean({ description: 'The key is already trusted by users: accept RSA-2048 (new keys need 3072+).' }),
    force: Flags.boolean({ description: 'Replace an existing key file.' }),
    ...passphraseFlags,
  };

  async run() {
    const r = await keyImport({
      file: this.args.file,
      ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
      ...(this.flags.out ? { out: this.flags.out } : {}),
      ...(this.flags.existing ? { existing: true } : {}),
      ...(this.flags.force ? { force: true } : {}),
      ...passphraseFrom(this.flags),
    });
    this.show([
      `Imported key ${r.fingerprint}${r.expires ? ` (expires ${r.expires.slice(0, 10)})` : ' (no expiry: consider `pkgtrack key rotate`)'}`,
      `  private: ${r.privateFile}${r.encryptedNow ? ' (was unencrypted; now encrypted with the passphrase)' : ''}`,
      `  public:  ${r.publicFile}`,
    ]);
    return r;
  }
}
