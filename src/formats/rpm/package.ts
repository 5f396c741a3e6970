/**
 * Reading an RPM package: the 96-byte lead, the signature header (padded to 8 bytes) and the
 * main header, and every tag that yum's primary, filelists and other metadata need.
 * Pure: works on the file's leading bytes; the payload is never decompressed.
 */
import { inputError } from '../../core/errors.js';
import { getBinary, getNumber, getNumbers, getString, getStrings, parseHeader, type RpmHeader } from './header.js';
import { FileFlag, SigTag, Tag } from './tags.js';

export const LEAD_SIZE = 96;
const LEAD_MAGIC = [0xed, 0xab, 0xee, 0xdb];

/** A dependency as stored in the header: name, sense flags and the `[E:]V[-R]` string. */
export interface RpmDependency {
  name: string;
  flags: number;
  version: string;
}

export type RpmFileType = 'file' | 'dir' | 'ghost';

export interface RpmFile {
  path: string;
  type: RpmFileType;
  flags: number;
  mode: number;
}

export interface RpmChangelog {
  author: string;
  /** Seconds since the epoch. */
  time: number;
  text: string;
}

/** Where the parts of the file are, in bytes from its start. */
export interface RpmLayout {
  signatureStart: number;
  signatureEnd: number;
  /** The main header: what createrepo_c calls the header range; the span a header signature covers. */
  headerStart: number;
  headerEnd: number;
}

export interface RpmPackage {
  name: string;
  /** `src` for source packages, as createrepo_c writes. */
  arch: string;
  /** undefined when the package has no Epoch tag. */
  epoch: number | undefined;
  version: string;
  release: string;
  summary: string;
  description: string;
  packager: string;
  url: string;
  license: string;
  vendor: string;
  group: string;
  buildHost: string;
  sourceRpm: string;
  buildTime: number;
  installedSize: number;
  archiveSize: number;
  isSource: boolean;
  provides: RpmDependency[];
  requires: RpmDependency[];
  conflicts: RpmDependency[];
  obsoletes: RpmDependency[];
  recommends: RpmDependency[];
  suggests: RpmDependency[];
  supplements: RpmDependency[];
  enhances: RpmDependency[];
  files: RpmFile[];
  /** In header order (newest first, as rpmbuild stores them). */
  changelogs: RpmChangelog[];
  layout: RpmLayout;
}

export interface RpmHeaders {
  signature: RpmHeader;
  main: RpmHeader;
  layout: RpmLayout;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** Parse lead and both headers. `bytes` must hold at least the whole main header. */
export function readRpmHeaders(bytes: Uint8Array, source?: string): RpmHeaders {
  if (bytes.length < LEAD_SIZE || LEAD_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw inputError(
      'RPM_NOT_RPM',
      `${source ?? 'input'} is not an RPM package (no RPM lead magic)`,
      'Pass a binary or source .rpm built by rpmbuild.',
      {
        ...(source ? { file: source } : {}),
      },
    );
  }
  const signature = parseHeader(bytes, LEAD_SIZE, source);
  const headerStart = signature.end + ((8 - (signature.end % 8)) % 8);
  const main = parseHeader(bytes, headerStart, source);
  return {
    signature,
    main,
    layout: { signatureStart: LEAD_SIZE, signatureEnd: signature.end, headerStart, headerEnd: main.end },
  };
}

function deps(h: RpmHeader, nameTag: number, flagsTag: number, versionTag: number): RpmDependency[] {
  const names = getStrings(h, nameTag);
  const flags = getNumbers(h, flagsTag);
  const versions = getStrings(h, versionTag);
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }));
}

function files(h: RpmHeader): RpmFile[] {
  const basenames = getStrings(h, Tag.BASENAMES);
  if (basenames.length === 0) {
    // Packages from before compressed file names (rpm < 4.0) keep full paths.
    const old = getStrings(h, Tag.OLDFILENAMES);
    const modes = getNumbers(h, Tag.FILEMODES);
    const flags = getNumbers(h, Tag.FILEFLAGS);
    return old.map((path, i) => fileOf(path, modes[i] ?? 0, flags[i] ?? 0));
  }
  const dirs = getStrings(h, Tag.DIRNAMES);
  const idx = getNumbers(h, Tag.DIRINDEXES);
  const modes = getNumbers(h, Tag.FILEMODES);
  const flags = getNumbers(h, Tag.FILEFLAGS);
  return basenames.map((b, i) => fileOf(`${dirs[idx[i] ?? 0] ?? ''}${b}`, modes[i] ?? 0, flags[i] ?? 0));
}

