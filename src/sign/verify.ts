/**
 * Checking the signatures pkgtrack publishes, as strictly as the clients do (and a bit more):
 * InRelease framing and signature, Release.gpg / repomd.xml.asc as a lone armored detached
 * signature over the exact bytes next to it. Bytes and keys in, findings out; no IO here, so
 * `pkgtrack verify` and `pkgtrack repo verify` share it.
 */
import * as openpgp from 'openpgp';
import { BEGIN_SIGNATURE, END_SIGNATURE, canonicalSignedText, parseCleartextStrict } from './cleartext.js';
import type { Verifier } from './verifier.js';

export type Severity = 'error' | 'warning';

export interface VerifyProblem {
  file: string;
  code: string;
  severity: Severity;
  message: string;
  line?: number;
}

export interface SignatureResult {
  file: string;
  /** Fingerprints (upper-case hex) of the known keys that made a good signature. */
  signers: string[];
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Verify as of this time (default now). */
  date?: Date;
  /** Signatures every one of these fingerprints must have made (rotation: old and new). */
  requireSigners?: readonly string[];
}

const WEAK_HASHES = new Set<number>([
  openpgp.enums.hash.md5,
  openpgp.enums.hash.sha1,
  openpgp.enums.hash.ripemd,
  openpgp.enums.hash.sha224,
]);

const HASH_NAMES: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 3: 'RIPEMD160', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512', 11: 'SHA224' };
const SIG_TYPES: Record<number, string> = { 0: 'binary', 1: 'text', 2: 'standalone' };
const sigTypeName = (t: number) => SIG_TYPES[t] ?? `type 0x${t.toString(16)}`;

const VERIFY_CONFIG: openpgp.PartialConfig = {
  // We report weak hashes ourselves, with the file and a fix, instead of a generic rejection.
  rejectMessageHashAlgorithms: new Set(),
  rejectHashAlgorithms: new Set(),
};

const err = (file: string, code: string, message: string, line?: number): VerifyProblem => ({
  file,
  code,
  severity: 'error',
  message,
  ...(line !== undefined ? { line } : {}),
});

/** Check every signature packet in `sig` over `message` against `keys`. */
async function checkSignatures(
  file: string,
  message: openpgp.Message<string> | openpgp.Message<Uint8Array>,
  sig: openpgp.Signature,
  keys: readonly openpgp.PublicKey[],
  expectedType: number,
  opts: VerifyOptions,
): Promise<SignatureResult> {
  const problems: VerifyProblem[] = [];
  const signers: string[] = [];
  if (sig.packets.length === 0) problems.push(err(file, 'SIG_EMPTY', 'the signature block holds no signature'));
  for (const p of sig.packets) {
    const id = p.issuerKeyID.toHex().toUpperCase();
    if (p.version !== 4)
      problems.push(err(file, 'SIG_VERSION', `signature by ${id} is version ${p.version}; apt, rpm and dnf read version 4`));
    if (WEAK_HASHES.has(p.hashAlgorithm as number)) {
      const name = HASH_NAMES[p.hashAlgorithm as number] ?? String(p.hashAlgorithm);
      problems.push(
        err(file, 'SIG_WEAK_HASH', `signature by ${id} uses ${name}; apt (since 1.4) and RHEL 9 reject anything below SHA-256`),
      );
    }
    if (p.signatureType !== expectedType) {
      // A text-mode detached signature (gpg --textmode) still verifies with gpgv and apt: a
      // warning there; in a cleartext message anything but text is wrong.
      const textForBinary = expectedType === openpgp.enums.signature.binary && p.signatureType === openpgp.enums.signature.text;
      problems.push({
        ...err(
          file,
          'SIG_TYPE',
          `signature by ${id} is a ${sigTypeName(p.signatureType ?? 0)} signature, expected ${sigTypeName(expectedType)}`,
        ),
        ...(textForBinary ? { severity: 'warning' as const } : {}),
      });
    }
  }
  const result = await openpgp.verify({
    message: message as openpgp.Message<string>,
    signature: sig,
    verificationKeys: [...keys],
    expectSigned: false,
    ...(opts.date ? { date: opts.date } : {}),
    config: VERIFY_CONFIG,
  });
  for (const s of result.signatures) {
    const id = s.keyID.toHex().toUpperCase();
    const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
    try {
      await s.verified;
      // openpgp.js accepts a signature made while the key was valid; apt (gpgv's EXPKEYSIG)
      // and dnf refuse one whose key has expired since, so a repository signed by it is dead.
      const expired = key ? await expiredAt(key, s.keyID, opts.date ?? new Date()) : undefined;
      if (key && expired)
        problems.push(
          err(
            file,
            'SIG_KEY_EXPIRED',
            `signature by ${key.getFingerprint().toUpperCase()}: the key expired on ${expired.toISOString().slice(0, 10)}; apt and dnf refuse signatures by expired keys (EXPKEYSIG)`,
          ),
        );
      else if (key) signers.push(key.getFingerprint().toUpperCase());
    } catch (e) {
      const msg = (e as Error).message;
      if (!key)
        problems.push({ file, code: 'SIG_UNKNOWN_KEY', severity: 'warning', message: `signed by key ${id}, which is not in the keyring` });
      else
        problems.push(
          err(
            file,
            'SIG_BAD',
            `BAD signature by ${key.getFingerprint().toUpperCase()}: ${msg.replace(/^Could not verify signature: /, '')}`,
          ),
        );
    }
  }
  if (signers.length === 0 && !problems.some((p) => p.code === 'SIG_BAD' || p.code === 'SIG_KEY_EXPIRED')) {
    problems.push(err(file, 'SIG_NO_GOOD', 'no good signature from a key in the keyring'));
  }
  for (const want of opts.requireSigners ?? []) {
    if (!signers.includes(want.toUpperCase()))
      problems.push(err(file, 'SIG_MISSING_SIGNER', `no good signature from required key ${want.toUpperCase()}`));
  }
  // A key in the keyring that signed but is unknown is only a warning when another key vouches.
  if (signers.length === 0) for (const p of problems) if (p.code === 'SIG_UNKNOWN_KEY') p.severity = 'error';
  return { file, signers: [...new Set(signers)], problems };
}

