/**
 * The signing port. Repository writers (apt, yum) and the rpm packager depend only on this
 * interface; `sign/openpgp-signer.ts` implements it with openpgp.js.
 */
export interface Signer {
  /** Fingerprints (upper-case hex, no spaces) of every key that signs; several during a rotation. */
  readonly fingerprints: readonly string[];
  /** An OpenPGP cleartext-signed message (apt's InRelease) whose signed text is exactly `text`. */
  clearsign(text: string): Promise<string>;
  /** A detached, ASCII-armored signature over `data` (Release.gpg, repomd.xml.asc). */
  detachSign(data: Uint8Array): Promise<string>;
  /** A detached binary signature packet sequence over `data` (rpm header signatures). */
  detachSignBinary(data: Uint8Array): Promise<Uint8Array>;
  /**
   * The armored public keys of every signing key (one block), so writers can check what they
   * signed before it goes live. Optional: a Signer backed by an HSM may not expose them.
   */
  publicKeysArmored?(): string;
  /**
   * The earliest time a signing key (or the subkey that signs) expires, null when none does:
   * clients refuse signatures once it has passed, whatever the signed Valid-Until says.
   */
  keyExpiry?(): Date | null;
  /**
   * Unlocks the keys if not yet done, and resolves once `fingerprints`, `publicKeysArmored` and
   * `keyExpiry` can be read (sign/deferred-signer.ts); rejects with the unlock's error. Absent:
   * always ready.
   */
  ready?(): Promise<void>;
}
