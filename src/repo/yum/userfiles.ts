/** What users of a yum repository get (the .repo file) and the signature check made before a switch. */
import * as openpgp from 'openpgp';
import { integrityError } from '../../core/errors.js';

export interface RepoFileFields {
  id: string;
  name: string;
  baseUrl: string;
  keyUrl: string;
}

/** A dnf/yum .repo stanza with package AND metadata signature checks on. */
export function repoFileText(f: RepoFileFields): string {
  const clean = (s: string) => s.replace(/[\r\n]/g, '');
  return [
    `[${clean(f.id)}]`,
    `name=${clean(f.name)}`,
    `baseurl=${clean(f.baseUrl)}`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${clean(f.keyUrl)}`,
    '',
  ].join('\n');
}

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
export function userFiles(root: string, suite: string, baseUrl: string | undefined, keys: string | undefined): Array<[string, string]> {
  const base = (baseUrl ?? `file://${root}`).replace(/\/+$/, '');
  const id = `pkgtrack-${suite.replaceAll('/', '-')}`;
  const out: Array<[string, string]> = [];
  if (keys) out.push([`${suite}/${KEY_FILE}`, keys]);
  out.push([
    `${suite}/${id}.repo`,
    repoFileText({ id, name: `pkgtrack ${suite}`, baseUrl: `${base}/${suite}`, keyUrl: `${base}/${suite}/${KEY_FILE}` }),
  ]);
  return out;
}
