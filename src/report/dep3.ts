/**
 * DEP-3 forwarding facts, read the way lintian reads them (Lintian::Check::Debian::Patches::Dep3):
 * the header is everything before the first line starting with `---`, parsed as deb822
 * paragraphs; a line that is not a field, a continuation or a comment makes the whole header
 * unreadable. Field names are case-insensitive; the last mention wins. Pure.
 *
 * The richer header model (descriptions, authors, git headers) lives in src/patches/header.ts;
 * this reader exists because "was it forwarded?" must agree with Debian's own tooling.
 */

export interface Dep3Facts {
  /** False when the header is not readable deb822 (lintian then says nothing about it). */
  readable: boolean;
  /** Why the header could not be read, with the 1-based line. */
  error?: { line: number; message: string };
  /** Last mention of each field, lower-cased name → value (continuations joined with \n). */
  fields: Map<string, string>;
}

export function readDep3(bytes: Uint8Array | string): Dep3Facts {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const cut = /^---/m.exec(text);
  const header = cut ? text.slice(0, cut.index) : text;
  const fields = new Map<string, string>();
  if (!header.length) return { readable: false, error: { line: 1, message: 'no header before the diff' }, fields };
  const lines = header.split('\n');
  let paragraph = new Map<string, string>();
  let open = false;
  let last: string | undefined;
  const close = () => {
    for (const [k, v] of paragraph) fields.set(k, v);
    paragraph = new Map();
    open = false;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const n = i + 1;
    if (line.startsWith('#')) continue;
    if (/^\s*$/.test(line)) {
      if (open) close();
      continue;
    }
    const field = /^([^: \t]+):\s*(.*)$/.exec(line);
    if (field) {
      const name = field[1]!.toLowerCase();
      if (paragraph.has(name)) return { readable: false, error: { line: n, message: `duplicate field ${field[1]}` }, fields: new Map() };
      paragraph.set(name, field[2]!.replace(/\s+$/, ''));
      open = true;
      last = name;
      continue;
    }
    if (/^[ \t].*\S/.test(line)) {
      if (!open || !last)
        return { readable: false, error: { line: n, message: 'continuation line outside a paragraph' }, fields: new Map() };
      paragraph.set(last, `${paragraph.get(last)}\n${line.trim()}`);
      continue;
    }
    return {
      readable: false,
      error: { line: n, message: `not a "Field: value" line: ${JSON.stringify(line.slice(0, 60))}` },
      fields: new Map(),
    };
  }
  if (open) close();
  if (fields.size === 0) return { readable: false, error: { line: 1, message: 'no DEP-3 fields' }, fields };
  return { readable: true, fields };
}

/** The same verdict as lintian's `patch-not-forwarded-upstream`. */
export function lintianNotForwarded(f: Dep3Facts): boolean {
  if (!f.readable) return false;
  const category = (f.fields.get('origin') ?? '').split(/\s*,\s*/)[0] ?? '';
  if (category === 'upstream' || category === 'backport') return false;
  const forwarded = f.fields.get('forwarded') ?? '';
  return forwarded === 'no' || ![f.fields.get('applied-upstream'), f.fields.get('bug'), forwarded].some((v) => v && v.length > 0);
}