/** When the key (or the subkey `keyID`) expired, if it had by `date`. */
async function expiredAt(key: openpgp.PublicKey, keyID: openpgp.KeyID, date: Date): Promise<Date | undefined> {
  const expiries = [await key.getExpirationTime().catch(() => null)];
  for (const sub of key.getKeys(keyID)) if (sub !== key) expiries.push(await sub.getExpirationTime().catch(() => null));
  const first = expiries.filter((d): d is Date => d instanceof Date).sort((a, b) => a.getTime() - b.getTime())[0];
  return first && first.getTime() <= date.getTime() ? first : undefined;
}

export interface InReleaseResult extends SignatureResult {
  /** The signed text as a file (`gpgv --output`), when the framing could be parsed. */
  text?: string;
}

/**
 * Verify an InRelease file: strict framing (as apt's parser), the signature over the text, and
 * (when given) that Release holds exactly the signed text.
 */
export async function verifyInRelease(
  file: string,
  bytes: Uint8Array,
  keys: readonly openpgp.PublicKey[],
  opts: VerifyOptions & { release?: { file: string; bytes: Uint8Array } } = {},
): Promise<InReleaseResult> {
  const text = Buffer.from(bytes).toString('utf8');
  const parsed = parseCleartextStrict(text);
  if (!parsed.ok) {
    const p = parsed.problem;
    return { file, signers: [], problems: [err(file, p.code, p.message, p.line)] };
  }
  const problems: VerifyProblem[] = [];
  const { value } = parsed;
  let sig: openpgp.Signature;
  try {
    sig = await openpgp.readSignature({ armoredSignature: value.signatureArmor, config: VERIFY_CONFIG });
  } catch (e) {
    return { file, signers: [], problems: [err(file, 'SIG_UNREADABLE', `the signature block cannot be read: ${(e as Error).message}`)] };
  }
  const message = await openpgp.createMessage({ text: canonicalSignedText(value.text), format: 'utf8' });
  const res = await checkSignatures(file, message, sig, keys, openpgp.enums.signature.text, opts);
  problems.push(...res.problems);
  value.text.split('\n').forEach((l, i) => {
    if (/[ \t]+\r?$/.test(l)) {
      problems.push({
        file,
        code: 'CLEARTEXT_TRAILING_BLANKS',
        severity: 'warning',
        message: 'trailing blanks are not covered by the signature and apt drops them',
        line: value.textStartLine + i,
      });
    }
  });
  if (opts.release) {
    const rel = Buffer.from(opts.release.bytes).toString('utf8');
    if (rel !== value.fileText && rel !== value.text) {
      const a = rel.split('\n');
      const b = value.text.split('\n');
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      problems.push(
        err(opts.release.file, 'RELEASE_DIFFERS', `Release differs from the text signed in ${file} from line ${i + 1} on`, i + 1),
      );
    }
  }
  return { file, signers: res.signers, problems, text: value.fileText };
}

/**
 * Verify a detached armored signature (Release.gpg, repomd.xml.asc) over `data`: one armor block
 * of signature packets and nothing else (no literal data, no text around it).
 */
