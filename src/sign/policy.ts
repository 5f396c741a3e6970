/**
 * Key policy: what apt, gpgv, rpm on EL9 and dnf accept today and in the announced future.
 * openpgp.js's own minimums (RSA 2047 bits, SHA-1 self-signatures) are looser, so every key we
 * sign with or import passes through `checkKeyPolicy` first.
 */
import type { ErrorCode } from '../core/error-codes.js';
import * as openpgp from 'openpgp';

export { keyExpiresBeforeValidUntil } from './expiry.js';

export const MIN_RSA_BITS = 2048;
export const MIN_RSA_BITS_NEW = 3072;
/** doctor warns this many days before a signing key or subkey expires. */
export const EXPIRY_WARNING_DAYS = 30;

export const GOOD_KEY_FIX =
  'Make a new key with `pkgtrack key generate --out keys/signing.asc` (RSA-4096, or --type ed25519; expires in 2 years), ' +
  'then follow `pkgtrack key rotate` to publish it next to the old one.';

export interface PolicyViolation {
  code: ErrorCode;
  /** Which component: "primary" or "subkey <fingerprint>". */
  component: string;
  message: string;
}

export interface KeyFacts {
  fingerprint: string;
  keyId: string;
  algorithm: string;
  bits?: number;
  curve?: string;
  userIds: string[];
  created: string;
  /** ISO date, or null when the key does not expire. */
  expires: string | null;
  revoked: boolean;
  subkeys: Array<{ fingerprint: string; algorithm: string; bits?: number; expires: string | null; revoked: boolean; canSign: boolean }>;
}

/** Lenient settings so that we can look at weak keys to explain why they are refused. */
export const INSPECT_CONFIG: openpgp.Config = {
  ...openpgp.config,
  minRSABits: 0,
  rejectPublicKeyAlgorithms: new Set(),
  rejectHashAlgorithms: new Set(),
  rejectMessageHashAlgorithms: new Set(),
};

const WEAK_PK = new Set(['dsa', 'elgamal']);

/** Expiry from the newest of `sigs` (self-certifications or binding signatures), read without verifying. */
function expiryFrom(created: Date, sigs: readonly openpgp.SignaturePacket[]): string | null {
  const latest = [...sigs].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];
  if (latest?.keyNeverExpires !== false || !latest.keyExpirationTime) return null;
  return new Date(created.getTime() + latest.keyExpirationTime * 1000).toISOString();
}

async function safe<T>(f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch {
    return fallback;
  }
}

/** Facts about a key, read leniently (works on expired, revoked and weak keys). */
export async function keyFacts(key: openpgp.Key): Promise<KeyFacts> {
  const algo = key.getAlgorithmInfo();
  const subkeys: KeyFacts['subkeys'] = [];
  for (const sk of key.getSubkeys()) {
    const a = sk.getAlgorithmInfo();
    const canSign = sk.bindingSignatures.some(
      (s) => s.keyFlags?.[0] !== undefined && (s.keyFlags[0] & openpgp.enums.keyFlags.signData) !== 0,
    );
    subkeys.push({
      fingerprint: sk.getFingerprint().toUpperCase(),
      algorithm: a.algorithm,
      ...(a.bits ? { bits: a.bits } : {}),
      expires: expiryFrom(sk.getCreationTime(), sk.bindingSignatures),
      revoked: await safe(
        () =>
          (sk.isRevoked as (s?: unknown, k?: unknown, d?: Date, c?: openpgp.Config) => Promise<boolean>).call(
            sk,
            undefined,
            undefined,
            undefined,
            INSPECT_CONFIG,
          ),
        false,
      ),
      canSign,
    });
  }
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: key.getKeyID().toHex().toUpperCase(),
    algorithm: algo.algorithm,
    ...(algo.bits ? { bits: algo.bits } : {}),
    ...(algo.curve ? { curve: String(algo.curve) } : {}),
    userIds: key.getUserIDs(),
    created: key.getCreationTime().toISOString(),
    expires: expiryFrom(key.getCreationTime(), [...directSigs(key), ...key.users.flatMap((u) => u.selfCertifications)]),
    revoked: await safe(() => key.isRevoked(undefined, undefined, undefined, INSPECT_CONFIG), false),
    subkeys,
  };
}

function directSigs(key: openpgp.Key): openpgp.SignaturePacket[] {
  // Present at runtime, missing from openpgp.js's type declarations.
  return (key as unknown as { directSignatures?: openpgp.SignaturePacket[] }).directSignatures ?? [];
}

/** Every self-signature and binding signature of the key, with where it sits. */
function selfSignatures(key: openpgp.Key): Array<{ where: string; sig: openpgp.SignaturePacket }> {
  // Only the newest of each group counts, as in gpg and apt: a key first certified with SHA-1
  // and re-certified with SHA-512 later is fine.
  const newest = (sigs: readonly openpgp.SignaturePacket[]) =>
    [...sigs].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];
  const out: Array<{ where: string; sig: openpgp.SignaturePacket }> = [];
  const keyId = key.getKeyID();
  const direct = newest(directSigs(key).filter((s) => s.issuerKeyID.equals(keyId)));
  if (direct) out.push({ where: 'direct-key self-signature', sig: direct });
  for (const u of key.users) {
    const s = newest(u.selfCertifications);
    if (s) out.push({ where: `self-signature on "${u.userID?.userID ?? 'user attribute'}"`, sig: s });
  }
  for (const sk of key.getSubkeys()) {
    const s = newest(sk.bindingSignatures);
    if (s) out.push({ where: `binding signature of subkey ${sk.getFingerprint().toUpperCase()}`, sig: s });
  }
  return out;
}

