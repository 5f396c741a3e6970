/**
 * .deb and .dsc → index stanzas, byte-for-byte what apt-ftparchive writes (apt 2.6,
 * apt-pkg/tagfile-order.c and ftparchive/writer.cc), except that the hash fields are the ones
 * we publish (SHA256 by default). Pure: bytes in, fields out.
 */
import type { ErrorCode } from '../core/error-codes.js';
import { inputError } from '../core/errors.js';
import { decompress } from './compress.js';
import { checkDebData, type DebMembers, debMembers } from './deb-archive.js';
import { type Field, getField, parseSingleStanza, type Stanza } from './deb822.js';
import { readTar } from './tar.js';

/** apt's TFRewritePackageOrder: known fields in this order, then the rest as they came. */
export const PACKAGE_FIELD_ORDER = [
  'Package', 'Package-Type', 'Architecture', 'Subarchitecture', 'Version', 'Revision', 'Package-Revision', 'Package_Revision',
  'Kernel-Version', 'Built-Using', 'Built-For-Profiles', 'Auto-Built-Package', 'Multi-Arch', 'Status', 'Priority', 'Class',
  'Essential', 'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Maintainer', 'Original-Maintainer', 'Bugs',
  'Config-Version', 'Conffiles', 'Triggers-Awaited', 'Triggers-Pending', 'Installed-Size', 'Provides', 'Pre-Depends',
  'Depends', 'Recommends', 'Recommended', 'Suggests', 'Optional', 'Conflicts', 'Breaks', 'Replaces', 'Enhances',
  'Filename', 'MSDOS-Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256', 'SHA512', 'Homepage', 'Description', 'Tag', 'Task',
] as const; // biome-ignore format: one table

/** apt's TFRewriteSourceOrder. */
export const SOURCE_FIELD_ORDER = [
  'Package', 'Source', 'Format', 'Binary', 'Architecture', 'Version', 'Priority', 'Class', 'Section', 'Origin', 'Maintainer',
  'Original-Maintainer', 'Uploaders', 'Dm-Upload-Allowed', 'Standards-Version', 'Build-Depends', 'Build-Depends-Arch',
  'Build-Depends-Indep', 'Build-Conflicts', 'Build-Conflicts-Arch', 'Build-Conflicts-Indep', 'Testsuite', 'Testsuite-Triggers',
  'Homepage', 'Vcs-Browser', 'Vcs-Browse', 'Vcs-Arch', 'Vcs-Bzr', 'Vcs-Cvs', 'Vcs-Darcs', 'Vcs-Git', 'Vcs-Hg', 'Vcs-Mtn',
  'Vcs-Svn', 'Directory', 'Package-List', 'Files', 'Checksums-Md5', 'Checksums-Sha1', 'Checksums-Sha256', 'Checksums-Sha512',
] as const; // biome-ignore format: one table

/** Each order's rank by lower-case field name, built once (a cold publish reorders 10,000 stanzas). */
const ranks = new WeakMap<readonly string[], Map<string, number>>();

/** Reorder like pkgTagSection::Write: fields named in `order` first, in that order; then the rest as they came. */
export function reorder(fields: readonly Field[], order: readonly string[]): Field[] {
  let rank = ranks.get(order);
  if (!rank) ranks.set(order, (rank = new Map(order.map((n, i) => [n.toLowerCase(), i]))));
  const known: Array<[number, Field]> = [];
  const rest: Field[] = [];
  for (const f of fields) {
    const r = rank.get(f[0].toLowerCase());
    if (r === undefined) rest.push(f);
    else known.push([r, f]);
  }
  known.sort((a, b) => a[0] - b[0]);
  return [...known.map((k) => k[1]), ...rest];
}

export interface DebControl {
  control: Stanza;
  /** Compression of the control member, for reports. */
  controlMember: string;
}

/**
 * Limits on a .deb's control file, far above any real package (Debian's largest control files
 * are tens of KB) and far below what breaks apt: one 50 MB field made `apt-get update` call the
 * whole suite's cache corrupted.
 */
export const DEB_CONTROL_LIMITS = { bytes: 1024 * 1024, fieldBytes: 256 * 1024, fields: 256 } as const;

function controlRefused(code: ErrorCode, source: string, message: string, field?: string, line?: number) {
  return inputError(code, `${source}: ${message}`, 'Fix debian/control (or the recipe) and rebuild the package.', {
    file: source,
    ...(field ? { field } : {}),
    ...(line ? { line } : {}),
  });
}

