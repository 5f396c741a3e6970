/**
 * Import of an existing debian/watch (version 3/4 line format, and the deb822 version 5) into a
 * recipe's `upstream` and `versions` sections. Pure: text in, objects and warnings out; the
 * caller (`recipe import`) writes YAML. What has no equivalent (dversionmangle, pgpmode, several
 * components ...) is reported in `warnings`, never silently dropped.
 */
import { inputError } from '../core/errors.js';
import { parseDeb822 } from '../formats/deb822.js';
import type { UpstreamConfig } from '../recipe/schema.js';

export interface WatchImport {
  upstream: UpstreamConfig;
  versions: { tagPattern?: string; mangle: Array<{ from: string; to: string }> };
  /** The recipe's source.signatureUrl (from pgpsigurlmangle `s/$/.sig/`): `{url}` + suffix. */
  signatureUrl?: string;
  warnings: string[];
}

export interface WatchImportOptions {
  /** Source package name, for @PACKAGE@. */
  packageName: string;
  /** File name for errors (default debian/watch). */
  file?: string;
}

// uscan's substitutions (uscan(1), "watch file variables").
const ANY_VERSION = '[-_]?[Vv]?(\\d[\\-+\\.:\\~\\da-zA-Z]*)';
const ARCHIVE_EXT = '(?:\\.(?:tar\\.xz|tar\\.bz2|tar\\.gz|tar\\.zstd?|zip|tgz|tbz|txz))';
const SIGNATURE_EXT = `${ARCHIVE_EXT}(?:\\.(?:asc|pgp|gpg|sig|sign))`;
const DEB_EXT = '[\\+~](debian|dfsg|ds|deb)(\\.)?(\\d+)?$';

interface Entry {
  line: number;
  options: Map<string, string>;
  url: string;
  pattern: string;
}

export function importDebianWatch(text: string, opts: WatchImportOptions): WatchImport {
  const file = opts.file ?? 'debian/watch';
  const firstReal = text.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  const entries = /^version\s*:\s*5\s*$/i.test(firstReal.trim()) ? parseV5(text, file) : parseLineFormat(text, file);
  if (entries.length === 0)
    throw inputError('WATCH_EMPTY', `${file} has no watch entry`, 'Add a line with the upstream URL and a matching pattern.', { file });
  const warnings: string[] = [];
  if (entries.length > 1)
    warnings.push(`${file}: ${entries.length} entries (components); only the first (line ${entries[0]!.line}) is imported`);
  const first = entries[0]!;
  const result = convert(first, opts.packageName, file, warnings);
  const sig = first.options.get('pgpsigurlmangle');
  if (sig) {
    // Only the form that appends a suffix to the tarball URL has a recipe equivalent.
    const m = /^s(.)(.*?)\1(.*?)\1/.exec(sig);
    if (m && m[2] === '$') result.signatureUrl = `{url}${m[3]}`;
    else warnings.push(`${file}:${first.line}: pgpsigurlmangle ${sig} was not converted; set source.signatureUrl by hand`);
  }
  return result;
}

function parseLineFormat(text: string, file: string): Entry[] {
  // Join continuation lines, keeping the line number where each logical line starts.
  const logical: Array<{ line: number; text: string }> = [];
  let pending: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, i) => {
    if (!pending && raw.trimStart().startsWith('#')) return;
    const cont = raw.endsWith('\\');
    const piece = cont ? raw.slice(0, -1) : raw;
    pending = pending ? { line: pending.line, text: `${pending.text}${piece.trimStart()}` } : { line: i + 1, text: piece };
    if (!cont) {
      if (pending.text.trim()) logical.push(pending);
      pending = undefined;
    }
  });
  const head = logical.shift();
  const v = head ? /^\s*version\s*=\s*(\d+)\s*$/.exec(head.text) : null;
  if (!head || !v)
    throw inputError('WATCH_NO_VERSION', `${file}: the first line must be "version=4"`, 'Start the file with version=4.', {
      file,
      line: head?.line ?? 1,
    });
  if (!['3', '4'].includes(v[1]!)) {
    throw inputError(
      'WATCH_VERSION_UNSUPPORTED',
      `${file}: watch file version ${v[1]} is not supported`,
      'Convert it to version=4 or the deb822 version 5.',
      { file, line: head.line },
    );
  }
  return logical.map(({ line, text: l }) => {
    let rest = l.trim();
    const options = new Map<string, string>();
    const o = /^opts\s*=\s*(?:"([^"]*)"|(\S+))\s*/.exec(rest);
    if (o) {
      for (const [k, val] of splitOptions(o[1] ?? o[2] ?? '')) options.set(k, val);
      rest = rest.slice(o[0].length);
    }
    const words = rest.split(/\s+/).filter(Boolean);
    let url = words[0] ?? '';
    let pattern = words[1] ?? '';
    if (!pattern || /^(debian|ignore|same|previous|group|checksum|\d[\w.~+-]*)$/.test(pattern)) {
      // "http://host/dir/pkg-(\d+)\.tar\.gz": the pattern is the URL's last path component.
      const slash = url.lastIndexOf('/');
      // A (group), or @ANY_VERSION@ which expands to one (gzip's watch).
      if (slash < 0 || !/[()]|@ANY_VERSION@/.test(url.slice(slash))) {
        if (options.get('mode') !== 'git')
          throw inputError(
            'WATCH_NO_PATTERN',
            `${file}:${line}: no matching pattern after ${url}`,
            'Add a regex with one (group) for the version.',
            { file, line },
          );
      } else {
        pattern = url.slice(slash + 1);
        url = url.slice(0, slash + 1);
      }
    }
    if (!url) throw inputError('WATCH_NO_URL', `${file}:${line}: no URL`, 'Write: [opts=...] URL PATTERN.', { file, line });
    return { line, options, url, pattern };
  });
}

