import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { expiresFlag, keyTypeFlag, passphraseFlags, passphraseFrom } from '../../cli/sign-flags.js';
import { keyRotate } from '../../services/key/index.js';
import type { KeyType } from '../../sign/keys.js';

export default class KeyRotate extends PkgtrackCommand<typeof KeyRotate> {
  static override summary =
    'Replace the signing key without breaking clients: sign with old and new keys for a window, then retire the old one.';
  static override description =
    'Without flags, shows where the rotation stands and the next step. --start generates the new key (same passphrase), adds it to signing.extraKeys so every publish signs with both and lists both fingerprints in Release Signed-By. --finish, once the window (2 × validDays, at least 30 days) has passed, makes the new key signing.key.';
  static override examples = [
    '<%= config.bin %> key rotate',
    '<%= config.bin %> key rotate --start --type ed25519',
    '<%= config.bin %> key rotate --finish',
  ];
  static override flags = {
    repo: repoFlag,
    start: Flags.boolean({ description: 'Generate the new key and start signing with both.', exclusive: ['finish'] }),
    finish: Flags.boolean({ description: 'Retire the old key (after the window).' }),
    force: Flags.boolean({ description: 'With --finish: retire the old key before the window is over.' }),
    out: Flags.string({ description: 'With --start: where to write the new key (default keys/signing-<date>.key).' }),
    type: keyTypeFlag,
    expires: expiresFlag,
    ...passphraseFlags,
  };

  async run() {
    const f = this.flags;
    if (f['passphrase-file'])
      this.progress.warn('key rotate reads the passphrase from pkgtrack.yaml signing (or --passphrase-fd); --passphrase-file is ignored');
    const { passphraseFd } = passphraseFrom(f);
    const r = await keyRotate({
      type: f.type as KeyType,
      expires: f.expires,
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.start ? { start: true } : {}),
      ...(f.finish ? { finish: true } : {}),
      ...(f.force ? { force: true } : {}),
      ...(f.out ? { out: f.out } : {}),
      ...(passphraseFd !== undefined ? { passphraseFd } : {}),
    });
    const s = r.status;
    const lines = [
      r.action === 'started' ? `Started: new key ${r.newKey?.fingerprint} (${r.newKey?.privateFile}) now signs next to the old one.` : '',
      r.action === 'finished' ? 'Finished: the new key is signing.key; the old key no longer signs. Keep its revocation certificate.' : '',
      `Phase: ${s.phase}`,
      ...s.keys.map((k) => `  ${k.role.padEnd(17)} ${k.fingerprint}  ${k.file}`),
      `Release Signed-By: ${s.signedBy}`,
      ...(s.canRetireAt ? [`Old key can go on: ${s.canRetireAt.slice(0, 10)}`] : []),
      'Steps:',
      ...s.steps.map((st) => `  [${st.done ? 'x' : ' '}] ${st.step}: ${st.detail}`),
    ].filter((l) => l !== '');
    this.show(lines);
    return r;
  }
}
