/**
 * The OpenPGP cleartext signature framework (RFC 9580 §7), written and read by hand so that the
 * signed text is byte-for-byte what the caller gave us and the framing is exactly what apt's
 * strict InRelease parser accepts. openpgp.js's own CleartextMessage strips trailing spaces from
 * the text it emits and normalises line endings, so its output would not round-trip.
 *
 * Pure: strings in, strings out.
 */

export const BEGIN_SIGNED = '-----BEGIN PGP SIGNED MESSAGE-----';
export const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
export const END_SIGNATURE = '-----END PGP SIGNATURE-----';

/**
 * The text a cleartext signature is computed over, before openpgp.js turns `\n` into `\r\n`:
 * every line loses its trailing spaces, tabs and carriage return (RFC 9580 §7.2).
 */
export function canonicalSignedText(text: string): string {
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t\r]+$/, ''))
    .join('\n');
}

/** Lines beginning with '-' are prefixed with "- " (dash-escaping). */
export function dashEscape(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('-') ? `- ${l}` : l))
    .join('\n');
}

/**
 * The signed text of a cleartext message made from `text`, following GnuPG: the line break
 * before BEGIN PGP SIGNATURE belongs to the framing, so a text ending in "\n" is framed without
 * an extra empty line and its final "\n" is not covered (exactly what `gpg --clearsign` does
 * with a Release file, and what `gpgv --output` gives back). A text without a final newline is
 * covered whole.
 */
export function signedBody(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** Frame `text` and an armored detached text-mode signature over `canonicalSignedText(signedBody(text))`. */
export function frameCleartext(text: string, hashNames: readonly string[], armoredSignature: string): string {
  const hashHeader = hashNames.length ? `Hash: ${[...new Set(hashNames)].join(',')}\n` : '';
  const sig = armoredSignature.endsWith('\n') ? armoredSignature : `${armoredSignature}\n`;
  return `${BEGIN_SIGNED}\n${hashHeader}\n${dashEscape(signedBody(text))}\n${sig}`;
}

export interface ParsedCleartext {
  /** The signed text with dash-escaping undone: what the signature covers (before canonicalisation). */
  text: string;
  /** The text as a file, as `gpgv --output` writes it: `text` plus a final "\n". */
  fileText: string;
  /** 1-based line of the file where the signed text starts. */
  textStartLine: number;
  /** Values of the Hash: armor headers. */
  hashes: string[];
  /** The armored signature block, BEGIN to END line inclusive, plus a final newline. */
  signatureArmor: string;
}

/** One precise thing wrong with a cleartext-signed file, with its 1-based line. */
export interface CleartextProblem {
  code: string;
  message: string;
  line?: number;
}

export type CleartextParse = { ok: true; value: ParsedCleartext } | { ok: false; problem: CleartextProblem };

const fail = (code: string, message: string, line?: number): CleartextParse => ({
  ok: false,
  problem: { code, message, ...(line !== undefined ? { line } : {}) },
});

/**
 * Parse a cleartext-signed message as strictly as apt does: nothing before the BEGIN line,
 * only `Hash:` armor headers, every line that starts with '-' in the text dash-escaped, exactly
 * one signature block and nothing but (optionally) empty lines after its END line.
 */
export function parseCleartextStrict(input: string): CleartextParse {
  // Lines as written, tolerating CRLF on the framing lines only.
  const lines = input.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bare = (i: number) => (lines[i] ?? '').replace(/\r$/, '');
  if (lines.length === 0) return fail('CLEARTEXT_EMPTY', 'the file is empty');
  if (bare(0) !== BEGIN_SIGNED) {
    const at = lines.findIndex((l) => l.replace(/\r$/, '') === BEGIN_SIGNED);
    if (at > 0) return fail('CLEARTEXT_TEXT_BEFORE', `${at} line(s) of unsigned text before "${BEGIN_SIGNED}"`, 1);
    return fail('CLEARTEXT_NO_BEGIN', `the first line is not "${BEGIN_SIGNED}"`, 1);
  }
  let i = 1;
  const hashes: string[] = [];
  for (; i < lines.length && bare(i) !== ''; i++) {
    const m = /^Hash: (.+)$/.exec(bare(i));
    if (!m) return fail('CLEARTEXT_BAD_HEADER', `unexpected armor header "${bare(i)}" (only "Hash:" is allowed)`, i + 1);
    hashes.push(...m[1]!.split(',').map((h) => h.trim()));
  }
  if (i >= lines.length) return fail('CLEARTEXT_NO_TEXT', 'no empty line after the armor headers', i + 1);
  i++; // the empty line
  const textStartLine = i + 1;
  const textLines: string[] = [];
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (bare(i) === BEGIN_SIGNATURE) break;
    if (line.startsWith('- ')) textLines.push(line.slice(2));
    else if (line.startsWith('-'))
      return fail('CLEARTEXT_NOT_DASH_ESCAPED', `line starts with '-' but is not dash-escaped: "${line.slice(0, 60)}"`, i + 1);
    else textLines.push(line);
  }
  if (i >= lines.length) return fail('CLEARTEXT_NO_SIGNATURE', `no "${BEGIN_SIGNATURE}" line`);
  const sigStart = i;
  for (; i < lines.length && bare(i) !== END_SIGNATURE; i++) {
    if (bare(i) === BEGIN_SIGNED || bare(i) === BEGIN_SIGNATURE) {
      if (i !== sigStart) return fail('CLEARTEXT_NESTED', 'a second armor block starts inside the signature', i + 1);
    }
  }
  if (i >= lines.length) return fail('CLEARTEXT_UNTERMINATED', `no "${END_SIGNATURE}" line`, sigStart + 1);
  const sigEnd = i;
  for (let j = sigEnd + 1; j < lines.length; j++) {
    if (bare(j).trim() !== '') return fail('CLEARTEXT_TEXT_AFTER', `unsigned text after the signature: "${bare(j).slice(0, 60)}"`, j + 1);
  }
  const signatureArmor = `${lines
    .slice(sigStart, sigEnd + 1)
    .map((l) => l.replace(/\r$/, ''))
    .join('\n')}\n`;
  const text = textLines.join('\n');
  return { ok: true, value: { text, fileText: `${text}\n`, textStartLine, hashes, signatureArmor } };
}
