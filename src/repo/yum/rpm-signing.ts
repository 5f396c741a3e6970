/**
 * Packages in a signed yum repository must be signed too: the .repo file says gpgcheck=1, so
 * dnf refuses an rpm without a header signature by the repository key. Publishing therefore
 * signs (natively, formats/rpm/signature.ts) every rpm that is not already signed by one of the
 * repository's keys; one signed by a foreign key is re-signed. The artifact itself is never
 * modified: the signed bytes go to the pool.
 */
import * as openpgp from 'openpgp';
import { readRpmHeaders } from '../../formats/rpm/package.js';
import { addHeaderSignature, headerSignature } from '../../formats/rpm/signature.js';
import type { Signer } from '../../sign/signer.js';
import { nativeKeys, verifiesNatively } from './fast-verify.js';

const NATIVE = new WeakMap<readonly openpgp.Key[], ReturnType<typeof nativeKeys>>();

/** True when `rpm` carries a header signature that verifies with one of `keys`. */
export async function signedByOneOf(rpm: Uint8Array, keys: readonly openpgp.Key[], source?: string): Promise<boolean> {
  const found = headerSignature(rpm, source);
  if (!found) return false;
  const { layout } = readRpmHeaders(rpm, source);
  let native = NATIVE.get(keys);
  if (!native) NATIVE.set(keys, (native = nativeKeys(keys)));
  if (verifiesNatively(rpm.subarray(layout.headerStart, layout.headerEnd), found.packet, native)) return true;
  try {
    const signature = await openpgp.readSignature({ binarySignature: found.packet });
    const message = await openpgp.createMessage({ binary: rpm.subarray(layout.headerStart, layout.headerEnd) });
    const r = await openpgp.verify({ message, signature, verificationKeys: [...keys], format: 'binary' });
    for (const s of r.signatures) {
      try {
        await s.verified;
        return true;
      } catch {
        /* try the next one */
      }
    }
  } catch {
    /* unreadable signature: re-sign */
  }
  return false;
}

/** rpm keeps ONE header signature: sign with the first key of a multi-key (rotation) signer. */
export function rpmSignerOf(signer: Signer): Signer {
  const forKey = (signer as { forKey?: (fpr: string) => Signer }).forKey;
  return signer.fingerprints.length > 1 && forKey ? forKey.call(signer, signer.fingerprints[0]!) : signer;
}

/** `rpm` signed by the repository key: unchanged when it already is, re-signed otherwise. */
export async function ensureRpmSigned(
  rpm: Uint8Array,
  signer: Signer,
  keys: readonly openpgp.Key[],
  source?: string,
): Promise<{ bytes: Uint8Array; signedNow: boolean }> {
  if (await signedByOneOf(rpm, keys, source)) return { bytes: rpm, signedNow: false };
  const { layout } = readRpmHeaders(rpm, source);
  const packet = await rpmSignerOf(signer).detachSignBinary(rpm.subarray(layout.headerStart, layout.headerEnd));
  return { bytes: addHeaderSignature(rpm, packet, source).bytes, signedNow: true };
}
