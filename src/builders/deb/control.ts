/**
 * Reading debian/control for what the dependency image needs: the source paragraph's
 * Build-Depends, Build-Depends-Arch and Build-Depends-Indep, split into relations. Pure.
 */
import { inputError } from '../../core/errors.js';
import { getField, parseDeb822 } from '../../formats/deb822.js';

const FIELDS = ['build-depends', 'build-depends-arch', 'build-depends-indep'];

/** The first (source) paragraph of a deb822 file as lower-cased field → value, with line numbers. */
export function sourceParagraph(text: string, file: string): Map<string, { value: string; line: number }> {
  const fields = new Map<string, { value: string; line: number }>();
  let current: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (fields.size > 0) break;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (!current)
        throw inputError('CONTROL_SYNTAX', 'continuation line before any field', 'Start the paragraph with "Source: <name>".', {
          file,
          line: i + 1,
        });
      const f = fields.get(current)!;
      f.value += `\n${line.trim()}`;
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):(.*)$/.exec(line);
    if (!m)
      throw inputError(
        'CONTROL_SYNTAX',
        `not a "Field: value" line: ${JSON.stringify(line.slice(0, 60))}`,
        'Fix the line, or indent it to continue the previous field.',
        { file, line: i + 1 },
      );
    current = m[1]!.toLowerCase();
    fields.set(current, { value: m[2]!.trim(), line: i + 1 });
  }
  return fields;
}

/**
 * Build dependency relations, one string per comma-separated element, whitespace normalised,
 * in file order (e.g. `debhelper-compat (= 13)`, `texinfo`, `libfoo-dev | libbar-dev`).
 * apt-get satisfy understands them as written, alternatives and restrictions included.
 */
export function parseBuildDepends(text: string, file = 'debian/control'): string[] {
  const para = sourceParagraph(text, file);
  if (!para.has('source')) {
    throw inputError('CONTROL_NO_SOURCE', 'debian/control has no Source paragraph first', 'Start debian/control with "Source: <name>".', {
      file,
      line: 1,
    });
  }
  const out: string[] = [];
  for (const f of FIELDS) {
    const v = para.get(f);
    if (!v) continue;
    for (const rel of v.value.split(',')) {
      const r = rel.replace(/\s+/g, ' ').trim();
      if (!r) continue;
      if (/[;"'`$\\]/.test(r)) {
        throw inputError(
          'CONTROL_BAD_RELATION',
          `unexpected character in build dependency ${JSON.stringify(r)}`,
          'Write relations as "name (op version) [arch] <profile>".',
          {
            file,
            line: v.line,
            field: f,
          },
        );
      }
      out.push(r);
    }
  }
  return out;
}

/** The Architecture field of each binary paragraph of debian/control (`any`, `all`, `amd64 arm64`, ...). Pure. */
export function binaryArchitectures(text: string, file: string): string[] {
  const stanzas = parseDeb822(text, { source: file, comments: true });
  return stanzas.slice(1).map((s) => (getField(s, 'Architecture') ?? '').trim());
}

/** True when every binary package is `Architecture: all`: one build (on the target's first architecture) makes them all. */
export function onlyArchIndependent(text: string, file: string): boolean {
  const arches = binaryArchitectures(text, file);
  return arches.length > 0 && arches.every((a) => a === 'all');
}

/** The binary package names of debian/control, in file order. Pure. */
export function binaryPackages(text: string, file: string): string[] {
  const stanzas = parseDeb822(text, { source: file, comments: true });
  return stanzas
    .slice(1)
    .map((s) => (getField(s, 'Package') ?? '').trim())
    .filter(Boolean);
}

/**
 * The package names a list of relations names, every alternative included, without versions,
 * architecture qualifiers or restrictions: `libfoo-dev:any (>= 1) [amd64] <!nocheck> | libbar-dev`
 * → libfoo-dev, libbar-dev. Pure.
 */
export function relationPackageNames(relations: readonly string[]): string[] {
  const names = relations.flatMap((r) => r.split('|').map((alt) => /^\s*([a-z0-9][a-z0-9+.-]*)/.exec(alt)?.[1] ?? ''));
  return [...new Set(names.filter(Boolean))];
}