export async function verifyDetachedArmored(
  file: string,
  sigBytes: Uint8Array,
  dataFile: string,
  data: Uint8Array,
  keys: readonly openpgp.PublicKey[],
  opts: VerifyOptions = {},
): Promise<SignatureResult> {
  const text = Buffer.from(sigBytes).toString('latin1');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const begin = lines.indexOf(BEGIN_SIGNATURE);
  if (begin === -1) {
    const binary = sigBytes.length > 0 && (sigBytes[0]! & 0x80) !== 0;
    return {
      file,
      signers: [],
      problems: [
        err(
          file,
          binary ? 'SIG_NOT_ARMORED' : 'SIG_NO_ARMOR',
          binary ? 'the signature is binary; apt and dnf expect an ASCII-armored signature' : `no "${BEGIN_SIGNATURE}" line`,
        ),
      ],
    };
  }
  const problems: VerifyProblem[] = [];
  if (lines.slice(0, begin).some((l) => l.trim() !== ''))
    problems.push(err(file, 'SIG_TEXT_BEFORE', `text before "${BEGIN_SIGNATURE}"`, 1));
  // One or more armored signature blocks back to back (apt accepts several), blank lines
  // between them, and nothing else.
  const blocks: Array<[number, number]> = [];
  let at = begin;
  for (;;) {
    const end = lines.indexOf(END_SIGNATURE, at);
    if (end === -1)
      return { file, signers: [], problems: [...problems, err(file, 'SIG_UNTERMINATED', `no "${END_SIGNATURE}" line`, at + 1)] };
    blocks.push([at, end]);
    const next = lines.findIndex((l, i) => i > end && l.trim() !== '');
    if (next === -1) break;
    if (lines[next] !== BEGIN_SIGNATURE) {
      problems.push(err(file, 'SIG_TEXT_AFTER', `extra data after the signature: "${lines[next]!.slice(0, 60)}"`, next + 1));
      break;
    }
    at = next;
  }
  const sigPackets: openpgp.SignaturePacket[] = [];
  try {
    for (const [b, e] of blocks) {
      // Read all packets: a detached signature must hold signature packets only.
      const unarmored = await openpgp.unarmor(lines.slice(b, e + 1).join('\n'));
      const packets = await openpgp.PacketList.fromBinary(
        unarmored.data as Uint8Array,
        {
          [openpgp.enums.packet.signature]: openpgp.SignaturePacket,
          [openpgp.enums.packet.literalData]: openpgp.LiteralDataPacket,
          [openpgp.enums.packet.compressedData]: openpgp.CompressedDataPacket,
          [openpgp.enums.packet.onePassSignature]: openpgp.OnePassSignaturePacket,
        } as unknown as Parameters<typeof openpgp.PacketList.fromBinary>[1],
        { ...openpgp.config, ...VERIFY_CONFIG } as openpgp.Config,
      );
      const other = packets.filter((p) => !(p instanceof openpgp.SignaturePacket));
      if (other.length > 0) {
        const kinds = [...new Set(other.map((p) => (p.constructor as { name: string }).name.replace(/Packet$/, '')))].join(', ');
        problems.push(
          err(
            file,
            'SIG_PAYLOAD',
            `the signature file carries a payload (${kinds}); a detached signature holds signature packets only`,
            b + 1,
          ),
        );
      }
      sigPackets.push(...packets.filter((p): p is openpgp.SignaturePacket => p instanceof openpgp.SignaturePacket));
    }
  } catch (e) {
    return {
      file,
      signers: [],
      problems: [...problems, err(file, 'SIG_UNREADABLE', `the signature cannot be read: ${(e as Error).message}`)],
    };
  }
  const list = new openpgp.PacketList<openpgp.SignaturePacket>();
  list.push(...sigPackets);
  const sig = new openpgp.Signature(list);
  const message = await openpgp.createMessage({ binary: data });
  const res = await checkSignatures(file, message, sig, keys, openpgp.enums.signature.binary, opts);
  for (const p of res.problems) {
    if (p.code === 'SIG_BAD') p.message = `${p.message} (${dataFile} is not what was signed: stale or modified)`;
  }
  return { file, signers: res.signers, problems: [...problems, ...res.problems] };
}

/** The Verifier over openpgp.js and a set of public keys (what pkgtrack publishes is checked with it). */
export class OpenPgpVerifier implements Verifier {
  readonly name = 'openpgp.js';

  constructor(private readonly keys: readonly openpgp.PublicKey[]) {}

  cleartext(file: string, bytes: Uint8Array, opts: VerifyOptions & { release?: { file: string; bytes: Uint8Array } } = {}) {
    return verifyInRelease(file, bytes, this.keys, opts);
  }

  detached(file: string, signature: Uint8Array, dataFile: string, data: Uint8Array, opts: VerifyOptions = {}) {
    return verifyDetachedArmored(file, signature, dataFile, data, this.keys, opts);
  }
}
