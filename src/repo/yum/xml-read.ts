/**
 * A small, strict-enough XML reader for the documents yum metadata consists of (repomd.xml,
 * primary/filelists/other): elements, attributes, text, the five named entities and numeric
 * character references. No DTDs, no CDATA (createrepo_c writes none). Used by `repo verify`
 * and by the tests that compare our metadata with createrepo_c's.
 */
import { inputError } from '../../core/errors.js';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith('#')) {
      const cp = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      // Past U+10FFFF String.fromCodePoint throws a RangeError: kept as written, like an unknown entity.
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

// A name starts only after a space or a quote and holds no quote: else a long run of name
// characters with no `=` is retried from each of its positions, quadratic (40 kB took 2 s).
const ATTR = /(?<![^\s"'])([^\s="']+)\s*=\s*("([^"]*)"|'([^']*)')/g;

/** Parse a whole document; returns its root element. `source` names the file in errors. */
export function parseXml(text: string, source = 'xml'): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let i = 0;
  const fail = (what: string) =>
    inputError('XML_MALFORMED', `${source}: ${what} at character ${i}`, 'Regenerate the metadata; the file is damaged or not XML.', {
      file: source,
      offset: i,
    });
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1]!;
    if (lt < 0) {
      top.text += decodeEntities(text.slice(i));
      break;
    }
    if (lt > i) top.text += decodeEntities(text.slice(i, lt));
    i = lt;
    if (text.startsWith('<?', i)) {
      const e = text.indexOf('?>', i);
      if (e < 0) throw fail('unterminated processing instruction');
      i = e + 2;
    } else if (text.startsWith('<!--', i)) {
      const e = text.indexOf('-->', i);
      if (e < 0) throw fail('unterminated comment');
      i = e + 3;
    } else if (text.startsWith('</', i)) {
      const e = text.indexOf('>', i);
      // Without this the parse went back to character 0 (e + 1) and looped for ever.
      if (e < 0) throw fail('unterminated end tag');
      const name = text.slice(i + 2, e).trim();
      const open = stack.pop();
      if (!open || open.name !== name || stack.length === 0) throw fail(`unexpected </${name}>`);
      i = e + 1;
    } else {
      const e = text.indexOf('>', i);
      if (e < 0) throw fail('unterminated tag');
      let body = text.slice(i + 1, e);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const sp = body.search(/\s/);
      const name = sp < 0 ? body : body.slice(0, sp);
      const attrs: Record<string, string> = {};
      if (sp >= 0) for (const m of body.slice(sp).matchAll(ATTR)) attrs[m[1]!] = decodeEntities(m[3] ?? m[4] ?? '');
      const el: XmlElement = { name, attrs, children: [], text: '' };
      top.children.push(el);
      if (!selfClosing) stack.push(el);
      i = e + 1;
    }
  }
  if (stack.length !== 1) throw fail(`unclosed <${stack[stack.length - 1]!.name}>`);
  const r = root.children[0];
  if (!r) throw fail('no root element');
  return r;
}

export const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
