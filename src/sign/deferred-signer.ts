/**
 * A Signer whose keys are unlocked when first needed, not when it is made: openpgp.js takes
 * ~30 ms to load and the key a few more, which a publish spends while xz compresses its indexes
 * (the main thread would only wait there) instead of before it reads anything. Adding one package
 * to a 10,000-package suite: ~35 ms of ~350 ms. (A thread of its own for the keys was tried:
 * on two cores its start-up took as much from the main thread's reading as it saved.)
 *
 * `ready()` starts the unlocking and resolves when done; the key facts (`fingerprints`,
 * `publicKeysArmored`, `keyExpiry`) may be read only after it resolved (SIGN_NOT_READY before).
 * An unlock error (wrong passphrase, a key the policy refuses) rejects `ready()` and every
 * signature with the loader's typed error.
 */
import { PkgtrackError } from '../core/errors.js';
import type { OpenPgpSigner } from './openpgp-signer.js';
import type { Signer } from './signer.js';

export class DeferredSigner implements Signer {
  private unlocking: Promise<OpenPgpSigner> | undefined;
  private signer: OpenPgpSigner | undefined;

  constructor(private readonly unlock: () => Promise<OpenPgpSigner>) {}

  ready(): Promise<void> {
    this.unlocking ??= this.unlock().then((s) => (this.signer = s));
    return this.unlocking.then(() => undefined);
  }

  private get unlocked(): OpenPgpSigner {
    if (!this.signer)
      throw new PkgtrackError({
        code: 'SIGN_NOT_READY',
        kind: 'internal',
        message: 'the signing keys were asked for before ready() resolved',
      });
    return this.signer;
  }

  get fingerprints(): readonly string[] {
    return this.unlocked.fingerprints;
  }

  publicKeysArmored(): string {
    return this.unlocked.publicKeysArmored();
  }

  keyExpiry(): Date | null {
    return this.unlocked.keyExpiry();
  }

  /** A signer limited to one of the keys (rpm headers hold a single signature). */
  forKey(fingerprint: string): Signer {
    return this.unlocked.forKey(fingerprint);
  }

  async clearsign(text: string): Promise<string> {
    await this.ready();
    return this.unlocked.clearsign(text);
  }

  async detachSign(data: Uint8Array): Promise<string> {
    await this.ready();
    return this.unlocked.detachSign(data);
  }

  async detachSignBinary(data: Uint8Array): Promise<Uint8Array> {
    await this.ready();
    return this.unlocked.detachSignBinary(data);
  }
}
