/**
 * Everything a yum publish needs from one .rpm file, computed from its bytes in one pass: the
 * pkgid (SHA-256 of the file), the identity of its main header, whether it already carries a
 * header signature by a repository key (native check, fast-verify.ts), and its primary,
 * filelists and other XML. Runs on worker threads for big publishes (rpm-read-pool.ts) and
 * in-process otherwise: the same function either way. Pure apart from nothing: bytes in.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { integrityError } from '../../core/errors.js';
import { rpmDigestProblems } from '../../formats/rpm/digests.js';
import { readRpm, readRpmHeaders } from '../../formats/rpm/package.js';
import { headerSignature } from '../../formats/rpm/signature.js';
import { evrString } from './evr.js';
import { verifiesNatively } from './fast-verify.js';
import { type PackageXml, packageXml } from './package-xml.js';

export type NativeKeys = Map<string, { algo: number; key: KeyObject }>;

export interface RpmRead {
  sha256: string;
  size: number;
  /** SHA-256 of the main header (it holds the payload digest): the package regardless of its signature. */
  content: string;
  name: string;
  arch: string;
  evr: string;
  /** The `time file` the XML was made with (seconds). */
  time: number;
  /** True when a header signature verifies with one of the keys natively; false = not known. */
  signedByKey: boolean;
  xml: PackageXml;
}

export function readRpmFile(
  bytes: Uint8Array,
  source: string,
  o: { href: string; time: number; keys?: NativeKeys | undefined; changelogLimit?: number | undefined },
): RpmRead {
  // As `rpmkeys -K` would: our key must never vouch for bytes whose own digests are broken.
  const broken = rpmDigestProblems(bytes, readRpmHeaders(bytes, source));
  if (broken.length) {
    throw integrityError(
      'RPM_DIGEST_MISMATCH',
      `${source}: ${broken.join('; ')}`,
      'The package is damaged or was modified after it was built: rebuild it (check it with `rpmkeys -K`).',
      { file: source, field: broken[0]!.split(':')[0]! },
    );
  }
  const rpm = readRpm(bytes, source);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const header = bytes.subarray(rpm.layout.headerStart, rpm.layout.headerEnd);
  const sig = o.keys?.size ? headerSignature(bytes, source) : undefined;
  return {
    sha256,
    size: bytes.length,
    content: createHash('sha256').update(header).digest('hex'),
    name: rpm.name,
    arch: rpm.arch,
    evr: evrString(rpm.epoch, rpm.version, rpm.release),
    time: o.time,
    signedByKey: !!sig && verifiesNatively(header, sig.packet, o.keys!),
    xml: packageXml(rpm, { sha256, size: bytes.length, mtime: o.time, href: o.href }, o.changelogLimit),
  };
}
