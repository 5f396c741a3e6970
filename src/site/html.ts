/**
 * Escaping by construction. `html\`...\`` escapes every interpolated value unless it is itself
 * a `Safe` produced by `html` (or the few vetted helpers below), so untrusted text from package
 * metadata can never become markup: a forgotten escape is impossible, not just unlikely.
 */

const SAFE = Symbol('safe-html');

export interface Safe {
  readonly [SAFE]: true;
  readonly value: string;
}

const safe = (value: string): Safe => ({ [SAFE]: true, value });

export const isSafe = (v: unknown): v is Safe => typeof v === 'object' && v !== null && SAFE in v;

const NEEDS_ESCAPE = /[&<>"'`\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Escape text for element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  // Most text needs nothing: one test instead of two replaces (10,000 package pages a cold publish).
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
}

export type HtmlValue = string | number | Safe | undefined | null | false | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafe(v)) return v.value;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Safe {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return safe(out);
}

/** Join already-built fragments. */
export const join = (parts: readonly Safe[], sep = ''): Safe => safe(parts.map((p) => p.value).join(sep));

/**
 * A URL for an href/src: site-relative paths (no scheme, no leading `//`) and absolute
 * http(s) URLs only. Anything else (`javascript:`, `data:`, odd schemes) becomes `#`.
 * Relative paths are percent-encoded segment by segment so a name like `a b` still resolves.
 */
export function safeUrl(url: string): string {
  if (/^https?:\/\/[^\s]+$/i.test(url)) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//') || url.startsWith('\\')) return '#';
  // Only characters encodeURIComponent keeps (and no %): the loop below would return it unchanged.
  if (PLAIN_PATH.test(url)) return url;
  const [path, frag] = url.split('#', 2) as [string, string | undefined];
  const enc = path
    .split('/')
    .map((seg) => encodeURIComponent(decodeURIComponentSafe(seg)))
    .join('/');
  return frag === undefined ? enc : `${enc}#${encodeURIComponent(frag)}`;
}

const PLAIN_PATH = /^[A-Za-z0-9._~!*'()/-]*$/;

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** An id attribute value derived from arbitrary text: [a-z0-9-] only, prefixed. */
export function idFor(prefix: string, text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${prefix}-${slug || 'x'}`;
}
