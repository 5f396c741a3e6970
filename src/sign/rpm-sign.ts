/**
 * RPM package signing and verification. Signing writes an OpenPGP v4 SHA-256 signature over the
 * main header into the signature header, as `rpmsign --addsign` does (formats/rpm/signature.ts
 * does the bytes); `rpmkeys --checksig` verifies the result. Verification here is independent of
 * rpm: header signature (openpgp.js), SHA-256 header digest, MD5 header+payload digest and the
 * payload digest, so a few zeroed bytes anywhere in the header or payload are caught.
 */
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { integrityError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fsutil.js';
import { rpmDigestProblems } from '../formats/rpm/digests.js';
import { readRpmHeaders } from '../formats/rpm/package.js';
import { addHeaderSignature, headerSignature, type SignedRpm } from '../formats/rpm/signature.js';
import type { Signer } from './signer.js';

/** Sign the bytes of an rpm; the signer must hold exactly one key (rpm keeps one signature). */
export async function signRpmBytes(rpm: Uint8Array, signer: Signer, source?: string): Promise<SignedRpm> {
  const { layout } = readRpmHeaders(rpm, source);
  const packet = await signer.detachSignBinary(rpm.subarray(layout.headerStart, layout.headerEnd));
  return addHeaderSignature(rpm, packet, source);
}

/** Sign the rpm at `path` in place (atomically: readers see the unsigned or the signed file). */
export async function signRpmFile(path: string, signer: Signer): Promise<SignedRpm> {
  const signed = await signRpmBytes(await readFile(path), signer, path);
  await writeFileAtomic(path, signed.bytes);
  return signed;
}

export interface RpmVerifyResult {
  ok: boolean;
  /** Key ids (hex, upper case) whose signature verified. */
  signedBy: string[];
  problems: string[];
}

/**
 * Verify an rpm's header signature against `keys` (armored, or already read: a check of 10,000
 * rpms read the same keys 10,000 times) and every digest it carries.
 */
export async function verifyRpmBytes(rpm: Uint8Array, keys: string | openpgp.PublicKey[], source = 'rpm'): Promise<RpmVerifyResult> {
  const problems: string[] = [];
  const signedBy: string[] = [];
  let headers: ReturnType<typeof readRpmHeaders>;
  try {
    headers = readRpmHeaders(rpm, source);
  } catch (e) {
    return { ok: false, signedBy, problems: [(e as Error).message] };
  }
  const { layout } = headers;
  const header = rpm.subarray(layout.headerStart, layout.headerEnd);
  problems.push(...rpmDigestProblems(rpm, headers));

  const found = headerSignature(rpm, source);
  if (!found) problems.push('no OpenPGP header signature (RSA/DSA tag): the package is unsigned');
  else {
    try {
      const verificationKeys = typeof keys === 'string' ? await openpgp.readKeys({ armoredKeys: keys }) : keys;
      const signature = await openpgp.readSignature({ binarySignature: found.packet });
      const message = await openpgp.createMessage({ binary: header });
      const r = await openpgp.verify({ message, signature, verificationKeys, format: 'binary' });
      for (const s of r.signatures) {
        try {
          await s.verified;
          signedBy.push(s.keyID.toHex().toUpperCase());
        } catch (e) {
          problems.push(`header signature by ${s.keyID.toHex().toUpperCase()} does not verify: ${(e as Error).message}`);
        }
      }
      const hash = signature.packets[0]?.hashAlgorithm;
      if (hash != null && hash < openpgp.enums.hash.sha256 && hash !== openpgp.enums.hash.sha224) {
        problems.push('header signature uses a hash weaker than SHA-256');
      }
    } catch (e) {
      problems.push(`header signature unreadable: ${(e as Error).message}`);
    }
  }
  return { ok: problems.length === 0 && signedBy.length > 0, signedBy, problems };
}

/** verifyRpmBytes for a file, throwing RPM_SIGNATURE_INVALID with every problem when it fails. */
export async function verifyRpmFile(path: string, armoredKeys: string): Promise<RpmVerifyResult> {
  const r = await verifyRpmBytes(await readFile(path), armoredKeys, path);
  if (!r.ok) {
    throw integrityError(
      'RPM_SIGNATURE_INVALID',
      `${path}: ${r.problems.join('; ') || 'no valid signature'}`,
      'Do not publish or install this file; rebuild and re-sign it.',
      {
        file: path,
        problems: r.problems,
      },
    );
  }
  return r;
}
