/**
 * Writing an OpenPGP header signature into an RPM's signature header, as `rpmsign --addsign`
 * (rpm 4.18) does: the signature packet over the main header (magic to end of data) goes into
 * RPMSIGTAG_RSA (RSA keys) or RPMSIGTAG_DSA (DSA/ECDSA/EdDSA keys); earlier signatures are
 * dropped; RPMSIGTAG_RESERVEDSPACE shrinks by what the header grew so the file keeps its size
 * and layout. Without enough reserved space the signature header is rebuilt and the file grows.
 * Pure: bytes in, bytes out.
 */
import { inputError } from '../../core/errors.js';
import { encodeHeader, entryValue, getBinary, type HeaderValue, type RpmHeader } from './header.js';
import { readRpmHeaders } from './package.js';
import { RpmType, SigTag, Tag } from './tags.js';

/** OpenPGP public-key algorithm ids (RFC 4880 §9.1, RFC 9580). */
const PGP_RSA = new Set([1, 2, 3]);
const PGP_DSA_LIKE = new Set([17, 19, 22, 27, 28]);

/** Signature-header tags that hold OpenPGP signatures (all replaced when signing). */
export const SIGNATURE_TAGS = [SigTag.DSA, SigTag.RSA, SigTag.PGP, SigTag.GPG] as const;

/** The span a header signature covers: the main header, from its magic to the end of its data. */
export function signedHeaderBytes(rpm: Uint8Array, source?: string): Uint8Array {
  const { layout } = readRpmHeaders(rpm, source);
  return rpm.subarray(layout.headerStart, layout.headerEnd);
}

interface PacketInfo {
  tag: number;
  /** Offset of the body and its length. */
  bodyStart: number;
  bodyLength: number;
  end: number;
}

