/**
 * Reading, unlocking and generating OpenPGP keys with openpgp.js. No file IO here: bytes in,
 * keys out; services/keys.ts reads the files and the passphrase.
 */
import * as openpgp from 'openpgp';
import { inputError, PkgtrackError } from '../core/errors.js';
import { checkKeyPolicy, GOOD_KEY_FIX, INSPECT_CONFIG, type PolicyViolation } from './policy.js';

export type KeyType = 'rsa4096' | 'ed25519';

/** Read one or more keys (armored or binary, public or private). */
export async function readKeys(data: Uint8Array | string, file: string): Promise<openpgp.Key[]> {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  try {
    if (text.includes('-----BEGIN PGP')) return await openpgp.readKeys({ armoredKeys: text, config: INSPECT_CONFIG });
    return await openpgp.readKeys({ binaryKeys: typeof data === 'string' ? Buffer.from(data, 'latin1') : data, config: INSPECT_CONFIG });
  } catch (e) {
    throw inputError(
      'KEY_UNREADABLE',
      `${file} does not hold an OpenPGP key: ${(e as Error).message}`,
      'Pass an armored (.asc) or binary (.gpg) OpenPGP key file.',
      {
        file,
      },
    );
  }
}

export async function readPrivateKey(data: Uint8Array | string, file: string): Promise<openpgp.PrivateKey> {
  const keys = await readKeys(data, file);
  const priv = keys.filter((k): k is openpgp.PrivateKey => k.isPrivate());
  if (priv.length === 0) {
    throw inputError(
      'KEY_NOT_PRIVATE',
      `${file} holds a public key only; signing needs the private key`,
      'Point signing.key at the private key file (`pkgtrack key generate` writes it).',
      {
        file,
      },
    );
  }
  if (priv.length > 1) {
    throw inputError(
      'KEY_SEVERAL',
      `${file} holds ${priv.length} private keys; expected exactly one`,
      'Put each key in its own file and list extra ones in signing.extraKeys.',
      {
        file,
      },
    );
  }
  return priv[0]!;
}

/** Unlock a private key. A wrong or missing passphrase is an input error that never echoes it. */
export async function unlockKey(key: openpgp.PrivateKey, passphrase: string | undefined, file: string): Promise<openpgp.PrivateKey> {
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) {
    throw inputError(
      'KEY_PASSPHRASE_MISSING',
      `${file} is encrypted and no passphrase was given`,
      'Set the environment variable named by signing.passphraseEnv (default PKGTRACK_KEY_PASSPHRASE), set signing.passphraseFile, or pass --passphrase-fd N.',
      { file },
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase, config: INSPECT_CONFIG });
  } catch {
    throw new PkgtrackError({
      code: 'KEY_PASSPHRASE_WRONG',
      kind: 'input',
      message: `the passphrase does not unlock ${file}`,
      fix: 'Check the passphrase source (environment variable, passphrase file or descriptor); a trailing newline in a passphrase file is ignored.',
      details: { file },
    });
  }
}

/** Throw a PkgtrackError listing every policy violation of `key`. */
export async function enforcePolicy(key: openpgp.Key, file: string, opts: { isNew?: boolean; now?: Date } = {}): Promise<void> {
  const v = await checkKeyPolicy(key, opts);
  if (v.length > 0) throw policyError(key, file, v);
}

export function policyError(key: openpgp.Key, file: string, v: PolicyViolation[]): PkgtrackError {
  const fp = key.getFingerprint().toUpperCase();
  const reasons = v.map((x) => `${x.component}: ${x.message}`).join('; ');
  return new PkgtrackError({
    code: v.length === 1 ? v[0]!.code : 'KEY_POLICY',
    kind: v.some((x) => x.code === 'KEY_EXPIRED' || x.code === 'KEY_REVOKED') ? 'integrity' : 'input',
    message: `key ${fp} in ${file} is refused: ${reasons}`,
    fix: GOOD_KEY_FIX,
    details: { file, fingerprint: fp, violations: v },
  });
}

