/** Flags shared by the `key` commands and `verify`: where the passphrase comes from (never argv). */
import * as Flags from '@oclif/core/flags';

export const passphraseFlags = {
  'passphrase-fd': Flags.integer({
    description: 'Read the passphrase from this open file descriptor (e.g. `--passphrase-fd 3 3<pass.txt`).',
    min: 0,
    exclusive: ['passphrase-file'],
  }),
  'passphrase-file': Flags.string({ description: 'Read the passphrase from the first line of this file.' }),
};

export const keyTypeFlag = Flags.string({
  description: 'Key algorithm: rsa4096 (widest compatibility: apt, rpm on EL8/EL9) or ed25519 (small, fast).',
  options: ['rsa4096', 'ed25519'],
  default: 'rsa4096',
});

export const expiresFlag = Flags.string({ description: 'Lifetime: 2y, 18m, 90d (or "never", not recommended).', default: '2y' });

/** Turn the passphrase flags into the service's request fields. */
export function passphraseFrom(flags: { 'passphrase-fd'?: number | undefined; 'passphrase-file'?: string | undefined }) {
  return {
    ...(flags['passphrase-fd'] !== undefined ? { passphraseFd: flags['passphrase-fd'] } : {}),
    ...(flags['passphrase-file'] ? { passphraseFile: flags['passphrase-file'] } : {}),
  };
}
