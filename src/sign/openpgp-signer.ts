/**
 * The Signer port implemented with openpgp.js (v4 keys and v4 signatures, which apt, gpgv, rpm
 * and dnf all read). Several keys may sign at once during a rotation window: every output then
 * carries one signature per key in a single armor block or packet sequence.
 */
import * as openpgp from 'openpgp';
import { PkgtrackError } from '../core/errors.js';
import { canonicalSignedText, frameCleartext, signedBody } from './cleartext.js';
import { armorPublicKeys } from './keys.js';
import type { Signer } from './signer.js';

/** Hash used for repository metadata (what gpg uses by default for RSA and EdDSA keys). */
const METADATA_HASH = openpgp.enums.hash.sha512;
/** rpm header signatures: SHA-256, what `rpmsign` writes and what every rpm >= 4.6 verifies. */
const RPM_HASH = openpgp.enums.hash.sha256;

/**
 * openpgp.js settings for signing: v4 signatures, no salt notation (rpm's own OpenPGP parser on
 * EL8 predates it and we want signatures identical in shape to gpg's), our own policy instead of
 * openpgp.js's looser minimums (enforced in policy.ts before a key gets here).
 */
function signConfig(hash: number): openpgp.PartialConfig {
  return { preferredHashAlgorithm: hash, nonDeterministicSignaturesViaNotation: false, v6Keys: false };
}

export interface SigningKeyInfo {
  fingerprint: string;
  keyId: string;
  /** openpgp.js algorithm name: rsaEncryptSign, eddsaLegacy, ed25519 ... */
  algorithm: string;
  bits?: number;
  curve?: string;
  /** Fingerprint of the component that makes the signatures (the primary when it can sign). */
  signingFingerprint: string;
  /** When the key or its signing component expires (ISO), null = never. */
  expires: string | null;
}

interface Entry {
  key: openpgp.PrivateKey;
  signingKeyId: openpgp.KeyID;
  info: SigningKeyInfo;
}

const HASH_NAMES: Record<number, string> = {
  [openpgp.enums.hash.sha256]: 'SHA256',
  [openpgp.enums.hash.sha384]: 'SHA384',
  [openpgp.enums.hash.sha512]: 'SHA512',
  [openpgp.enums.hash.sha224]: 'SHA224',
  [openpgp.enums.hash.sha1]: 'SHA1',
};

export class OpenPgpSigner implements Signer {
  readonly fingerprints: readonly string[];
  readonly keys: readonly SigningKeyInfo[];
  private readonly entries: readonly Entry[];

  private constructor(entries: Entry[]) {
    this.entries = entries;
    this.keys = entries.map((e) => e.info);
    this.fingerprints = this.keys.map((k) => k.fingerprint);
  }

  /**
   * A signer over decrypted private keys. The primary key signs when it is signing-capable (old
   * rpm cannot check subkey signatures); otherwise the newest valid signing subkey.
   */
  static async create(keys: readonly openpgp.PrivateKey[]): Promise<OpenPgpSigner> {
    if (keys.length === 0) {
      throw new PkgtrackError({ code: 'SIGN_NO_KEYS', kind: 'internal', message: 'a signer needs at least one key' });
    }
    const entries: Entry[] = [];
    for (const key of keys) {
      if (!key.isDecrypted()) {
        throw new PkgtrackError({ code: 'SIGN_KEY_LOCKED', kind: 'internal', message: `key ${fpr(key)} is still encrypted` });
      }
      let signing: Awaited<ReturnType<openpgp.PrivateKey['getSigningKey']>>;
      try {
        signing = await key.getSigningKey(key.getKeyID()).catch(() => key.getSigningKey());
      } catch (e) {
        throw new PkgtrackError({
          code: 'SIGN_KEY_CANNOT_SIGN',
          kind: 'input',
          message: `key ${fpr(key)} has no usable signing key: ${(e as Error).message}`,
          fix: 'Use a key whose primary key or a subkey can sign and is neither expired nor revoked (`pkgtrack key info`).',
        });
      }
      const algo = key.getAlgorithmInfo();
      const expiries = [await key.getExpirationTime(), signing === key ? null : await signing.getExpirationTime()];
      const expires = expiries.filter((d): d is Date => d instanceof Date).sort((a, b) => a.getTime() - b.getTime())[0];
      entries.push({
        key,
        signingKeyId: signing.getKeyID(),
        info: {
          fingerprint: fpr(key),
          keyId: key.getKeyID().toHex().toUpperCase(),
          algorithm: algo.algorithm,
          ...(algo.bits ? { bits: algo.bits } : {}),
          ...(algo.curve ? { curve: String(algo.curve) } : {}),
          signingFingerprint: signing.getFingerprint().toUpperCase(),
          expires: expires ? expires.toISOString() : null,
        },
      });
    }
    return new OpenPgpSigner(entries);
  }

  /** A signer limited to one of this signer's keys (rpm headers hold a single signature). */
  forKey(fingerprint: string): OpenPgpSigner {
    const e = this.entries.find((x) => x.info.fingerprint === fingerprint.toUpperCase());
    if (!e) throw new PkgtrackError({ code: 'SIGN_KEY_UNKNOWN', kind: 'not-found', message: `no signing key ${fingerprint}` });
    return new OpenPgpSigner([e]);
  }

  keyExpiry(): Date | null {
    const dates = this.keys.flatMap((k) => (k.expires ? [new Date(k.expires)] : []));
    return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : null;
  }

  /** The armored public keys of every signing key, in one block (for `gpgkey=` or Signed-By). */
  publicKeysArmored(): string {
    return armorPublicKeys(this.entries.map((e) => e.key));
  }

  private async signatures(data: openpgp.Message<Uint8Array> | openpgp.Message<string>, hash: number): Promise<openpgp.Signature> {
    const armored = await openpgp.sign({
      message: data as openpgp.Message<string>,
      signingKeys: this.entries.map((e) => e.key),
      signingKeyIDs: this.entries.map((e) => e.signingKeyId),
      detached: true,
      format: 'object',
      config: signConfig(hash),
    });
    return armored as unknown as openpgp.Signature;
  }

  async clearsign(text: string): Promise<string> {
    // Text-mode signature over the canonical text: openpgp.js turns "\n" into "\r\n"; we strip
    // trailing whitespace per line as the cleartext framework prescribes (RFC 9580 §7.2).
    const message = await openpgp.createMessage({ text: canonicalSignedText(signedBody(text)), format: 'utf8' });
    const sig = await this.signatures(message, METADATA_HASH);
    const hashes = sig.packets.map((p) => HASH_NAMES[p.hashAlgorithm as number] ?? 'SHA512');
    return frameCleartext(text, hashes, sig.armor());
  }

  async detachSign(data: Uint8Array): Promise<string> {
    const message = await openpgp.createMessage({ binary: data });
    return (await this.signatures(message, METADATA_HASH)).armor();
  }

  async detachSignBinary(data: Uint8Array): Promise<Uint8Array> {
    const message = await openpgp.createMessage({ binary: data });
    return (await this.signatures(message, RPM_HASH)).write() as Uint8Array;
  }
}

function fpr(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}
