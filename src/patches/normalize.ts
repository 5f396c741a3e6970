/**
 * Rewriting a patch made for -pN into the -p1 form dpkg-source requires (it ignores -pN in
 * debian/patches/series and always runs patch -p1): file names in ---/+++ and git headers
 * become a/<path> and b/<path>. The header and the hunks are kept byte for byte. Pure.
 */
import { inputError } from '../core/errors.js';
import { diffStartLine } from './header.js';

function strip(name: string, n: number): string {
  let rest = name;
  for (let k = 0; k < n; k++) {
    const i = rest.indexOf('/');
    if (i < 0)
      throw inputError('PATCH_STRIP', `cannot strip ${n} component(s) from ${JSON.stringify(name)}`, 'Fix the -pN level in the series.');
    rest = rest.slice(i + 1).replace(/^\/+/, '');
  }
  return rest;
}

export function rewriteStrip(bytes: Uint8Array, fromStrip: number): Buffer {
  const text = Buffer.from(bytes).toString('latin1');
  if (fromStrip === 1) return Buffer.from(text, 'latin1');
  const lines = text.split('\n');
  const start = diffStartLine(lines);
  let inHunk = 0;
  for (let i = start; i < lines.length; i++) {
    const l = lines[i]!;
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(l);
    if (hunk) {
      inHunk = Number(hunk[1] ?? 1) + Number(hunk[2] ?? 1);
      continue;
    }
    if (inHunk > 0) {
      if (l.startsWith('\\')) continue;
      inHunk -= l.startsWith('+') || l.startsWith('-') ? 1 : 2;
      continue;
    }
    const m = /^(---|\+\+\+) (\S+)(.*)$/.exec(l);
    if (m && (m[1] === '---' ? lines[i + 1]?.startsWith('+++ ') : lines[i - 1]?.startsWith('--- '))) {
      if (m[2] === '/dev/null') continue;
      lines[i] = `${m[1]} ${m[1] === '---' ? 'a' : 'b'}/${strip(m[2]!, fromStrip)}${m[3]}`;
    }
  }
  return Buffer.from(lines.join('\n'), 'latin1');
}