/** Stateless without `stream`: one decoder for every control file. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The control file's text: UTF-8 (policy 5.1), refused naming the line and field otherwise (never rewritten to U+FFFD). */
function controlText(bytes: Uint8Array, source: string): string {
  if (bytes.length > DEB_CONTROL_LIMITS.bytes)
    throw controlRefused('DEB_CONTROL_TOO_BIG', source, `control file is ${bytes.length} bytes (limit ${DEB_CONTROL_LIMITS.bytes})`);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    const lines = Buffer.from(bytes).toString('latin1').split('\n');
    let field: string | undefined;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (/^[^\s:]+:/.test(l)) field = l.slice(0, l.indexOf(':'));
      try {
        STRICT_UTF8.decode(Buffer.from(l, 'latin1'));
      } catch {
        throw controlRefused(
          'DEB_CONTROL_NOT_UTF8',
          source,
          `line ${i + 1}${field ? ` (field ${field})` : ''} is not valid UTF-8`,
          field,
          i + 1,
        );
      }
    }
    throw controlRefused('DEB_CONTROL_NOT_UTF8', source, 'control file is not valid UTF-8');
  }
}

/** Parse a .deb's control file. `source` names the file in errors. */
export function readDebControl(deb: Uint8Array, source = 'package.deb', members: DebMembers = debMembers(deb, source)): DebControl {
  const { control: ctl, controlCompression: comp } = members;
  const where = `${source}:${ctl.name}`;
  const tar = decompress(ctl.data, comp, where);
  // The whole control.tar: a second "control" entry (dpkg keeps the last one) is ambiguous.
  const entries = readTar(tar, where).filter((e) => e.name === 'control');
  if (entries.length > 1)
    throw inputError('DEB_AMBIGUOUS', `${where} holds ${entries.length} "control" entries`, 'Rebuild the package with dpkg-deb.', {
      file: source,
      member: ctl.name,
    });
  const entry = entries[0];
  if (entry?.type !== '0')
    throw inputError('DEB_NO_CONTROL', `${where} has no control file`, 'Rebuild the package with dpkg-deb.', {
      file: source,
      member: ctl.name,
    });
  const name = `${source}:control`;
  const control = parseSingleStanza(controlText(entry.data, name), { source: name });
  if (control.fields.length > DEB_CONTROL_LIMITS.fields)
    throw controlRefused('DEB_CONTROL_TOO_MANY_FIELDS', name, `${control.fields.length} fields (limit ${DEB_CONTROL_LIMITS.fields})`);
  for (const [field, value] of control.fields) {
    if (Buffer.byteLength(value) > DEB_CONTROL_LIMITS.fieldBytes)
      throw controlRefused(
        'DEB_CONTROL_FIELD_TOO_LONG',
        name,
        `field ${field} is ${Buffer.byteLength(value)} bytes (limit ${DEB_CONTROL_LIMITS.fieldBytes})`,
        field,
      );
  }
  for (const f of ['Package', 'Version', 'Architecture']) {
    if (!getField(control, f)) {
      throw inputError(
        'DEB_MISSING_FIELD',
        `${source}: control file has no ${f} field`,
        `Add ${f} to debian/control (or the recipe) and rebuild.`,
        {
          file: source,
          field: f,
        },
      );
    }
  }
  return { control, controlMember: ctl.name };
}

export interface FileFacts {
  /** Repo-relative path as it appears in the index (Filename: / Directory:). */
  filename: string;
  size: number;
  /** Hex digests to publish, by apt field name: { SHA256: '...' } (MD5sum, SHA1, SHA512 optional). */
  hashes: Partial<Record<'MD5sum' | 'SHA1' | 'SHA256' | 'SHA512', string>>;
}

/** Fields apt-ftparchive drops from a .deb's control when writing Packages. */
const DROPPED = new Set(['status', 'optional', 'filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512', 'msdos-filename']);

/** The Packages stanza for a .deb with this control file and these file facts. */
export function packagesStanza(control: Stanza, file: FileFacts): Field[] {
  const fields: Field[] = control.fields.filter((f) => !DROPPED.has(f[0].toLowerCase())).map((f) => [f[0], f[1]] as Field);
  fields.push(['Filename', file.filename], ['Size', String(file.size)]);
  for (const k of ['MD5sum', 'SHA1', 'SHA256', 'SHA512'] as const) {
    const v = file.hashes[k];
    if (v) fields.push([k, v]);
  }
  return reorder(fields, PACKAGE_FIELD_ORDER);
}

// ---- .dsc → Sources ----------------------------------------------------------------------

/**
 * The signed text of an OpenPGP cleartext message (a signed .dsc), dash-escaping undone;
 * unsigned text is returned as is. Only for reading what a .dsc says: whether the signature
 * is valid is the signing layer's question, not this function's.
 */
