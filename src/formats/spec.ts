/**
 * RPM spec files as text: just enough structure to rewrite a template safely. We find the main
 * preamble's tag lines (`Version:`, `Source0:`, `Patch3:` ...), the section headers (`%prep`,
 * `%changelog` ...) and the setup macro in `%prep`; everything else passes through untouched.
 * Pure: strings in, strings out.
 */

/** Section headers that end the main preamble or a previous section. */
const SECTION_NAMES = new Set([
  'package',
  'description',
  'prep',
  'conf',
  'generate_buildrequires',
  'build',
  'install',
  'check',
  'clean',
  'files',
  'changelog',
  'pre',
  'post',
  'preun',
  'postun',
  'pretrans',
  'posttrans',
  'preuntrans',
  'postuntrans',
  'verifyscript',
  'triggerprein',
  'triggerin',
  'triggerun',
  'triggerpostun',
  'filetriggerin',
  'filetriggerun',
  'filetriggerpostun',
  'transfiletriggerin',
  'transfiletriggerun',
  'transfiletriggerpostun',
  'patchlist',
  'sourcelist',
]);

export interface SpecTagLine {
  /** 0-based line index in the spec. */
  index: number;
  /** Tag name in lower case, without its number: `source`, `patch`, `version`. */
  tag: string;
  /** The number of `Source1:`/`Patch12:`; undefined for `Source:`/`Patch:`. */
  number?: number;
  value: string;
}

export interface SpecSection {
  index: number;
  /** Section name without `%`, e.g. `prep`, `files`. */
  name: string;
  /** The rest of the header line, e.g. `-n devel` or `-f files.list`. */
  args: string;
}

export interface SpecOutline {
  lines: string[];
  /** Tag lines of the main package's preamble (before the first section), in order. */
  preamble: SpecTagLine[];
  sections: SpecSection[];
}

const TAG_LINE = /^([A-Za-z][A-Za-z]*?)(\d*)(\([^)]*\))?\s*:\s*(.*?)\s*$/;
const SECTION_LINE = /^%([a-z_]+)(?:\s+(.*?))?\s*$/;

export function parseSpecOutline(text: string): SpecOutline {
  const lines = text.split('\n');
  const preamble: SpecTagLine[] = [];
  const sections: SpecSection[] = [];
  lines.forEach((line, index) => {
    const s = SECTION_LINE.exec(line);
    if (s && SECTION_NAMES.has(s[1]!)) {
      sections.push({ index, name: s[1]!, args: s[2] ?? '' });
      return;
    }
    if (sections.length > 0) return;
    const t = TAG_LINE.exec(line);
    if (!t) return;
    const tag: SpecTagLine = { index, tag: t[1]!.toLowerCase(), value: t[4] ?? '' };
    if (t[2]) tag.number = Number(t[2]);
    preamble.push(tag);
  });
  return { lines, preamble, sections };
}

/** First main-preamble line for `tag` (lower case), and for `source`/`patch` the given number. */
export function findTag(outline: SpecOutline, tag: string, number?: number): SpecTagLine | undefined {
  return outline.preamble.find((t) => t.tag === tag && (number === undefined || (t.number ?? 0) === number));
}

/** Lines [start, end) of a section: from its header to the next header or the end. */
export function sectionRange(outline: SpecOutline, name: string): { start: number; end: number } | undefined {
  const i = outline.sections.findIndex((s) => s.name === name && s.args === '');
  if (i < 0) return undefined;
  const start = outline.sections[i]!.index;
  const end = outline.sections[i + 1]?.index ?? outline.lines.length;
  return { start, end };
}

export interface SetupMacro {
  index: number;
  macro: 'autosetup' | 'setup';
  args: string[];
  /** The `-p` strip level given to %autosetup, if any. */
  strip?: number;
}

/** The `%autosetup`/`%setup` line(s) in %prep. */
export function findSetupMacros(outline: SpecOutline): SetupMacro[] {
  const range = sectionRange(outline, 'prep');
  if (!range) return [];
  const out: SetupMacro[] = [];
  for (let i = range.start + 1; i < range.end; i++) {
    const m = /^\s*%(?:\{)?(autosetup|setup)\}?(?:\s+(.*))?$/.exec(outline.lines[i]!);
    if (!m) continue;
    const args = (m[2] ?? '').trim().split(/\s+/).filter(Boolean);
    const found: SetupMacro = { index: i, macro: m[1] as SetupMacro['macro'], args };
    for (let k = 0; k < args.length; k++) {
      const p = /^-p(\d+)$/.exec(args[k]!);
      if (p) found.strip = Number(p[1]);
      else if (args[k] === '-p' && /^\d+$/.test(args[k + 1] ?? '')) found.strip = Number(args[k + 1]);
    }
    out.push(found);
  }
  return out;
}

/** Lines that apply patches by hand (`%patch0 -p1`, `%patch -P 1`, `%autopatch`), in %prep. */
export function findPatchMacros(outline: SpecOutline): number[] {
  const range = sectionRange(outline, 'prep');
  if (!range) return [];
  const out: number[] = [];
  for (let i = range.start + 1; i < range.end; i++) {
    if (/^\s*%\{?(patch\d*|autopatch)\b/.test(outline.lines[i]!)) out.push(i);
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `%changelog` date, e.g. `Sat Nov 21 2026` (UTC; rpm keeps only the day). */
export function formatChangelogDate(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${date.getUTCFullYear()}`;
}

/** `%` starts a macro everywhere in a spec, comments and %changelog included: double it. */
export function escapeMacros(text: string): string {
  return text.replaceAll('%', '%%');
}

export interface ChangelogEntry {
  date: Date;
  /** `Full Name <email>`. */
  author: string;
  /** `version-release` the entry describes. */
  evr: string;
  /** One line per bullet; `%` is escaped here. */
  items: readonly string[];
}

export function renderChangelogEntry(e: ChangelogEntry): string {
  const head = `* ${formatChangelogDate(e.date)} ${e.author} - ${e.evr}`;
  // One line per item: a line break could start a new entry or section.
  return [head, ...e.items.map((i) => `- ${escapeMacros(i.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())}`)].join('\n');
}

/**
 * BuildRequires of every package in the spec, as dependency strings (`gcc`, `make >= 4`), in
 * order and without duplicates. Lines inside conditionals count (we do not evaluate them).
 */
export function specBuildRequires(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^BuildRequires\s*:\s*(.*?)\s*$/i.exec(line);
    if (!m) continue;
    // Entries are separated by commas or white space; "name op version" stays together.
    const tokens = m[1]!.split(/[\s,]+/).filter(Boolean);
    for (let i = 0; i < tokens.length; i++) {
      let dep = tokens[i]!;
      if (/^(<|>|<=|>=|=)$/.test(tokens[i + 1] ?? '') && tokens[i + 2]) {
        dep = `${dep} ${tokens[i + 1]} ${tokens[i + 2]}`;
        i += 2;
      }
      if (!out.includes(dep)) out.push(dep);
    }
  }
  return out;
}
