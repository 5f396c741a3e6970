/**
 * Install snippets shown on the page: the apt key download, a deb822 `.sources` file with
 * `Signed-By`, and a dnf `.repo` file. Pure text builders; values come from pkgtrack.yaml and
 * published metadata, which the schema already restricts to single lines.
 */
import { keyringFileName, yumRepoFile as writeYumRepoFile, yumRepoId } from '../formats/user-files.js';
import type { SiteKey, SiteModel, SiteSuite } from './model.js';

/** Shown where the repository URL belongs when pkgtrack.yaml has no `url:`. */
export const URL_PLACEHOLDER = 'https://REPLACE-ME.example.org/repo';

export const baseUrl = (model: SiteModel): string => model.url ?? URL_PLACEHOLDER;

/** URL of the repository a suite is in: apt's `URIs:`, the parent of yum's `baseurl`. */
export const repoUrl = (model: SiteModel, suite: SiteSuite): string =>
  suite.repoPath ? `${baseUrl(model)}/${suite.repoPath}` : baseUrl(model);

/** File name users save the key to; apt accepts `[A-Za-z0-9_:.-]` in keyring names. */
export const keyringName = (model: SiteModel): string => keyringFileName(model.name);

export const sourcesFileName = (model: SiteModel, suite: SiteSuite): string =>
  `${model.name.replace(/[^A-Za-z0-9_.-]/g, '-')}${suite.channel === 'trunk' ? '-trunk' : ''}.sources`;

/** Shell commands that fetch the key into /etc/apt/keyrings and print its fingerprint. */
export function aptKeyCommands(model: SiteModel, key: SiteKey): string {
  const dest = `/etc/apt/keyrings/${keyringName(model)}`;
  return [
    'sudo install -d -m 0755 /etc/apt/keyrings',
    `curl -fsSL ${baseUrl(model)}/${key.href} | sudo tee ${dest} >/dev/null`,
    `gpg --show-keys --with-fingerprint ${dest}   # must show ${formatFingerprint(key.fingerprint)}`,
  ].join('\n');
}

/** The deb822 `.sources` stanza for one apt suite. */
export function debSources(model: SiteModel, suite: SiteSuite): string {
  const lines = [
    'Types: deb',
    `URIs: ${repoUrl(model, suite)}`,
    `Suites: ${suite.suite}`,
    `Components: ${suite.components.join(' ') || 'main'}`,
  ];
  if (suite.architectures.length) lines.push(`Architectures: ${suite.architectures.join(' ')}`);
  if (model.key) lines.push(`Signed-By: /etc/apt/keyrings/${keyringName(model)}`);
  return `${lines.join('\n')}\n`;
}

/** The command that writes a `.sources` file (a heredoc, so it can be pasted as one block). */
export function debSourcesCommand(model: SiteModel, suite: SiteSuite): string {
  return `sudo tee /etc/apt/sources.list.d/${sourcesFileName(model, suite)} >/dev/null <<'EOF'\n${debSources(model, suite)}EOF\nsudo apt update`;
}

/** The `.repo` file for one yum repository (the same form the yum writer puts next to it). */
export function yumRepoFile(model: SiteModel, suite: SiteSuite): string {
  if (!model.key) return '# No signing key is published yet: run `pkgtrack key generate`, then publish again.\n';
  return writeYumRepoFile({
    id: yumRepoId(model.name, suite.suite),
    name: `${model.label} (${suite.target ?? suite.suite}${suite.channel === 'trunk' ? ', trunk' : ''} ${suite.architectures.join(' ')})`.replace(
      ' )',
      ')',
    ),
    baseurl: `${repoUrl(model, suite)}/${suite.suite}`,
    gpgkeys: [`${baseUrl(model)}/${model.key.href}`],
  });
}

export function yumRepoCommand(model: SiteModel, suite: SiteSuite): string {
  return `sudo tee /etc/yum.repos.d/${yumRepoId(model.name, suite.suite)}.repo >/dev/null <<'EOF'\n${yumRepoFile(model, suite)}EOF\nsudo dnf makecache`;
}

/** `ABCD 1234 ...`: the grouping gpg prints, easier to compare by eye. */
export function formatFingerprint(fpr: string): string {
  return (fpr.toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

/**
 * How to turn on a debug-symbols suite and install from it: apt's one-line source (signed by the
 * same key) and `apt install <package>-dbgsym`; dnf's .repo file and `dnf install <package>-debuginfo`.
 */
export function debugSymbolsCommands(model: SiteModel, suite: SiteSuite): string {
  // The stored model names the suite's first binary (its packages may be only the first page's).
  const example =
    suite.binaryExample ??
    [...new Set(suite.packages.flatMap((p) => p.binaries))].sort()[0] ??
    (suite.kind === 'apt' ? 'PACKAGE-dbgsym' : 'PACKAGE-debuginfo');
  if (suite.kind === 'yum') return `${yumRepoCommand(model, suite)}\nsudo dnf install ${example}`;
  const signedBy = model.key ? `[signed-by=/etc/apt/keyrings/${keyringName(model)}] ` : '';
  const list = `${model.name.replace(/[^A-Za-z0-9_.-]/g, '-')}-debug.list`;
  return [
    `echo 'deb ${signedBy}${repoUrl(model, suite)} ${suite.suite} ${suite.components.join(' ') || 'main'}' | sudo tee /etc/apt/sources.list.d/${list}`,
    'sudo apt update',
    `sudo apt install ${example}`,
  ].join('\n');
}