export function cleartextBody(text: string, source = 'input.dsc'): string {
  const t = text.replace(/\r\n/g, '\n');
  if (!t.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return t;
  const headerEnd = t.indexOf('\n\n');
  const sig = t.indexOf('\n-----BEGIN PGP SIGNATURE-----');
  if (headerEnd < 0 || sig < 0 || sig < headerEnd) {
    throw inputError('DSC_BAD_SIGNED_TEXT', `${source}: malformed OpenPGP signed message`, 'Re-sign the .dsc (debsign) or rebuild it.', {
      file: source,
    });
  }
  return `${t
    .slice(headerEnd + 2, sig)
    .split('\n')
    .map((l) => (l.startsWith('- ') ? l.slice(2) : l))
    .join('\n')}\n`;
}

/** Checksum field of a .dsc/Sources stanza for each hash, as apt names them. */
const CHECKSUM_FIELDS = { MD5sum: 'Files', SHA1: 'Checksums-Sha1', SHA256: 'Checksums-Sha256', SHA512: 'Checksums-Sha512' } as const;
type HashName = keyof typeof CHECKSUM_FIELDS;

export interface DscFile {
  name: string;
  size: number;
  hashes: Partial<Record<HashName, string>>;
}

export interface ParsedDsc {
  stanza: Stanza;
  source: string;
  version: string;
  /** Format: field, e.g. "3.0 (quilt)" (1.0 when absent, as dpkg-source reads it). */
  format: string;
  /** Files the .dsc lists (not the .dsc itself), with every hash it gives for them. */
  files: DscFile[];
}

export function parseDsc(text: string, source = 'input.dsc'): ParsedDsc {
  const stanza = parseSingleStanza(cleartextBody(text, source), { source });
  const name = getField(stanza, 'Source');
  const version = getField(stanza, 'Version');
  if (!name || !version) {
    throw inputError(
      'DSC_MISSING_FIELD',
      `${source}: no ${name ? 'Version' : 'Source'} field`,
      'Rebuild the source package with dpkg-source.',
      {
        file: source,
        field: name ? 'Version' : 'Source',
      },
    );
  }
  const files = new Map<string, DscFile>();
  for (const [hash, fieldName] of Object.entries(CHECKSUM_FIELDS) as Array<[HashName, string]>) {
    const v = getField(stanza, fieldName);
    if (!v) continue;
    for (const line of v.split('\n').slice(1)) {
      const parts = line.trim().split(/\s+/);
      const [digest, size, file] = parts;
      if (parts.length !== 3 || !/^[0-9a-f]+$/.test(digest!) || !/^\d+$/.test(size!) || file!.includes('/') || file!.startsWith('.')) {
        throw inputError(
          'DSC_BAD_FILE_LINE',
          `${source}: bad ${fieldName} line ${JSON.stringify(line.trim())}`,
          'Rebuild the source package with dpkg-source.',
          {
            file: source,
            field: fieldName,
          },
        );
      }
      const f = files.get(file!) ?? { name: file!, size: Number(size), hashes: {} };
      f.hashes[hash] = digest!;
      files.set(file!, f);
    }
  }
  if (files.size === 0)
    throw inputError('DSC_NO_FILES', `${source} lists no files`, 'Rebuild the source package with dpkg-source.', { file: source });
  return { stanza, source: name, version, format: getField(stanza, 'Format') ?? '1.0', files: [...files.values()] };
}

/**
 * The Sources stanza for a .dsc: "Source" becomes "Package", `Directory` is added, and each
 * checksum field lists the .dsc itself first, as apt-ftparchive does. `hashes` chooses which
 * checksum fields are written (each file must have that hash: from the .dsc or computed).
 */
export function sourcesStanza(
  dsc: ParsedDsc,
  dscFile: DscFile,
  directory: string,
  hashes: readonly HashName[] = ['MD5sum', 'SHA256'],
): Field[] {
  const drop = new Set([
    'source',
    'files',
    'checksums-sha1',
    'checksums-sha256',
    'checksums-sha512',
    'checksums-md5',
    'directory',
    'status',
  ]);
  const fields: Field[] = [['Package', dsc.source]];
  for (const f of dsc.stanza.fields) if (!drop.has(f[0].toLowerCase())) fields.push([f[0], f[1]]);
  fields.push(['Directory', directory]);
  for (const h of hashes) {
    const lines = [dscFile, ...dsc.files].map((f) => {
      const d = f.hashes[h];
      if (!d)
        throw inputError(
          'DSC_MISSING_HASH',
          `${dsc.source}_${dsc.version}.dsc: no ${h} for ${f.name}`,
          'Publish with the pool files present.',
          { file: f.name },
        );
      return ` ${d} ${f.size} ${f.name}`;
    });
    fields.push([CHECKSUM_FIELDS[h], `\n${lines.join('\n')}`]);
  }
  return reorder(fields, SOURCE_FIELD_ORDER);
}

/**
 * What publishing a .deb reads of it: its control file, after checking that the data member is
 * whole (checkDebData); the member list is read once for both. `dataTar`: the data member's tar
 * when the check had it whole anyway (see checkDebData).
 */
export async function readCheckedDeb(
  deb: Uint8Array,
  source = 'package.deb',
): Promise<DebControl & { dataTar?: { tar: Uint8Array; member: string } }> {
  const members = debMembers(deb, source);
  const control = readDebControl(deb, source, members);
  const tar = await checkDebData(deb, source, members);
  return tar ? { ...control, dataTar: { tar, member: members.data.name } } : control;
}