/** Split `a=b, c=d,e` (values may hold commas inside s/// expressions). */
function splitOptions(s: string): Array<[string, string]> {
  return s
    .split(/,\s*(?=[A-Za-z][A-Za-z0-9-]*(?:=|,|$))/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return eq < 0 ? [p.toLowerCase(), ''] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()];
    });
}

function parseV5(text: string, file: string): Entry[] {
  const stanzas = parseDeb822(text, { source: file, comments: true });
  const [head, ...rest] = stanzas;
  const fieldMap = (s: (typeof stanzas)[number]) => new Map(s.fields.map(([k, v]) => [k.toLowerCase().replaceAll('-', ''), v.trim()]));
  if (!head || fieldMap(head).get('version') !== '5')
    throw inputError('WATCH_NO_VERSION', `${file}: the first stanza must be "Version: 5"`, 'Start the file with Version: 5.', {
      file,
      line: 1,
    });
  return rest.map((s) => {
    const f = fieldMap(s);
    const template = f.get('template')?.toLowerCase();
    if (template === 'github') {
      const dist =
        f.get('dist') ?? (f.get('owner') && f.get('project') ? `https://github.com/${f.get('owner')}/${f.get('project')}` : undefined);
      if (!dist)
        throw inputError(
          'WATCH_TEMPLATE_INCOMPLETE',
          `${file}:${s.line}: Template: GitHub needs Dist (or Owner and Project)`,
          'Add Dist: https://github.com/OWNER/PROJECT.',
          { file, line: s.line },
        );
      const url = `${dist.replace(/\/+$/, '')}/${/^(yes|1|true)$/i.test(f.get('releaseonly') ?? '') ? 'releases' : 'tags'}`;
      return { line: s.line, options: f, url, pattern: f.get('matchingpattern') ?? '.*/(?:refs/tags/)?v?@ANY_VERSION@@ARCHIVE_EXT@' };
    }
    const url = f.get('source') ?? '';
    if (!url)
      throw inputError('WATCH_NO_URL', `${file}:${s.line}: no Source field`, 'Add Source: with the upstream URL.', { file, line: s.line });
    return { line: s.line, options: f, url, pattern: f.get('matchingpattern') ?? '' };
  });
}

/** Perl `s/from/to/flags;...` → substitutions; `tr`/`y` and odd forms are warnings. */
export function perlSubstitutions(expr: string, warn: (w: string) => void): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = [];
  let s = expr.trim();
  while (s) {
    const open = s[1];
    if (s[0] !== 's' || !open) {
      warn(`cannot convert mangle rule ${JSON.stringify(s)} (only s/// is supported)`);
      break;
    }
    const pairs: Record<string, string> = { '{': '}', '(': ')', '[': ']', '<': '>' };
    const close = pairs[open] ?? open;
    const readPart = (from: number, end: string): [string, number] => {
      let i = from;
      let acc = '';
      while (i < s.length && s[i] !== end) {
        if (s[i] === '\\' && i + 1 < s.length) {
          acc += s[i + 1] === end ? end : s.slice(i, i + 2);
          i += 2;
        } else acc += s[i++];
      }
      return [acc, i];
    };
    const [from, i1] = readPart(2, close);
    let j = i1 + 1;
    if (pairs[open]) {
      while (s[j] === ' ') j++;
      j++; // opening delimiter of the replacement
    }
    const [to, i2] = readPart(j, close);
    let k = i2 + 1;
    while (k < s.length && /[a-z]/.test(s[k]!)) k++;
    const flags = s.slice(i2 + 1, k);
    if (flags.replace(/[gi]/g, '')) warn(`mangle rule s${open}${from}${open}${to}${open}${flags}: flags "${flags}" ignored`);
    out.push({ from: flags.includes('i') ? `(?i:${from})` : from, to: to.replace(/\$\{(\d+)\}/g, '$$$1').replace(/\\(\d)/g, '$$$1') });
    s = s.slice(k).replace(/^\s*;\s*/, '');
  }
  return out;
}

function expand(pattern: string, pkg: string): string {
  return pattern
    .replaceAll('@PACKAGE@', pkg.replace(/[.+]/g, '\\$&'))
    .replaceAll('@ANY_VERSION@', ANY_VERSION)
    .replaceAll('@ARCHIVE_EXT@', ARCHIVE_EXT)
    .replaceAll('@SIGNATURE_EXT@', SIGNATURE_EXT)
    .replaceAll('@DEB_EXT@', DEB_EXT);
}