function fileOf(path: string, mode: number, flags: number): RpmFile {
  const type: RpmFileType = (mode & S_IFMT) === S_IFDIR ? 'dir' : flags & FileFlag.GHOST ? 'ghost' : 'file';
  return { path, type, flags, mode };
}

function changelogs(h: RpmHeader): RpmChangelog[] {
  const times = getNumbers(h, Tag.CHANGELOGTIME);
  const names = getStrings(h, Tag.CHANGELOGNAME);
  const texts = getStrings(h, Tag.CHANGELOGTEXT);
  const n = Math.min(times.length, names.length, texts.length);
  return Array.from({ length: n }, (_, i) => ({ author: names[i]!, time: times[i]!, text: texts[i]! }));
}

/** Read every field yum metadata needs from an RPM's leading bytes. */
export function readRpm(bytes: Uint8Array, source?: string): RpmPackage {
  const { signature, main: h, layout } = readRpmHeaders(bytes, source);
  const name = getString(h, Tag.NAME);
  if (!name) {
    throw inputError('RPM_NO_NAME', `${source ?? 'rpm'}: header has no Name tag`, 'Rebuild the package with rpmbuild.', {
      ...(source ? { file: source } : {}),
      field: 'Name',
    });
  }
  const isSource = h.byTag.has(Tag.SOURCEPACKAGE);
  const archiveSize =
    getNumber(h, Tag.LONGARCHIVESIZE) ??
    getNumber(h, Tag.ARCHIVESIZE) ??
    getNumber(signature, SigTag.LONGARCHIVESIZE) ??
    getNumber(signature, SigTag.PAYLOADSIZE) ??
    0;
  return {
    name,
    arch: isSource ? 'src' : (getString(h, Tag.ARCH) ?? ''),
    epoch: getNumber(h, Tag.EPOCH),
    version: getString(h, Tag.VERSION) ?? '',
    release: getString(h, Tag.RELEASE) ?? '',
    summary: getString(h, Tag.SUMMARY) ?? '',
    description: getString(h, Tag.DESCRIPTION) ?? '',
    packager: getString(h, Tag.PACKAGER) ?? '',
    url: getString(h, Tag.URL) ?? '',
    license: getString(h, Tag.LICENSE) ?? '',
    vendor: getString(h, Tag.VENDOR) ?? '',
    group: getString(h, Tag.GROUP) ?? '',
    buildHost: getString(h, Tag.BUILDHOST) ?? '',
    sourceRpm: getString(h, Tag.SOURCERPM) ?? '',
    buildTime: getNumber(h, Tag.BUILDTIME) ?? 0,
    installedSize: getNumber(h, Tag.LONGSIZE) ?? getNumber(h, Tag.SIZE) ?? 0,
    archiveSize,
    isSource,
    provides: deps(h, Tag.PROVIDENAME, Tag.PROVIDEFLAGS, Tag.PROVIDEVERSION),
    requires: deps(h, Tag.REQUIRENAME, Tag.REQUIREFLAGS, Tag.REQUIREVERSION),
    conflicts: deps(h, Tag.CONFLICTNAME, Tag.CONFLICTFLAGS, Tag.CONFLICTVERSION),
    obsoletes: deps(h, Tag.OBSOLETENAME, Tag.OBSOLETEFLAGS, Tag.OBSOLETEVERSION),
    recommends: deps(h, Tag.RECOMMENDNAME, Tag.RECOMMENDFLAGS, Tag.RECOMMENDVERSION),
    suggests: deps(h, Tag.SUGGESTNAME, Tag.SUGGESTFLAGS, Tag.SUGGESTVERSION),
    supplements: deps(h, Tag.SUPPLEMENTNAME, Tag.SUPPLEMENTFLAGS, Tag.SUPPLEMENTVERSION),
    enhances: deps(h, Tag.ENHANCENAME, Tag.ENHANCEFLAGS, Tag.ENHANCEVERSION),
    files: files(h),
    changelogs: changelogs(h),
    layout,
  };
}

/** How many leading bytes to read to be sure both headers are in them, from the first 112. */
export function headersLength(prefix: Uint8Array): number | undefined {
  if (prefix.length < LEAD_SIZE + 16) return undefined;
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const sigEnd = LEAD_SIZE + 16 + dv.getUint32(LEAD_SIZE + 8) * 16 + dv.getUint32(LEAD_SIZE + 12);
  return sigEnd + ((8 - (sigEnd % 8)) % 8) + 16;
}

export { getBinary };
