/**
 * Where things live in an apt repository, and names we accept. Pure.
 *
 *   pool/<component>/<prefix>/<source>/<file>     prefix: "libf" for lib*, else first letter
 *   dists/<suite> -> .generations/<suite>/<gen>     a link: the switch (suite-link.ts)
 *   dists/<suite>/Release, InRelease, Release.gpg
 *   dists/<suite>/<component>/binary-<arch>/Packages{,.gz,.xz}
 *   dists/<suite>/<component>/source/Sources{,.gz,.xz}
 *   dists/<suite>/<component>/{binary-<arch>,source}/by-hash/SHA256/<hex>
 */
import { inputError } from '../../core/errors.js';
import { type Field, getField } from '../../formats/deb822.js';
import { checkDebVersion } from '../../formats/version-deb.js';

/** Suite, component and architecture names: safe as path segments and in sources.list. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function checkName(kind: 'suite' | 'component' | 'architecture', value: string): string {
  if (!NAME.test(value) || value.includes('..')) {
    throw inputError(
      'APT_BAD_NAME',
      `invalid ${kind} name ${JSON.stringify(value)}`,
      `Use letters, digits, ".", "_", "+" and "-" (e.g. bookworm, main, amd64).`,
      {
        field: kind,
      },
    );
  }
  return value;
}

/** Source package name from a binary's control data ("Source: foo (1.2-1)" → "foo"). */
export function sourceName(packageName: string, sourceField: string | undefined): string {
  const s = sourceField?.trim().split(/\s+/)[0];
  return s || packageName;
}

export function poolDir(component: string, source: string): string {
  const prefix = source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
  return `pool/${component}/${prefix}/${source}`;
}

export const suiteDir = (suite: string) => `dists/${suite}`;
export const binaryDir = (component: string, arch: string) => `${component}/binary-${arch}`;
export const sourceDir = (component: string) => `${component}/source`;
export const COMPRESSIONS = ['', '.gz', '.xz'] as const;
export type IndexForm = (typeof COMPRESSIONS)[number];

/**
 * The forms an index is published in: its text, .gz and .xz; a Contents index (the biggest)
 * only .gz, as Debian does, its text listed in Release but not served (apt looks an index up
 * by its uncompressed name, then picks a compressed form).
 */
export const indexForms = (contents: boolean): Array<{ suffix: IndexForm; served: boolean }> =>
  contents
    ? [
        { suffix: '', served: false },
        { suffix: '.gz', served: true },
      ]
    : COMPRESSIONS.map((suffix) => ({ suffix, served: true }));
/**
 * The by-hash copy of index `f` (in `dir`). SHA-256 only, as Debian's archive: apt fetches by the
 * strongest hash a Release lists, so a SHA512 list would only add a second copy of every index
 * to write, keep and upload (Releases and by-hash files of older publishes may still have one).
 */
export const byHashPaths = (dir: string, f: { sha256: string }) => [`${dir}/by-hash/SHA256/${f.sha256}`];

/** Canonical .deb file name: <name>_<version without epoch>_<arch>.deb. */
export function debFileName(name: string, version: string, arch: string): string {
  const v = version.includes(':') ? version.slice(version.indexOf(':') + 1) : version;
  return `${name}_${v}_${arch}.deb`;
}

/** Package names per policy 5.6.1 (also keeps pool paths safe). */
export function checkPackageName(name: string, file: string): void {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
    throw inputError(
      'APT_BAD_PACKAGE_NAME',
      `invalid package name ${JSON.stringify(name)}`,
      'Package names are lower-case letters, digits, "+", "-" and ".".',
      {
        file,
        field: 'Package',
      },
    );
  }
}

/**
 * Where a binary package goes in the pool, from its control fields, checked (name, version,
 * architecture, source) so the path is safe: `pool/<component>/<prefix>/<source>/<canonical name>`.
 * The canonical name (as reprepro and dak) keeps a build dir's "hello.deb" from colliding.
 */
export function debPoolPath(
  control: Field[],
  component: string,
  file: string,
): { name: string; version: string; arch: string; source: string; filename: string } {
  const g = (n: string) => getField(control, n) ?? '';
  const name = g('Package');
  checkPackageName(name, file);
  const version = g('Version');
  const v = checkDebVersion(version);
  if (!v.ok)
    throw inputError(
      'APT_BAD_VERSION',
      `${file}: invalid Version ${JSON.stringify(version)}: ${v.reason}`,
      'Fix the version and rebuild.',
      {
        file,
        field: 'Version',
      },
    );
  const arch = g('Architecture');
  if (!/^[a-z0-9][a-z0-9-]*$/.test(arch))
    throw inputError('APT_BAD_ARCH', `${file}: invalid Architecture ${JSON.stringify(arch)}`, 'Rebuild the package.', {
      file,
      field: 'Architecture',
    });
  const source = sourceName(name, getField(control, 'Source'));
  checkPackageName(source, file);
  return { name, version, arch, source, filename: `${poolDir(component, source)}/${debFileName(name, version, arch)}` };
}
