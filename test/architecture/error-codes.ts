/**
 * The error-code catalogue (src/core/error-codes.ts) and the codes src/ raises. Run as a script
 * (`npm run error-codes`) it rewrites the catalogue; test/architecture/error-codes.test.ts
 * fails when the two differ or when one subject's codes spell the same fault two ways.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CATALOGUE = join(ROOT, 'src', 'core', 'error-codes.ts');

// A code is UPPER_SNAKE, named as the first argument of a call (inputError('X', …), fail('X', …))
// or as the value of `code:` / `errorCode:`, also in a ternary (`code: a ? 'X_NOT_FOUND' : 'X_FAILED'`).
const CALL = /\b\w+\(\s*'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;
const FIELD = /\b(?:code|errorCode):\s*([^,\n}]*)/g;
const LITERAL = /'([A-Z][A-Z0-9_]*)'/g;
/** UPPER_SNAKE strings in those places that are not error codes. */
const NOT_CODES = new Set(['PKGTRACK_KEY_PASSPHRASE']);

/** Every code src/ uses → the files that use it. */
export function collectCodes(srcDir = join(ROOT, 'src')): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && p !== CATALOGUE) {
        const text = readFileSync(p, 'utf8');
        const add = (code: string) => {
          if (NOT_CODES.has(code)) return;
          const files = codes.get(code) ?? new Set<string>();
          files.add(relative(ROOT, p));
          codes.set(code, files);
        };
        for (const m of text.matchAll(CALL)) add(m[1]!);
        for (const m of text.matchAll(FIELD)) for (const l of m[1]!.matchAll(LITERAL)) add(l[1]!);
      }
    }
  };
  walk(srcDir);
  return codes;
}

export function catalogueText(codes: Iterable<string>): string {
  return [
    '/**',
    ' * Every error code pkgtrack raises, in one place: a code not listed here does not compile.',
    ' * Written by `npm run error-codes` from the codes src/ uses. A code names its subject first,',
    ' * then what is wrong: DSC_MISSING_FIELD, REPO_NOT_FOUND, KEY_FILE_EXISTS, RECIPE_SPEC_MISSING.',
    ' */',
    'export const ERROR_CODES = [',
    ...[...codes].sort().map((n) => `  '${n}',`),
    '] as const;',
    '',
    'export type ErrorCode = (typeof ERROR_CODES)[number];',
    '',
  ].join('\n');
}

/** Groups of codes that say the same thing in different word orders (X_NO_Y, X_Y_MISSING, X_MISSING_Y). */
export function spellingDrift(codes: Iterable<string>): string[][] {
  const byMeaning = new Map<string, string[]>();
  for (const c of codes) {
    const key = c.replace(/_NO_([A-Z0-9_]+)$/, '_$1_MISSING').replace(/_MISSING_([A-Z0-9_]+)$/, '_$1_MISSING');
    byMeaning.set(key, [...(byMeaning.get(key) ?? []), c]);
  }
  return [...byMeaning.values()].filter((g) => g.length > 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const codes = collectCodes();
  writeFileSync(CATALOGUE, catalogueText(codes.keys()));
  console.log(`${relative(ROOT, CATALOGUE)}: ${codes.size} codes`);
}