/** Perl-only regex syntax JavaScript lacks, turned into what JS accepts where possible. */
function toJsRegex(pattern: string, where: string, file: string, line: number): string {
  const js = pattern.replace(/\(\?i\)/g, '').replace(/\\Q(.*?)\\E/g, (_, lit: string) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  try {
    new RegExp(js);
  } catch (e) {
    throw inputError(
      'WATCH_PATTERN_INVALID',
      `${file}:${line}: ${where} is not a regex pkgtrack can use: ${(e as Error).message}`,
      'Rewrite the pattern in a form JavaScript accepts.',
      { file, line },
    );
  }
  return js;
}

/** Make the first capturing group the named group `version`. */
function nameFirstGroup(re: string): string {
  if (re.includes('(?<version>')) return re;
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') {
      i++;
      continue;
    }
    if (re[i] === '[') {
      while (i < re.length && re[i] !== ']') i += re[i] === '\\' ? 2 : 1;
      continue;
    }
    if (re[i] === '(' && re[i + 1] !== '?') return `${re.slice(0, i)}(?<version>${re.slice(i + 1)}`;
  }
  return `(?<version>${re})`;
}

function convert(e: Entry, pkg: string, file: string, warnings: string[]): WatchImport {
  const warn = (w: string) => warnings.push(`${file}:${e.line}: ${w}`);
  const versions: WatchImport['versions'] = { mangle: [] };
  for (const [k, v] of e.options) {
    if (k === 'uversionmangle') versions.mangle.push(...perlSubstitutions(v, warn));
    else if (
      ['mode', 'pgpmode', 'pgpsigurlmangle', 'searchmode', 'component', 'ctype'].includes(k) ||
      ['source', 'matchingpattern', 'template', 'dist', 'owner', 'project', 'releaseonly', 'version'].includes(k)
    ) {
      if (k === 'pgpmode' && v !== 'none')
        warn(`pgpmode=${v}: set source.signatureUrl and source.upstreamKey in the recipe to keep checking upstream signatures`);
      if (k === 'component') warn(`component=${v}: multi-tarball sources are not imported`);
    } else if (k === 'versionmangle') {
      versions.mangle.push(...perlSubstitutions(v, warn));
      warn('versionmangle applied as uversionmangle only; check dversionmangle needs');
    } else warn(`option ${k}=${v} has no pkgtrack equivalent and was not imported`);
  }
  const mode = e.options.get('mode');
  const url = e.url.replaceAll('@PACKAGE@', pkg);
  const pattern = toJsRegex(expand(e.pattern, pkg), 'the matching pattern', file, e.line);
  const gh = /^https?:\/\/github\.com\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:\/(tags|releases)(?:\/.*)?)?\/?$/.exec(url);
  if (gh && mode !== 'git') {
    // Tag links look like .../archive/refs/tags/v1.2.tar.gz: keep only what names the tag.
    const tagRe = pattern
      .replace(/^(?:\\?\/)?(?:\.\*\??|\[\^\/\]\*)?(?:\\?\/)?/, '')
      .replace(/^(?:archive\\?\/)?(?:refs\\?\/tags\\?\/)?(?:\(\?:refs\\?\/tags\\?\/\)\?)?/, '')
      .replace(new RegExp(`(?:${ARCHIVE_EXT.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}|\\\\\\.(?:tar\\\\\\.(?:gz|xz|bz2)|zip|tgz))\\$?$`), '')
      .replace(/\$$/, '');
    const tagPattern = `^${nameFirstGroup(tagRe.replace(/^\.\*/, ''))}$`;
    let ok = true;
    try {
      new RegExp(tagPattern);
    } catch {
      ok = false;
    }
    if (ok) versions.tagPattern = tagPattern;
    else warn(`could not turn the pattern into a tag pattern; using the default`);
    return {
      upstream: { kind: 'github', repo: `${gh[1]}/${gh[2]}`, use: gh[3] === 'releases' ? 'releases' : 'tags', prereleases: false },
      versions,
      warnings,
    };
  }
  if (mode === 'git') {
    if (e.pattern) versions.tagPattern = `^${nameFirstGroup(pattern.replace(/^refs\\?\/tags\\?\//, ''))}$`;
    return { upstream: { kind: 'git', url }, versions, warnings };
  }
  if (!/^https?:\/\//.test(url)) {
    throw inputError('WATCH_URL_UNSUPPORTED', `${file}:${e.line}: ${url} is not an http(s) URL`, 'Use an http(s) index page or mode=git.', {
      file,
      line: e.line,
    });
  }
  // uscan matches the pattern against whole links, relative or absolute.
  const anchored = pattern.startsWith('http') || pattern.startsWith('/') ? `^${pattern}$` : `(?:^|/)${pattern}$`;
  return { upstream: { kind: 'http', url, pattern: nameFirstGroup(anchored) }, versions, warnings };
}
