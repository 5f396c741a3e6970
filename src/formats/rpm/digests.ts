/**
 * The digests an rpm carries about itself, checked as `rpmkeys -K` does before any signature is
 * trusted or made: the header's SHA-256 (and SHA-1) digest in the signature header, the MD5 over
 * header and payload, the payload digest in the main header, and the size the signature header
 * states. Pure: bytes in, problems out (empty when every digest present is right).
 */
import { createHash } from 'node:crypto';
import { getBinary, getNumber, getString, getStrings } from './header.js';
import type { RpmHeaders } from './package.js';
import { SigTag, Tag } from './tags.js';

const PAYLOAD_DIGEST_ALGOS: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512' };

const hex = (algo: string, data: Uint8Array) => createHash(algo).update(data).digest('hex');

export function rpmDigestProblems(rpm: Uint8Array, headers: RpmHeaders): string[] {
  const problems: string[] = [];
  const { signature: sig, main, layout } = headers;
  const header = rpm.subarray(layout.headerStart, layout.headerEnd);
  const sha256 = getString(sig, SigTag.SHA256);
  const sha1 = getString(sig, SigTag.SHA1);
  if (sha256 === undefined && sha1 === undefined) problems.push('no SHA-256 header digest');
  if (sha256 !== undefined && sha256 !== hex('sha256', header)) problems.push('SHA-256 header digest mismatch: the header was modified');
  if (sha1 !== undefined && sha1 !== hex('sha1', header)) problems.push('SHA-1 header digest mismatch: the header was modified');
  const md5 = getBinary(sig, SigTag.MD5);
  if (md5 && Buffer.from(md5).toString('hex') !== hex('md5', rpm.subarray(layout.headerStart)))
    problems.push('MD5 digest mismatch: header or payload modified');
  const payloadDigest = getStrings(main, Tag.PAYLOADDIGEST)[0];
  const algo = PAYLOAD_DIGEST_ALGOS[getNumber(main, Tag.PAYLOADDIGESTALGO) ?? 8];
  if (payloadDigest && !algo) problems.push(`payload digest algorithm ${getNumber(main, Tag.PAYLOADDIGESTALGO)} is unknown`);
  if (payloadDigest && algo && payloadDigest !== hex(algo, rpm.subarray(layout.headerEnd)))
    problems.push('payload digest mismatch: the payload was modified');
  const size = getNumber(sig, SigTag.SIZE);
  if (size !== undefined && size !== rpm.length - layout.headerStart)
    problems.push(`size mismatch: header says ${size} bytes of header+payload, file has ${rpm.length - layout.headerStart}`);
  return problems;
}
