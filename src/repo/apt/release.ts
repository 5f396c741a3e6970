/**
 * The Release file: render, parse, and guard the suite's identity. Pure.
 *
 * Fields (what apt reads): Origin, Label, Suite, Codename, Changelogs (as Debian's), Date (UTC "+0000", taken at
 * signing), Valid-Until, NotAutomatic/ButAutomaticUpgrades (per suite, e.g. trunk channels),
 * Acquire-By-Hash, Architectures, Components, Description, Signed-By (fingerprints), then
 * SHA256 for every index, compressed AND uncompressed (as Debian's archive; older Releases with a
 * SHA512 list are still read).
 */
import { conflictError, inputError } from '../../core/errors.js';
import { type Field, getField, parseSingleStanza, writeStanza } from '../../formats/deb822.js';

export interface SuiteIdentity {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
}

export interface ReleaseFile {
  /** Path relative to dists/<suite>/. */
  path: string;
  size: number;
  sha256: string;
}

export interface ReleaseInput extends SuiteIdentity {
  date: Date;
  validUntil: Date;
  architectures: string[];
  components: string[];
  description?: string;
  /** `Changelogs:` URL template (changelogs.ts), for `apt changelog`. */
  changelogs?: string;
  signedBy: readonly string[];
  files: ReleaseFile[];
}

/** RFC 2822 date in UTC with a numeric zone, as apt-ftparchive writes it. */
export function releaseDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

const hashLines = (files: ReleaseFile[]) => `\n${files.map((f) => ` ${f.sha256} ${String(f.size).padStart(16)} ${f.path}`).join('\n')}`;

export function renderRelease(r: ReleaseInput): string {
  const fields: Field[] = [
    ['Origin', r.origin],
    ['Label', r.label],
    ['Suite', r.suite],
    ['Codename', r.codename],
    ...(r.changelogs ? ([['Changelogs', r.changelogs]] as Field[]) : []),
    ['Date', releaseDate(r.date)],
    ['Valid-Until', releaseDate(r.validUntil)],
  ];
  if (r.notAutomatic) fields.push(['NotAutomatic', 'yes']);
  if (r.butAutomaticUpgrades) fields.push(['ButAutomaticUpgrades', 'yes']);
  fields.push(['Acquire-By-Hash', 'yes'], ['Architectures', r.architectures.join(' ')], ['Components', r.components.join(' ')]);
  if (r.description) fields.push(['Description', r.description]);
  if (r.signedBy.length) fields.push(['Signed-By', r.signedBy.join(', ')]);
  const files = [...r.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  fields.push(['SHA256', hashLines(files)]);
  return writeStanza(fields, 'Release');
}

export interface ParsedRelease {
  fields: Field[];
  /** Every file listed, with the hashes given for it. */
  files: Map<string, { size: number; sha256?: string; sha512?: string }>;
}

export function parseRelease(text: string, source = 'Release'): ParsedRelease {
  const st = parseSingleStanza(text, { source });
  const files: ParsedRelease['files'] = new Map();
  for (const [field, key] of [
    ['SHA256', 'sha256'],
    ['SHA512', 'sha512'],
  ] as const) {
    const v = getField(st, field);
    if (!v) continue;
    for (const line of v.split('\n').slice(1)) {
      const [hash, size, path] = line.trim().split(/\s+/);
      if (!hash || !size || !path || !/^\d+$/.test(size)) {
        throw inputError('RELEASE_BAD_LINE', `${source}: bad ${field} line ${JSON.stringify(line)}`, 'Republish the suite.', {
          file: source,
          field,
        });
      }
      const e = files.get(path) ?? { size: Number(size) };
      e[key] = hash;
      files.set(path, e);
    }
  }
  return { fields: st.fields, files };
}

export function identityOf(rel: ParsedRelease): SuiteIdentity {
  const g = (n: string) => getField(rel.fields, n) ?? '';
  return {
    origin: g('Origin'),
    label: g('Label'),
    suite: g('Suite'),
    codename: g('Codename'),
    notAutomatic: g('NotAutomatic') === 'yes',
    butAutomaticUpgrades: g('ButAutomaticUpgrades') === 'yes',
  };
}

const IDENTITY_FIELDS: Array<[keyof SuiteIdentity, string]> = [
  ['origin', 'Origin'],
  ['label', 'Label'],
  ['suite', 'Suite'],
  ['codename', 'Codename'],
  ['notAutomatic', 'NotAutomatic'],
  ['butAutomaticUpgrades', 'ButAutomaticUpgrades'],
];

/**
 * apt refuses an update whose Origin, Label, Suite, Codename, NotAutomatic or
 * ButAutomaticUpgrades changed ("changed its 'Origin' value"): every client would stop
 * updating. So a published suite keeps them forever; refuse with the reason.
 */
export function checkIdentity(existing: SuiteIdentity, wanted: SuiteIdentity): void {
  for (const [k, name] of IDENTITY_FIELDS) {
    if (existing[k] !== wanted[k]) {
      throw conflictError(
        'SUITE_IDENTITY_CHANGED',
        `suite ${existing.suite || wanted.suite}: ${name} would change from ${JSON.stringify(String(existing[k]))} to ${JSON.stringify(String(wanted[k]))}; apt refuses a repository whose ${name} changed ("changed its '${name}' value"), so every client would stop updating`,
        `Keep ${name} as published (restore it in pkgtrack.yaml), or publish to a new suite name and tell users to switch.`,
        { field: name },
      );
    }
  }
}
