/**
 * The verification port, beside the Signer: everything pkgtrack checks a signature with goes
 * through a Verifier. Two implementations: OpenPgpVerifier (openpgp.js, strict as apt and dnf,
 * sign/verify.ts) for what pkgtrack publishes, and GpgvVerifier (gpgv with a keyring file,
 * sign/gpgv-verifier.ts) for archives signed by others (Debian's InRelease), as apt itself does.
 */
import type { InReleaseResult, SignatureResult, VerifyOptions } from './verify.js';

export interface Verifier {
  /** What does the checking, for messages ("openpgp.js", "gpgv"). */
  readonly name: string;
  /**
   * A clearsigned file (InRelease): its framing and signature, and, given `release`, that the
   * detached copy holds exactly the signed text. `text` is the signed text when it could be read.
   */
  cleartext(
    file: string,
    bytes: Uint8Array,
    opts?: VerifyOptions & { release?: { file: string; bytes: Uint8Array } },
  ): Promise<InReleaseResult>;
  /** A detached armored signature (Release.gpg, repomd.xml.asc) over `data`. */
  detached(file: string, signature: Uint8Array, dataFile: string, data: Uint8Array, opts?: VerifyOptions): Promise<SignatureResult>;
}

/** True when a result has no error (warnings allowed) and at least one known key signed. */
export function verified(r: SignatureResult): boolean {
  return r.signers.length > 0 && !r.problems.some((p) => p.severity === 'error');
}

/** The errors of a result in one line, for a thrown error's message. */
export function problemSummary(r: SignatureResult): string {
  const errors = r.problems.filter((p) => p.severity === 'error');
  return errors.length ? errors.map((p) => p.message).join('; ') : 'no signature by a known key';
}
