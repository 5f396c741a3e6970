/**
 * debian/watch (uscan format 3/4 and deb822 format 5) → pkgtrack's upstream section. Only what
 * maps onto a recipe is kept: where releases are listed (github, git, http index), the version
 * pattern, uversionmangle and the signature URL. Pure; the upstream helper may fold this in.
 */
import type { UpstreamConfig } from '../recipe/schema.js';

export interface WatchEntry {
  /** Page or repository URL. */
  url: string;
  /** Regex matching release links; group 1 is the version. */
  pattern: string;
  options: Record<string, string>;
  version: number;
}

export interface WatchUpstream {
  upstream: UpstreamConfig;
  tagPattern?: string;
  mangle: { from: string; to: string }[];
  signatureUrl?: string;
  /** Why some of the watch file could not be carried over. */
  notes: string[];
}

const ANY_VERSION = '[-_]?v?(\\d[\\-+\\.:\\~\\da-zA-Z]*)';
const ARCHIVE_EXT = '(?i)(?:\\.(?:tar\\.xz|tar\\.bz2|tar\\.gz|tar\\.zstd?|zip|tgz|tbz|txz))';

function substitute(s: string, pkg: string): string {
  return s
    .replaceAll('@PACKAGE@', pkg)
    .replaceAll('@ANY_VERSION@', ANY_VERSION)
    .replaceAll('@ARCHIVE_EXT@', ARCHIVE_EXT)
    .replaceAll('@SIGNATURE_EXT@', `${ARCHIVE_EXT}(?:\\.(?:asc|pgp|gpg|sig|sign))`)
    .replaceAll('@DEB_EXT@', '[\\+~](debian|dfsg|ds|deb)(\\.)?(\\d+)?$');
}

function parseOptions(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = raw.replace(/^"|"$/g, '');
  // Options are comma-separated, but regexes in them may hold commas: split on ",key=".
  for (const part of text.split(/,(?=\s*[a-z]+(?:=|,|$))/)) {
    const m = /^\s*([a-z]+)(?:=(.*))?$/s.exec(part);
    if (m) out[m[1]!] = (m[2] ?? '').trim();
  }
  return out;
}

export function parseWatch(text: string, pkg: string): WatchEntry[] {
  if (/^\s*Version:\s*5/im.test(text)) return parseWatch5(text, pkg);
  const joined = text.replace(/\\\n\s*/g, '');
  const lines = joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let version = 3;
  const out: WatchEntry[] = [];
  for (const l of lines) {
    const v = /^version\s*=\s*(\d+)/.exec(l);
    if (v) {
      version = Number(v[1]);
      continue;
    }
    let rest = l;
    let options: Record<string, string> = {};
    const o = /^opts\s*=\s*("([^"]*)"|\S+)\s*/.exec(rest);
    if (o) {
      options = parseOptions(o[2] ?? o[1]!);
      rest = rest.slice(o[0].length);
    }
    const tokens = substitute(rest, pkg).split(/\s+/).filter(Boolean);
    if (!tokens.length) continue;
    let url = tokens[0]!;
    let pattern = tokens[1];
    if (pattern === undefined || /^(same|previous|ignore|debian|\d)/.test(pattern)) {
      if (options.mode === 'git') pattern = tokens[1] ?? 'refs/tags/v?(\\d\\S*)';
      else {
        // The last path component of the URL is the pattern.
        const i = url.lastIndexOf('/');
        pattern = url.slice(i + 1);
        url = url.slice(0, i + 1);
      }
    }
    out.push({ url, pattern, options, version });
  }
  return out;
}

function parseWatch5(text: string, pkg: string): WatchEntry[] {
  const out: WatchEntry[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    const f: Record<string, string> = {};
    for (const l of para.replace(/\n[ \t]+/g, ' ').split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(l);
      if (m) f[m[1]!.toLowerCase()] = m[2]!.trim();
    }
    if (!f.source) continue;
    const options: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) if (!['source', 'matching-pattern', 'version'].includes(k)) options[k.replaceAll('-', '')] = v;
    out.push({
      url: substitute(f.source, pkg),
      pattern: substitute(
        f['matching-pattern'] ?? (options.mode === 'git' ? 'refs/tags/v?(\\d\\S*)' : `${ANY_VERSION}${ARCHIVE_EXT}`),
        pkg,
      ),
      options,
      version: 5,
    });
  }
  return out;
}

/** `s/from/to/flags` (uscan mangle rules; ";" separates several) → recipe mangle entries. */
function mangleRules(rule: string | undefined): { from: string; to: string }[] {
  if (!rule) return [];
  const out: { from: string; to: string }[] = [];
  for (const r of rule.split(/;(?=\s*[sty])/)) {
    const m = /^\s*s(.)(.*?)\1(.*?)\1[gi]*\s*$/.exec(r);
    if (m) out.push({ from: m[2]!, to: m[3]!.replace(/\$(\d)/g, '$$$1') });
  }
  return out;
}

/** Turn the link pattern's version group into a tag pattern: the file name part, no extension. */
function tagPatternFrom(pattern: string): string {
  let p = pattern.replace(/^\.\*\//, '').replace(/^\(\?:\.\*\/\|\.\*=\|\)/, '');
  p = p
    .replace(/\(\?i\)/g, '')
    .replace(/\\\.(tar\\\.(gz|xz|bz2)|zip|tgz)\)?$/, '')
    .replace(/\(\?:\\\.\(\?:[^)]*\)\)+$/, '');
  const group = p.indexOf('(') >= 0 ? p.replace(/\((?!\?)/, '(?<version>') : `(?<version>${p})`;
  return `^${group.replace(/^\^/, '').replace(/\$$/, '')}$`;
}

export function watchToUpstream(entries: readonly WatchEntry[], pkg: string): WatchUpstream | undefined {
  const e = entries[0];
  if (!e) return undefined;
  const notes: string[] = [];
  if (entries.length > 1) notes.push(`debian/watch has ${entries.length} entries; only the first was imported`);
  const mangle = mangleRules(e.options.uversionmangle);
  const sig = e.options.pgpsigurlmangle;
  const gh = /^https?:\/\/github\.com\/([^/]+)\/([^/]+?)(?:\.git)?(?:\/(tags|releases).*)?\/?$/.exec(e.url);
  let upstream: UpstreamConfig;
  if (gh) {
    upstream = { kind: 'github', repo: `${gh[1]}/${gh[2]}`, use: gh[3] === 'releases' ? 'releases' : 'tags', prereleases: false };
  } else if (e.options.mode === 'git') {
    upstream = { kind: 'git', url: e.url };
  } else if (/^https?:\/\//.test(e.url)) {
    // JavaScript has no bare (?i); uscan patterns use it for the archive extension.
    upstream = { kind: 'http', url: e.url, pattern: e.pattern.replaceAll('(?i)', '') };
  } else {
    notes.push(`${e.url} is not an http(s) URL; following the Debian archive instead`);
    upstream = { kind: 'debian', package: pkg, suite: 'sid', component: 'main', archive: 'http://deb.debian.org/debian' };
    return { upstream, mangle, notes };
  }
  const result: WatchUpstream = { upstream, mangle, notes, tagPattern: tagPatternFrom(e.pattern) };
  if (sig) {
    const m = /^s(.)(.*?)\1(.*?)\1/.exec(sig);
    if (m && m[2] === '$') result.signatureUrl = `{url}${m[3]}`;
    else notes.push(`pgpsigurlmangle ${sig} was not converted; set source.signatureUrl by hand`);
  }
  return result;
}
