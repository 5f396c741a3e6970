/**
 * Tiny Debian recipes for the buildd tests: the tinyhello upstream (test/helpers/tinyhello.ts)
 * packaged under another name, with the Build-Depends, debian/rules lines and recipe.yaml lines
 * a test needs.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll } from '../helpers/tinyhello.js';

export interface TinyRecipe {
  name: string;
  /** Build-Depends besides debhelper-compat (= 13). */
  buildDepends?: string[];
  /** Lines appended to debian/rules (make syntax: a tab before each command). */
  rules?: string[];
  /** Lines appended to recipe.yaml (targets:, build: ...). */
  yaml?: string[];
  /** Binary packages (name → Description), each Architecture: all; default one named as the recipe. */
  binaries?: Record<string, string>;
}

export const TINY_MAINTAINER = 'Tiny Builder <tiny@example.org>';

export function writeTinyRecipe(root: string, upstreamUrl: string, r: TinyRecipe): void {
  const dir = `recipes/${r.name}`;
  const binaries = r.binaries ?? { [r.name]: `${r.name} for the buildd tests` };
  writeAll(root, {
    [`${dir}/recipe.yaml`]: [
      `name: ${r.name}`,
      'upstream:',
      '  kind: git',
      `  url: ${upstreamUrl}`,
      'versions:',
      "  tagPattern: '^v(?<version>\\d+(\\.\\d+)+)$'",
      ...(r.yaml ?? ['build:', '  lintianFailOn: never']),
      '',
    ].join('\n'),
    [`${dir}/debian/control`]: [
      `Source: ${r.name}`,
      'Section: misc',
      'Priority: optional',
      `Maintainer: ${TINY_MAINTAINER}`,
      `Build-Depends: ${['debhelper-compat (= 13)', ...(r.buildDepends ?? [])].join(', ')}`,
      'Standards-Version: 4.7.0',
      'Rules-Requires-Root: no',
      ...Object.entries(binaries).flatMap(([pkg, desc]) => [
        '',
        `Package: ${pkg}`,
        'Architecture: all',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Debian substitution variable
        'Depends: ${misc:Depends}',
        `Description: ${desc}`,
        ' A tiny package of the buildd tests.',
      ]),
      '',
    ].join('\n'),
    [`${dir}/debian/rules`]: ['#!/usr/bin/make -f', '%:', '\tdh $@', ...(r.rules ?? []), ''].join('\n'),
    [`${dir}/debian/copyright`]:
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2026 Up\nLicense: MIT\n',
    [`${dir}/debian/source/format`]: '3.0 (quilt)\n',
  });
  chmodSync(join(root, dir, 'debian/rules'), 0o755);
}

/** yaml lines: lintian off, and `build:` settings given as yaml lines indented under it. */
export function buildYaml(...lines: string[]): string[] {
  return ['build:', '  lintianFailOn: never', ...lines.map((l) => `  ${l}`)];
}
