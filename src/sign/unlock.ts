/**
 * Key files (already read) to a Signer: the openpgp.js part of loading signing keys, shared by
 * the eager load and the deferred one (services/shared/signer.ts loadSigner, startSigner).
 */
import { inputError } from '../core/errors.js';
import { enforcePolicy, readPrivateKey, unlockKey } from './keys.js';
import { OpenPgpSigner } from './openpgp-signer.js';

export interface KeyFile {
  /** Where the key was read from: named in every error about it. */
  file: string;
  data: Uint8Array;
}

/** Read, policy-check and unlock every key (the first is the main key), and build the Signer. */
export async function unlockSigner(files: readonly KeyFile[], passphrase: string | undefined, now?: Date): Promise<OpenPgpSigner> {
  const keys = [];
  const seen = new Set<string>();
  for (const { file, data } of files) {
    const key = await readPrivateKey(data, file);
    const fp = key.getFingerprint().toUpperCase();
    if (seen.has(fp))
      throw inputError(
        'KEY_DUPLICATE',
        `${file} holds key ${fp}, which is already configured`,
        'List each key once in signing.key and signing.extraKeys.',
        { file },
      );
    seen.add(fp);
    await enforcePolicy(key, file, now ? { now } : {});
    keys.push(await unlockKey(key, passphrase, file));
  }
  return OpenPgpSigner.create(keys);
}