/** Parse one OpenPGP packet header (old or new format; no partial lengths). */
export function readPacket(b: Uint8Array, at: number): PacketInfo {
  const h = b[at];
  if (h === undefined || !(h & 0x80)) throw inputError('PGP_BAD_PACKET', 'not an OpenPGP packet', 'The signer returned malformed data.');
  if (h & 0x40) {
    const tag = h & 0x3f;
    const l0 = b[at + 1]!;
    if (l0 < 192) return { tag, bodyStart: at + 2, bodyLength: l0, end: at + 2 + l0 };
    if (l0 < 224) {
      const len = ((l0 - 192) << 8) + b[at + 2]! + 192;
      return { tag, bodyStart: at + 3, bodyLength: len, end: at + 3 + len };
    }
    if (l0 === 255) {
      const len = ((b[at + 2]! << 24) | (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!) >>> 0;
      return { tag, bodyStart: at + 6, bodyLength: len, end: at + 6 + len };
    }
    throw inputError(
      'PGP_BAD_PACKET',
      'partial-length OpenPGP packets are not allowed in rpm signatures',
      'Use a standard OpenPGP implementation.',
    );
  }
  const tag = (h >> 2) & 0x0f;
  const lt = h & 3;
  const n = lt === 0 ? 1 : lt === 1 ? 2 : lt === 2 ? 4 : 0;
  if (!n) throw inputError('PGP_BAD_PACKET', 'indeterminate-length OpenPGP packet', 'Use a standard OpenPGP implementation.');
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!;
  return { tag, bodyStart: at + 1 + n, bodyLength: len, end: at + 1 + n + len };
}

/** Which signature-header tag rpm uses for this signature packet. */
export function signatureTagFor(packet: Uint8Array): number {
  const p = readPacket(packet, 0);
  if (p.tag !== 2)
    throw inputError('RPM_SIGN_NOT_SIGNATURE', 'the signer did not return an OpenPGP signature packet', 'Sign with an OpenPGP key.');
  if (p.end !== packet.length) {
    throw inputError(
      'RPM_SIGN_ONE_KEY',
      'an rpm header holds exactly one signature, but several were made (several signing keys)',
      'Sign rpms with one key (e.g. the newest during a rotation).',
    );
  }
  const version = packet[p.bodyStart];
  if (version !== 4)
    throw inputError(
      'RPM_SIGN_VERSION',
      `rpm reads v4 OpenPGP signatures, got v${version}`,
      'Use a v4 key (RSA-4096 or Ed25519 legacy EdDSA).',
    );
  const algo = packet[p.bodyStart + 2]!;
  if (PGP_RSA.has(algo)) return SigTag.RSA;
  if (PGP_DSA_LIKE.has(algo)) return SigTag.DSA;
  throw inputError('RPM_SIGN_ALGO', `OpenPGP public-key algorithm ${algo} cannot sign rpm headers`, 'Use an RSA or EdDSA key.');
}

function sigValues(sig: RpmHeader): Map<number, HeaderValue> {
  const values = new Map<number, HeaderValue>();
  for (const e of sig.entries) {
    if (e.tag === Tag.HEADERSIGNATURES || values.has(e.tag)) continue;
    values.set(e.tag, entryValue(sig, e));
  }
  return values;
}

export interface SignedRpm {
  bytes: Uint8Array;
  /** True when the file kept its size (signature fitted in the reserved space). */
  inPlace: boolean;
  tag: number;
}

/** Replace the header signature of `rpm` with `packet` (one binary OpenPGP signature packet). */
export function addHeaderSignature(rpm: Uint8Array, packet: Uint8Array, source?: string): SignedRpm {
  const tag = signatureTagFor(packet);
  const { signature, layout } = readRpmHeaders(rpm, source);
  const values = sigValues(signature);
  for (const t of SIGNATURE_TAGS) values.delete(t);
  values.set(tag, { type: RpmType.BIN, value: packet });
  const oldLength = layout.signatureEnd - layout.signatureStart;
  const reserved = getBinary(signature, SigTag.RESERVEDSPACE);
  let header: Uint8Array;
  let inPlace = false;
  if (reserved) {
    // RESERVEDSPACE is the last data item (highest tag, byte-aligned): its size maps 1:1 to ours.
    values.set(SigTag.RESERVEDSPACE, { type: RpmType.BIN, value: new Uint8Array(0) });
    const bare = encodeHeader(values, Tag.HEADERSIGNATURES).length;
    const room = oldLength - bare;
    if (room > 0) {
      values.set(SigTag.RESERVEDSPACE, { type: RpmType.BIN, value: new Uint8Array(room) });
      inPlace = true;
    } else values.delete(SigTag.RESERVEDSPACE);
  }
  header = encodeHeader(values, Tag.HEADERSIGNATURES);
  if (inPlace && header.length !== oldLength) {
    // Only an empty reserved entry (room 0) would change the index size; never keep one.
    values.delete(SigTag.RESERVEDSPACE);
    header = encodeHeader(values, Tag.HEADERSIGNATURES);
    inPlace = false;
  }
  const pad = (8 - ((layout.signatureStart + header.length) % 8)) % 8;
  const out = new Uint8Array(layout.signatureStart + header.length + pad + (rpm.length - layout.headerStart));
  out.set(rpm.subarray(0, layout.signatureStart), 0);
  out.set(header, layout.signatureStart);
  out.set(rpm.subarray(layout.headerStart), layout.signatureStart + header.length + pad);
  return { bytes: out, inPlace: inPlace && out.length === rpm.length, tag };
}

/** The OpenPGP header signature packet of `rpm`, if it has one. */
export function headerSignature(rpm: Uint8Array, source?: string): { tag: number; packet: Uint8Array } | undefined {
  const { signature } = readRpmHeaders(rpm, source);
  for (const t of [SigTag.RSA, SigTag.DSA]) {
    const p = getBinary(signature, t);
    if (p) return { tag: t, packet: p };
  }
  return undefined;
}