function rsaBits(info: { algorithm: string; bits?: number }): number | undefined {
  return info.algorithm.startsWith('rsa') ? info.bits : undefined;
}

/**
 * What is wrong with `key` for signing repositories and packages. `isNew` applies the stricter
 * floor for keys we generate or import for a new repository. Empty when the key is fine.
 */
export async function checkKeyPolicy(key: openpgp.Key, opts: { isNew?: boolean; now?: Date } = {}): Promise<PolicyViolation[]> {
  const now = opts.now ?? new Date();
  const v: PolicyViolation[] = [];
  const facts = await keyFacts(key);
  const primary = 'primary';
  if (key.keyPacket.version !== 4) {
    v.push({
      code: 'KEY_VERSION',
      component: primary,
      message: `a version ${key.keyPacket.version} key: apt's gpgv, rpm (EL8/EL9) and dnf read version 4 keys only`,
    });
  }
  if (WEAK_PK.has(facts.algorithm)) {
    v.push({
      code: 'KEY_WEAK_ALGORITHM',
      component: primary,
      message: `the primary key is ${facts.algorithm.toUpperCase()}, which apt and rpm no longer accept`,
    });
  }
  const bits = rsaBits(facts);
  if (bits !== undefined) {
    if (bits < MIN_RSA_BITS)
      v.push({
        code: 'KEY_RSA_TOO_SHORT',
        component: primary,
        message: `RSA-${bits} is below the ${MIN_RSA_BITS}-bit floor of apt and rpm`,
      });
    else if (opts.isNew && bits < MIN_RSA_BITS_NEW)
      v.push({
        code: 'KEY_RSA_TOO_SHORT_NEW',
        component: primary,
        message: `RSA-${bits} is below ${MIN_RSA_BITS_NEW} bits, the floor for new keys (apt's announced future minimum)`,
      });
  }
  for (const sk of facts.subkeys) {
    const b = rsaBits(sk);
    const where = `subkey ${sk.fingerprint}`;
    if (sk.canSign && WEAK_PK.has(sk.algorithm))
      v.push({ code: 'KEY_WEAK_ALGORITHM', component: where, message: `signing subkey is ${sk.algorithm.toUpperCase()}` });
    if (sk.algorithm === 'elgamal' && !sk.canSign)
      v.push({ code: 'KEY_WEAK_ALGORITHM', component: where, message: 'ElGamal subkey (a DSA/ElGamal-era key)' });
    if (b !== undefined && b < MIN_RSA_BITS)
      v.push({ code: 'KEY_RSA_TOO_SHORT', component: where, message: `RSA-${b} subkey is below ${MIN_RSA_BITS} bits` });
    if (sk.revoked && sk.canSign) v.push({ code: 'KEY_SUBKEY_REVOKED', component: where, message: 'signing subkey is revoked' });
    if (sk.expires && new Date(sk.expires) <= now && sk.canSign)
      v.push({ code: 'KEY_SUBKEY_EXPIRED', component: where, message: `signing subkey expired on ${sk.expires.slice(0, 10)}` });
  }
  for (const { where, sig } of selfSignatures(key)) {
    if (
      sig.hashAlgorithm === openpgp.enums.hash.sha1 ||
      sig.hashAlgorithm === openpgp.enums.hash.md5 ||
      sig.hashAlgorithm === openpgp.enums.hash.ripemd
    ) {
      const name = openpgp.enums.read(openpgp.enums.hash, sig.hashAlgorithm).toUpperCase();
      v.push({
        code: 'KEY_WEAK_SELF_SIGNATURE',
        component: where.startsWith('binding') ? where.slice(21) : primary,
        message: `${where} uses ${name}, which apt (since 1.4) and RHEL 9 reject`,
      });
    }
  }
  if (facts.revoked) v.push({ code: 'KEY_REVOKED', component: primary, message: 'the key is revoked' });
  if (facts.expires && new Date(facts.expires) <= now)
    v.push({ code: 'KEY_EXPIRED', component: primary, message: `the key expired on ${facts.expires.slice(0, 10)}` });
  return v;
}

/** Days until the key (or its earliest-expiring usable signing subkey) expires; null = never. */
export function daysToExpiry(facts: KeyFacts, now = new Date()): number | null {
  const dates = [facts.expires, ...facts.subkeys.filter((s) => s.canSign && !s.revoked).map((s) => s.expires)].filter(
    (d): d is string => d !== null,
  );
  if (dates.length === 0) return null;
  const earliest = Math.min(...dates.map((d) => Date.parse(d)));
  return Math.floor((earliest - now.getTime()) / 86_400_000);
}