/** Flip off the critical bit of every subpacket of `types` in a v4 hashed-subpacket area. */
export function clearCriticalBits(area: Uint8Array, types: ReadonlySet<number>): Uint8Array {
  const out = Uint8Array.from(area);
  let pos = 2; // two-octet length of the area
  const end = Math.min(out.length, 2 + ((out[0]! << 8) | out[1]!));
  while (pos < end) {
    let len = out[pos]!;
    let head = 1;
    if (len >= 192 && len < 255) {
      len = ((len - 192) << 8) + out[pos + 1]! + 192;
      head = 2;
    } else if (len === 255) {
      len = ((out[pos + 1]! << 24) | (out[pos + 2]! << 16) | (out[pos + 3]! << 8) | out[pos + 4]!) >>> 0;
      head = 5;
    }
    const t = pos + head;
    if (types.has(out[t]! & 0x7f)) out[t] = out[t]! & 0x7f;
    pos = t + len;
  }
  return out;
}

let selfSigPatch = false;
/**
 * openpgp.js marks the key-expiration subpacket of self-signatures critical; rpm's own OpenPGP
 * parser (rpm 4.14-4.18) refuses a key with a critical subpacket it does not know, so such a key
 * could not be imported with `rpm --import`. GnuPG writes it non-critical; so do we, by clearing
 * the bit in the hashed area before it is signed (the signature covers the corrected bytes).
 */
function useNonCriticalKeyExpiry(): void {
  if (selfSigPatch) return;
  selfSigPatch = true;
  const proto = openpgp.SignaturePacket.prototype as unknown as { writeHashedSubPackets: () => Uint8Array };
  const original = proto.writeHashedSubPackets;
  const KEY_EXPIRATION = new Set([9]); // RFC 9580 §5.2.3.13 Key Expiration Time
  proto.writeHashedSubPackets = function (this: unknown) {
    return clearCriticalBits(original.call(this), KEY_EXPIRATION);
  };
}

export interface GenerateOptions {
  type: KeyType;
  name: string;
  email?: string;
  /** Seconds until expiry; 0 = never (refused by the CLI unless asked for). */
  expiresInSeconds: number;
  passphrase: string;
  date?: Date;
}

/** A new signing key, private key encrypted with `passphrase`. */
export async function generateSigningKey(
  opts: GenerateOptions,
): Promise<{ privateKey: string; publicKey: string; revocationCertificate: string; fingerprint: string }> {
  if (opts.passphrase.length === 0)
    throw inputError('KEY_PASSPHRASE_EMPTY', 'refusing to write an unencrypted private key', 'Provide a non-empty passphrase.');
  useNonCriticalKeyExpiry();
  const userID = { name: opts.name, ...(opts.email ? { email: opts.email } : {}) };
  const common = {
    userIDs: [userID],
    passphrase: opts.passphrase,
    keyExpirationTime: opts.expiresInSeconds,
    format: 'armored' as const,
    ...(opts.date ? { date: opts.date } : {}),
    // v4 keys: apt, gpgv and rpm do not read v6 keys. SHA-512 self-signatures.
    // No salt notation in the self-signatures: the key looks like one gpg makes.
    config: { v6Keys: false, preferredHashAlgorithm: openpgp.enums.hash.sha512, nonDeterministicSignaturesViaNotation: false },
  };
  const pair =
    opts.type === 'rsa4096'
      ? await openpgp.generateKey({ ...common, type: 'rsa', rsaBits: 4096 })
      : await openpgp.generateKey({ ...common, type: 'ecc', curve: 'ed25519Legacy' });
  const pub = await openpgp.readKey({ armoredKey: pair.publicKey });
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    revocationCertificate: pair.revocationCertificate,
    fingerprint: pub.getFingerprint().toUpperCase(),
  };
}

/**
 * Armored public key block of several keys. With the CRC-24 checksum line, as Key.armor() writes
 * it for v4 keys: GnuPG 2.2 (dnf's repo_gpgcheck goes through it) fails to read about one block in
 * three without it.
 */
export function armorPublicKeys(keys: readonly openpgp.Key[]): string {
  const packets = new openpgp.PacketList<openpgp.AnyPacket>();
  for (const k of keys) for (const p of k.toPublic().toPacketList()) packets.push(p);
  return openpgp.armor(openpgp.enums.armor.publicKey, packets.write(), undefined, undefined, undefined, true);
}

/** Binary (non-armored) public keyring: what apt expects in a `.gpg` Signed-By keyring file. */
export function binaryPublicKeys(keys: readonly openpgp.Key[]): Uint8Array {
  const packets = new openpgp.PacketList<openpgp.AnyPacket>();
  for (const k of keys) for (const p of k.toPublic().toPacketList()) packets.push(p);
  return packets.write() as Uint8Array;
}
