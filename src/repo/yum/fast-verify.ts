/**
 * A fast path for checking OpenPGP v4 header signatures of many rpms (a cold publish verifies
 * hundreds): the signature packet is parsed here and checked with node:crypto (native RSA and
 * Ed25519) against the key material openpgp.js parsed. Only a positive answer is trusted; any
 * other outcome (unknown algorithm, key not found, failure) is left to openpgp.js, so this can
 * make verification faster but never more permissive than openpgp.js's cryptographic check.
 * (Key expiry and revocation are not looked at here: the keys are the repository's own, whose
 * policy is enforced when they are loaded.)
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type * as openpgp from 'openpgp';
import { readPacket } from '../../formats/rpm/signature.js';

const HASHES: Record<number, string> = { 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };
const ED25519_OID = '2b06010401da470f01';

interface KeyPacketLike {
  algorithm: number;
  publicParams: { n?: Uint8Array; e?: Uint8Array; oid?: { oid?: Uint8Array }; Q?: Uint8Array };
  getKeyID(): { toHex(): string };
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** Native public keys by lower-case key id, for every (sub)key of `keys` we know how to use. */
export function nativeKeys(keys: readonly openpgp.Key[]): Map<string, { algo: number; key: KeyObject }> {
  const out = new Map<string, { algo: number; key: KeyObject }>();
  for (const k of keys) {
    for (const kp of [k.keyPacket, ...k.getSubkeys().map((s) => s.keyPacket)] as unknown as KeyPacketLike[]) {
      try {
        const id = kp.getKeyID().toHex().toLowerCase();
        const p = kp.publicParams;
        if (kp.algorithm === 1 && p.n && p.e) {
          out.set(id, { algo: 1, key: createPublicKey({ key: { kty: 'RSA', n: b64u(p.n), e: b64u(p.e) }, format: 'jwk' }) });
        } else if (
          kp.algorithm === 22 &&
          p.Q &&
          p.Q.length === 33 &&
          p.Q[0] === 0x40 &&
          Buffer.from(p.oid?.oid ?? []).toString('hex') === ED25519_OID
        ) {
          out.set(id, { algo: 22, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(p.Q.subarray(1)) }, format: 'jwk' }) });
        }
      } catch {
        /* unusable here: openpgp.js will handle signatures by it */
      }
    }
  }
  return out;
}

function mpis(b: Uint8Array, at: number, n: number): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    if (at + 2 > b.length) return undefined;
    const bits = (b[at]! << 8) | b[at + 1]!;
    const len = (bits + 7) >> 3;
    if (at + 2 + len > b.length) return undefined;
    out.push(b.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}

function issuerOf(area: Uint8Array): string | undefined {
  let i = 0;
  while (i < area.length) {
    let len = area[i]!;
    let h = 1;
    if (len >= 192 && len < 255) {
      len = ((len - 192) << 8) + area[i + 1]! + 192;
      h = 2;
    } else if (len === 255) {
      len = ((area[i + 1]! << 24) | (area[i + 2]! << 16) | (area[i + 3]! << 8) | area[i + 4]!) >>> 0;
      h = 5;
    }
    const type = area[i + h]! & 0x7f;
    const body = area.subarray(i + h + 1, i + h + len);
    if (type === 16 && body.length === 8) return Buffer.from(body).toString('hex');
    if (type === 33 && body[0] === 4 && body.length === 21) return Buffer.from(body.subarray(13)).toString('hex');
    i += h + len;
  }
  return undefined;
}

/** True only when `packet` is a valid v4 binary signature over `data` by one of `keys`. */
export function verifiesNatively(data: Uint8Array, packet: Uint8Array, keys: Map<string, { algo: number; key: KeyObject }>): boolean {
  try {
    const p = readPacket(packet, 0);
    if (p.tag !== 2) return false;
    const b = packet.subarray(p.bodyStart, p.end);
    if (b[0] !== 4 || b[1] !== 0x00) return false;
    const algo = b[2]!;
    const hash = HASHES[b[3]!];
    if (!hash) return false;
    const hashedLen = (b[4]! << 8) | b[5]!;
    const hashed = b.subarray(6, 6 + hashedLen);
    const unhashedLen = (b[6 + hashedLen]! << 8) | b[7 + hashedLen]!;
    const unhashed = b.subarray(8 + hashedLen, 8 + hashedLen + unhashedLen);
    const afterAreas = 8 + hashedLen + unhashedLen;
    const id = issuerOf(hashed) ?? issuerOf(unhashed);
    const key = id ? keys.get(id) : undefined;
    if (!key || key.algo !== algo) return false;
    const head = b.subarray(0, 6 + hashedLen);
    const trailer = Buffer.alloc(6);
    trailer.writeUInt8(4, 0);
    trailer.writeUInt8(0xff, 1);
    trailer.writeUInt32BE(head.length, 2);
    const signed = Buffer.concat([data, head, trailer]);
    const digest = createHash(hash).update(signed).digest();
    if (digest[0] !== b[afterAreas] || digest[1] !== b[afterAreas + 1]) return false;
    if (algo === 1) {
      const [s] = mpis(b, afterAreas + 2, 1) ?? [];
      if (!s) return false;
      // An MPI drops leading zero bytes (1 signature in 256 has one); OpenSSL wants the
      // signature as long as the modulus.
      const size = Math.ceil((key.key.asymmetricKeyDetails?.modulusLength ?? s.length * 8) / 8);
      if (s.length > size) return false;
      const full = Buffer.alloc(size);
      full.set(s, size - s.length);
      return verify(hash, signed, key.key, full);
    }
    const rs = mpis(b, afterAreas + 2, 2);
    if (!rs || rs[0]!.length > 32 || rs[1]!.length > 32) return false;
    const sig = Buffer.alloc(64);
    sig.set(rs[0]!, 32 - rs[0]!.length);
    sig.set(rs[1]!, 64 - rs[1]!.length);
    // Legacy EdDSA in OpenPGP signs the digest, not the data.
    return verify(null, digest, key.key, sig);
  } catch {
    return false;
  }
}
