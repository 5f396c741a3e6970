/**
 * deb822 (Debian control syntax: control files, Packages, Sources, Release, .dsc, .sources).
 * Strict parse and safe write. Pure.
 *
 * Model: a stanza is an ordered list of [name, value]. `value` is the text after "Name:" with
 * one separating space and trailing whitespace removed; continuation lines follow after "\n" exactly
 * as written (their leading space kept, trailing whitespace removed) — so writing it back as
 * `${name}: ${value}` reproduces the canonical form apt-ftparchive writes.
 *
 * Strictness (hostile inputs): duplicate fields, a continuation line before any field,
 * field names outside policy's character set, NUL bytes, and (with `single`) more than one
 * stanza are errors naming the line. The writer refuses a value whose continuation lines do
 * not start with a blank or are empty: that is the "Description: x\n\nPackage: evil"
 * injection; use `multiline()` to escape free text.
 */
import { inputError } from '../core/errors.js';

export type Field = [name: string, value: string];

export interface Stanza {
  fields: Field[];
  /** 1-based line where the stanza starts in the source text. */
  line: number;
}

export interface ParseOptions {
  /** Name of the file, for errors. */
  source?: string;
  /** Allow '#' comment lines (debian/control allows them; Packages/Release do not). */
  comments?: boolean;
}

// Policy 5.1: printable US-ASCII except ':' and not starting with '#' or '-'.
const FIELD_NAME = /^[!-9;-~][!-9;-~]*$/;

export function parseDeb822(text: string, opts: ParseOptions = {}): Stanza[] {
  const source = opts.source ?? 'input';
  if (text.includes('\u0000')) throw bad(source, 1, 'contains a NUL byte', 'The file is binary or corrupt.');
  const out: Stanza[] = [];
  const lines = text.split('\n');
  let cur: Stanza | undefined;
  let seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const lineNo = i + 1;
    if (opts.comments && line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (cur) out.push(cur);
      cur = undefined;
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      const last = cur?.fields[cur.fields.length - 1];
      if (!last) throw bad(source, lineNo, 'continuation line without a field before it', 'Start the stanza with "Name: value".');
      last[1] += `\n${line.trimEnd()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(name) || name.startsWith('-') || name.startsWith('#')) {
      throw bad(
        source,
        lineNo,
        `not a "Field: value" line: ${JSON.stringify(line.slice(0, 60))}`,
        'Fix the syntax (deb822: Field: value, continuation lines start with a space).',
      );
    }
    if (!cur) {
      cur = { fields: [], line: lineNo };
      seen = new Set();
    }
    const key = name.toLowerCase();
    if (seen.has(key)) throw bad(source, lineNo, `duplicate field ${name}`, 'Keep one occurrence of the field.', name);
    seen.add(key);
    // One separating space is syntax; any further leading blanks are kept, because
    // apt-ftparchive copies them through ("Uploaders:  A <a@b>" stays as is).
    const rest = line.slice(colon + 1).trimEnd();
    cur.fields.push([name, rest.startsWith(' ') ? rest.slice(1) : rest]);
  }
  if (cur) out.push(cur);
  return out;
}

/** Exactly one stanza (a control file, a .dsc body): two is an error, not a merge. */
export function parseSingleStanza(text: string, opts: ParseOptions = {}): Stanza {
  const all = parseDeb822(text, opts);
  const source = opts.source ?? 'input';
  if (all.length === 0) throw bad(source, 1, 'no fields found', 'The file is empty.');
  if (all.length > 1) {
    throw bad(
      source,
      all[1]!.line,
      `a second stanza starts here where exactly one is expected`,
      'Remove the blank line that splits the stanza, or the extra stanza.',
    );
  }
  return all[0]!;
}

/**
 * The first stanza of `text` (debian/control's source paragraph, one Sources entry) as
 * field → value; `#` comment lines allowed, as debian/control allows them. {} when there is none.
 */
export function firstStanzaRecord(text: string, source: string): Record<string, string> {
  const [first] = parseDeb822(text.replace(/\r\n/g, '\n'), { source, comments: true });
  return first ? Object.fromEntries(first.fields) : {};
}

/** Value of a field (case-insensitive name) without leading blanks, or undefined. */
export function getField(s: Stanza | Field[], name: string): string | undefined {
  const fields = Array.isArray(s) ? s : s.fields;
  const k = name.toLowerCase();
  for (const f of fields) if (f[0].toLowerCase() === k) return f[1].replace(/^[ \t]+/, '');
  return undefined;
}

/** Check one field value is safe to write; returns the problem or undefined. */
export function valueProblem(value: string): string | undefined {
  if (value.includes('\r')) return 'contains a carriage return';
  if (value.includes('\u0000')) return 'contains a NUL byte';
  const lines = value.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') return 'contains an empty line (it would end the stanza)';
    if (l[0] !== ' ' && l[0] !== '\t') return 'has a line break not followed by a blank (it would start a new field)';
  }
  return undefined;
}

/** Render one stanza (no trailing blank line). Refuses unsafe names and values. */
export function writeStanza(fields: readonly Field[], source = 'output'): string {
  let out = '';
  for (const [name, value] of fields) {
    if (!FIELD_NAME.test(name))
      throw bad(source, 0, `invalid field name ${JSON.stringify(name)}`, 'Field names are printable ASCII without ":".', name);
    const p = valueProblem(value);
    if (p)
      throw bad(
        source,
        0,
        `field ${name} ${p}`,
        'Remove line breaks from the value, or write free text with continuation lines (" ." for empty ones).',
        name,
      );
    out += value === '' || value.startsWith('\n') ? `${name}:${value}\n` : `${name}: ${value}\n`;
  }
  return out;
}

/** Stanzas separated by one blank line, as in Packages/Sources. */
export function writeStanzas(stanzas: readonly (readonly Field[])[]): string {
  return stanzas.map((f) => writeStanza(f)).join('\n');
}

/** Escape free text (e.g. a long description) into a continuation-line value. */
export function multiline(first: string, body: readonly string[]): string {
  const head = first.replace(/[\r\n]+/g, ' ').trim();
  const rest = body.map((l) => {
    const t = l.replace(/[\r\n]+/g, ' ').trimEnd();
    return t.trim() === '' ? ' .' : ` ${t}`;
  });
  return [head, ...rest].join('\n');
}

function bad(source: string, line: number, what: string, fix: string, field?: string) {
  return inputError('DEB822_SYNTAX', what, fix, {
    file: source,
    ...(line ? { line } : {}),
    ...(field ? { field } : {}),
  });
}
