import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { expiresFlag, keyTypeFlag, passphraseFlags, passphraseFrom } from '../../cli/sign-flags.js';
import { keyGenerate } from '../../services/key/index.js';
import type { KeyType } from '../../sign/keys.js';

export default class KeyGenerate extends PkgtrackCommand<typeof KeyGenerate> {
  static override summary = 'Generate an encrypted OpenPGP signing key (RSA-4096 by default) and its public key.';
  static override description =
    'Writes the armored private key encrypted with the passphrase (from $PKGTRACK_KEY_PASSPHRASE, --passphrase-file or --passphrase-fd; never the command line), the public key next to it (NAME.pub.asc) and a revocation certificate (NAME.rev.asc, keep it offline).';
  static override examples = [
    'PKGTRACK_KEY_PASSPHRASE=... <%= config.bin %> key generate --out keys/signing.key',
    '<%= config.bin %> key generate --type ed25519 --expires 1y --name "Example Repo" --email repo@example.org --out keys/signing.key --passphrase-file ~/.pkgtrack-pass',
  ];
  static override flags = {
    repo: repoFlag,
    out: Flags.string({
      char: 'o',
      description: 'Private key file to write (default: signing.key of pkgtrack.yaml, else keys/signing.key).',
    }),
    type: keyTypeFlag,
    expires: expiresFlag,
    name: Flags.string({ description: 'User ID name (default: "<label> archive signing key").' }),
    email: Flags.string({ description: 'User ID email (default: the maintainer email).' }),
    force: Flags.boolean({ description: 'Replace existing key files.' }),
    ...passphraseFlags,
  };

  async run() {
    const f = this.flags;
    this.progress.step(
      `generating an ${f.type === 'rsa4096' ? 'RSA-4096' : 'Ed25519'} key${f.type === 'rsa4096' ? ' (takes a few seconds)' : ''}`,
    );
    const r = await keyGenerate({
      type: f.type as KeyType,
      expires: f.expires,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.out ? { out: f.out } : {}),
      ...(f.name ? { name: f.name } : {}),
      ...(f.email ? { email: f.email } : {}),
      ...(f.force ? { force: true } : {}),
      ...passphraseFrom(f),
    });
    this.show([
      `Generated ${r.type} key ${r.fingerprint}${r.expires ? `, expires ${r.expires.slice(0, 10)}` : ''}`,
      `  private (encrypted): ${r.privateFile}`,
      `  public:              ${r.publicFile}`,
      `  revocation cert:     ${r.revocationFile}  (store it offline)`,
      ...(r.configured
        ? []
        : ['', 'Next: set `signing: { key: <path> }` in pkgtrack.yaml, or `pkgtrack key rotate --start` to replace a key in use.']),
    ]);
    return r;
  }
}
