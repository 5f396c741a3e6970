/**
 * Key expiry against what is about to be signed: plain dates, without openpgp.js, so that a
 * publish can check it without loading openpgp.js at start-up (it loads with the key:
 * services/shared/signer.ts).
 */

/**
 * A warning when the signing key expires before the Valid-Until of what is about to be signed:
 * apt and dnf refuse the repository from the key's expiry on (EXPKEYSIG), whatever Valid-Until says.
 */
export function keyExpiresBeforeValidUntil(keyExpiry: Date | null | undefined, validDays: number, now: Date): string | undefined {
  if (!keyExpiry) return undefined;
  const validUntil = new Date(now.getTime() + validDays * 86_400_000);
  if (keyExpiry.getTime() >= validUntil.getTime()) return undefined;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return (
    `the signing key expires on ${day(keyExpiry)}, before the Valid-Until (${day(validUntil)}) of the metadata this signs: ` +
    `from ${day(keyExpiry)} apt and dnf refuse the repository (EXPKEYSIG). Extend the key's expiry (gpg --quick-set-expire) ` +
    'and publish the new public key, or start a rotation now: `pkgtrack key rotate`'
  );
}
