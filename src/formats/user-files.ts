/**
 * What users install to trust a published repository: a deb822 `.sources` file whose Signed-By
 * holds the armored key (or a keyring path) and a yum/dnf `.repo` file with metadata and package
 * checks on. Pure: strings in, strings out. The one writer of each: `publish` puts them next to the
 * repository, the web page shows them, `key export` prints them.
 */
import { inputError } from '../core/errors.js';

/** apt ignores keyring files whose names hold anything else (apt-secure(8), run-parts rules). */
export const KEYRING_NAME = /^[A-Za-z0-9_:.-]+$/;

/** The file users save the repository's armored key as (and `keys/<it>` in the published tree). */
export function keyringFileName(repositoryName: string): string {
  return `${repositoryName.replace(/[^A-Za-z0-9_:.-]/g, '-')}-archive-keyring.asc`;
}

/** The dnf repo id of one published yum repository (`<name>-<suite>`, e.g. demo-fedora-41-x86_64). */
export function yumRepoId(repositoryName: string, suite: string): string {
  return `${repositoryName}-${suite}`.replace(/[^A-Za-z0-9_.-]/g, '-');
}

export type SignedBy = { kind: 'embedded'; armoredKey: string } | { kind: 'path'; path: string };

export interface DebSourcesOptions {
  uri: string;
  suites: readonly string[];
  components: readonly string[];
  architectures?: readonly string[];
  signedBy: SignedBy;
  /** Ship it disabled (Enabled: no), e.g. for a trunk channel. */
  enabled?: boolean;
}

/** A deb822 multi-line field value: continuation lines start with a space, empty ones are " .". */
function multiline(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .map((l) => (l.trim() === '' ? ' .' : ` ${l}`))
    .join('\n');
}

function oneLine(field: string, v: string): string {
  if (/[\r\n]/.test(v) || v.trim() === '')
    throw inputError('SOURCES_BAD_VALUE', `${field} must be one non-empty line`, `Fix the ${field} value.`, { field });
  return v;
}

export function debSources(o: DebSourcesOptions): string {
  if (o.suites.length === 0)
    throw inputError('SOURCES_NO_SUITE', 'a .sources entry needs at least one suite', 'Pass the suites to publish.');
  const lines = [
    'Types: deb',
    `URIs: ${oneLine('URIs', o.uri)}`,
    `Suites: ${o.suites.map((s) => oneLine('Suites', s)).join(' ')}`,
    `Components: ${o.components.map((c) => oneLine('Components', c)).join(' ')}`,
  ];
  if (o.architectures?.length) lines.push(`Architectures: ${o.architectures.join(' ')}`);
  if (o.enabled === false) lines.push('Enabled: no');
  if (o.signedBy.kind === 'path') {
    const p = o.signedBy.path;
    const base = p.split('/').pop() ?? '';
    if (!p.startsWith('/') || !KEYRING_NAME.test(base)) {
      throw inputError(
        'SOURCES_BAD_KEYRING_PATH',
        `Signed-By keyring path "${p}" must be absolute and its file name may hold only letters, digits, "_", ":", "." and "-"`,
        'Use e.g. /etc/apt/keyrings/example.asc.',
      );
    }
    lines.push(`Signed-By: ${p}`);
  } else {
    if (!o.signedBy.armoredKey.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      throw inputError(
        'SOURCES_BAD_KEY',
        'the embedded Signed-By key must be an armored public key block',
        'Export it with `pkgtrack key export`.',
      );
    }
    lines.push(`Signed-By:\n${multiline(o.signedBy.armoredKey)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface YumRepoOptions {
  /** Section id: letters, digits, "-", "_", ".", ":". */
  id: string;
  name: string;
  baseurl: string;
  /** URL (or file:// path) of the armored public key; several during a rotation. */
  gpgkeys: readonly string[];
  enabled?: boolean;
}

/** A `.repo` file with package AND metadata signature checks on. */
export function yumRepoFile(o: YumRepoOptions): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(o.id))
    throw inputError('REPO_FILE_BAD_ID', `repo id "${o.id}" may hold only letters, digits, "_", ".", ":" and "-"`, 'Pick a simple id.');
  if (o.gpgkeys.length === 0)
    throw inputError('REPO_FILE_NO_KEY', 'a .repo file needs gpgkey=', 'Publish the public key and pass its URL.');
  return [
    `[${o.id}]`,
    `name=${oneLine('name', o.name)}`,
    `baseurl=${oneLine('baseurl', o.baseurl)}`,
    `enabled=${o.enabled === false ? 0 : 1}`,
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${o.gpgkeys.map((k) => oneLine('gpgkey', k)).join('\n       ')}`,
    '',
  ].join('\n');
}

/** `Signed-By:` value for a Release file: the fingerprints that may sign the next Release. */
export function releaseSignedBy(fingerprints: readonly string[]): string {
  return [...new Set(fingerprints.map((f) => f.toUpperCase()))].join(', ');
}
