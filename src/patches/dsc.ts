/**
 * Debian source control (.dsc) and pool listings: enough to find and check the files of a
 * source package (orig tarball, debian tarball) without trusting anything unchecked. Pure.
 */
import { inputError } from '../core/errors.js';
import { cleartextBody } from '../formats/deb-control.js';
import { parseDeb822 } from '../formats/deb822.js';

export interface DscFile {
  name: string;
  size: number;
  sha256: string;
}

export interface Dsc {
  source: string;
  version: string;
  format: string;
  files: DscFile[];
  fields: Record<string, string>;
}

/** Remove an OpenPGP cleartext signature wrapper (the signature is checked elsewhere). */
export function stripClearsign(text: string, file = 'source.dsc'): string {
  return cleartextBody(text, file);
}

/**
 * The first deb822 stanza of `text` (debian/control's source paragraph, one Sources entry) as
 * field → value; `#` comment lines allowed, as debian/control allows them. {} when there is none.
 */
export function parseStanza(text: string, file: string): Record<string, string> {
  const [first] = parseDeb822(text.replace(/\r\n/g, '\n'), { source: file, comments: true });
  return first ? Object.fromEntries(first.fields) : {};
}

export function parseDsc(text: string, file = 'source.dsc'): Dsc {
  const fields = parseStanza(stripClearsign(text, file), file);
  const need = (k: string) => {
    const v = fields[k];
    if (!v) throw inputError('DSC_FIELD_MISSING', `${file} has no ${k} field`, 'Use a complete .dsc file.', { file, field: k });
    return v;
  };
  const files: DscFile[] = [];
  for (const line of need('Checksums-Sha256').split('\n')) {
    const m = /^([0-9a-f]{64})\s+(\d+)\s+(\S+)$/.exec(line.trim());
    if (!m) continue;
    const name = m[3]!;
    if (name.includes('/') || name.startsWith('.')) {
      throw inputError(
        'DSC_BAD_FILE_NAME',
        `${file} lists a file name with a path: ${JSON.stringify(name)}`,
        'A .dsc names files in its own directory only.',
        { file, field: 'Checksums-Sha256' },
      );
    }
    files.push({ sha256: m[1]!, size: Number(m[2]), name });
  }
  return { source: need('Source'), version: need('Version'), format: fields.Format ?? '1.0', files, fields };
}

/** The orig tarball (and its signature) among a .dsc's files. */
export function origFiles(dsc: Dsc): { tarball?: DscFile; signature?: DscFile; components: DscFile[] } {
  const tarball = dsc.files.find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.name));
  const signature = dsc.files.find((f) => /\.orig\.tar\.[a-z0-9]+\.asc$/.test(f.name));
  const components = dsc.files.filter((f) => /\.orig-[A-Za-z0-9-]+\.tar\.[a-z0-9]+$/.test(f.name));
  return { ...(tarball ? { tarball } : {}), ...(signature ? { signature } : {}), components };
}

/** Upstream version from a Debian version: no epoch, no revision. */
export function debianUpstreamVersion(version: string): string {
  return version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}

/** .dsc file names linked from an HTML pool directory listing. */
export function dscLinksInListing(html: string, pkg: string): string[] {
  const out = new Set<string>();
  const re = /href="([^"/?]+\.dsc)"/g;
  for (let m = re.exec(html); m; m = re.exec(html)) if (m[1]!.startsWith(`${pkg}_`)) out.add(decodeURIComponent(m[1]!));
  return [...out];
}

/** Pool directory of a source package: pool/main/h/hello, pool/main/libf/libfoo. */
export function poolDir(pkg: string, component = 'main'): string {
  const prefix = pkg.startsWith('lib') && pkg.length > 3 ? pkg.slice(0, 4) : pkg[0]!;
  return `pool/${component}/${prefix}/${pkg}`;
}
