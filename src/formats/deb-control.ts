/**
 * .deb and .dsc → index stanzas, byte-for-byte what apt-ftparchive writes (apt 2.6,
 * apt-pkg/tagfile-order.c and ftparchive/writer.cc), except that the hash fields are the ones
 * we publish (SHA256 by default). Pure: bytes in, fields out.
 */
import { inputError } from '../core/errors.js';
import { readAr } from './ar.js';
import { compressionOf, decompress } from './compress.js';
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

/** Reorder like pkgTagSection::Write: fields named in `order` first, in that order; then the rest as they came. */
export function reorder(fields: readonly Field[], order: readonly string[]): Field[] {
  const rank = new Map(order.map((n, i) => [n.toLowerCase(), i]));
  const known = fields.filter((f) => rank.has(f[0].toLowerCase()));
  known.sort((a, b) => rank.get(a[0].toLowerCase())! - rank.get(b[0].toLowerCase())!);
  return [...known, ...fields.filter((f) => !rank.has(f[0].toLowerCase()))];
}

export interface DebControl {
  control: Stanza;
  /** Compression of the control member, for reports. */
  controlMember: string;
}

/** Parse a .deb's control file. `source` names the file in errors. */
export function readDebControl(deb: Uint8Array, source = 'package.deb'): DebControl {
  const members = readAr(deb, source, 2);
  const first = members[0];
  if (!first || first.name !== 'debian-binary' || !Buffer.from(first.data).toString('latin1').startsWith('2.')) {
    throw inputError(
      'DEB_BAD_FORMAT',
      `${source} is not a Debian binary package (no "debian-binary" 2.x member first)`,
      'Build it with dpkg-deb.',
      {
        file: source,
      },
    );
  }
  const ctl = members[1];
  const comp = ctl?.name.startsWith('control.tar') ? compressionOf(ctl.name) : undefined;
  if (!ctl || !comp) {
    throw inputError(
      'DEB_NO_CONTROL',
      `${source} has no control.tar{,.gz,.xz,.zst} as its second member`,
      'Rebuild the package with dpkg-deb.',
      {
        file: source,
      },
    );
  }
  const tar = decompress(ctl.data, comp, `${source}:${ctl.name}`);
  const entry = readTar(tar, `${source}:${ctl.name}`, (e) => e.name === 'control').find((e) => e.name === 'control' && e.type === '0');
  if (!entry)
    throw inputError('DEB_NO_CONTROL', `${source}: ${ctl.name} has no control file`, 'Rebuild the package with dpkg-deb.', {
      file: source,
    });
  const control = parseSingleStanza(Buffer.from(entry.data).toString('utf8'), { source: `${source}:control` });
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
