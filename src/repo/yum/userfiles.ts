/** What users of a yum repository get (the key and .repo file beside it) and the signature check made before a switch. */
import type * as openpgp from 'openpgp';
import { readKeys } from '../../sign/keys.js';
import { problemSummary, verified } from '../../sign/verifier.js';
import { OpenPgpVerifier } from '../../sign/verify.js';
import { integrityError } from '../../core/errors.js';
import { yumRepoFile, yumRepoId } from '../../formats/user-files.js';

/**
 * Check an armored detached signature over `data` with the keys in `keyData` (armored or a binary
 * keyring), as dnf's repo_gpgcheck would: a good signature by a known key and no bad one. Returns
 * the signers' fingerprints; throws YUM_SIGNATURE_INVALID.
 */
export async function verifyDetached(data: Uint8Array, armored: string, keyData: string | Uint8Array, what: string): Promise<string[]> {
  const fail = (why: string) =>
    integrityError(
      'YUM_SIGNATURE_INVALID',
      `${what} does not verify: ${why}`,
      'Check that the signing key and the published public key belong together; nothing was published.',
      { file: what },
    );
  let keys: openpgp.PublicKey[];
  try {
    keys = (await readKeys(keyData, what)).map((k) => k.toPublic());
  } catch (e) {
    throw fail((e as Error).message);
  }
  const r = await new OpenPgpVerifier(keys).detached(what, Buffer.from(armored, 'utf8'), what.replace(/\.asc$/, ''), data);
  if (!verified(r)) throw fail(problemSummary(r));
  return r.signers;
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
