/** What users of a yum repository get (the key and .repo file beside it) and the signature check made before a switch. */
import * as openpgp from 'openpgp';
import { integrityError } from '../../core/errors.js';
import { yumRepoFile, yumRepoId } from '../../formats/user-files.js';

/** Public keys from an armored block or a binary keyring (gpg --export, apt keyrings). */
export async function readAnyKeys(keyData: string | Uint8Array): Promise<openpgp.Key[]> {
  const text = typeof keyData === 'string' ? keyData : Buffer.from(keyData).toString('latin1');
  if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return openpgp.readKeys({ armoredKeys: text });
  return openpgp.readKeys({ binaryKeys: typeof keyData === 'string' ? Buffer.from(keyData, 'latin1') : keyData });
}

/**
 * Check an armored detached signature over `data` with `armoredKeys`: every signature in it
 * must verify (a rotation window carries one per key). Throws YUM_SIGNATURE_INVALID.
 */
export async function verifyDetached(data: Uint8Array, armored: string, keyData: string | Uint8Array, what: string): Promise<string[]> {
  const fail = (why: string) =>
    integrityError(
      'YUM_SIGNATURE_INVALID',
      `${what} does not verify: ${why}`,
      'Check that the signing key and the published public key belong together; nothing was published.',
      {
        file: what,
      },
    );
  let signature: openpgp.Signature;
  let keys: openpgp.Key[];
  try {
    signature = await openpgp.readSignature({ armoredSignature: armored });
    keys = await readAnyKeys(keyData);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
  if (result.signatures.length === 0) throw fail('no signature');
  const by: string[] = [];
  for (const s of result.signatures) {
    try {
      await s.verified;
    } catch (e) {
      throw fail((e as Error).message);
    }
    by.push(s.keyID.toHex().toUpperCase());
  }
  return by;
}

export const KEY_FILE = 'RPM-GPG-KEY-pkgtrack';

/** The key file and .repo file users get next to the repository `suite`, as [path, text]. Pure. */
export function userFiles(
  root: string,
  suite: string,
  repository: { baseUrl?: string; repositoryName?: string; label?: string },
  keys: string | undefined,
): Array<[string, string]> {
  const base = (repository.baseUrl ?? `file://${root}`).replace(/\/+$/, '');
  const id = yumRepoId(repository.repositoryName ?? 'pkgtrack', suite);
  const out: Array<[string, string]> = [];
  if (keys) out.push([`${suite}/${KEY_FILE}`, keys]);
  out.push([
    `${suite}/${id}.repo`,
    yumRepoFile({
      id,
      name: `${repository.label ?? 'pkgtrack'} (${suite})`,
      baseurl: `${base}/${suite}`,
      gpgkeys: [`${base}/${suite}/${KEY_FILE}`],
    }),
  ]);
  return out;
}
