/**
 * tinyc: the smallest real compiled package the container tests build (one C program,
 * `Architecture: any`, plain dh with debhelper compat 13, so dh_strip makes tinyc-dbgsym), from a
 * local upstream git repository tagged v1.0, in a recipes repository signed with
 * keys/signing.key (passphrase in $PKGTRACK_KEY_PASSPHRASE; generate it with `key generate`).
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitRecipeHead, writeAll } from './tinyhello.js';

/** The upstream at `dir`: tinyc prints how wide its pointers are ("tinyc runs on 64-bit"). */
function writeTinycUpstream(dir: string): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  writeAll(dir, {
    'tinyc.c': '#include <stdio.h>\nint main(void) { printf("tinyc runs on %d-bit\\n", (int)(8 * sizeof(void *))); return 0; }\n',
    Makefile:
      'all: tinyc\ntinyc: tinyc.c\n\t$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<\ninstall:\n\tinstall -D -m 0755 tinyc $(DESTDIR)/usr/bin/tinyc\n',
  });
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', '1.0');
  git(dir, 'tag', 'v1.0');
}

/**
 * `<work>/recipes` (returned): pkgtrack.yaml (name t, debian:bookworm, output public) and
 * recipes/tinyc built for `arches` (default: the host's), upstream in `<work>/upstream`.
 */
export function tinycRecipesRepo(work: string, opts: { arches?: string[] } = {}): string {
  const upstream = join(work, 'upstream');
  writeTinycUpstream(upstream);
  const root = join(work, 'recipes');
  writeAll(root, {
    'pkgtrack.yaml':
      'name: t\norigin: t\nlabel: t\nmaintainer: Acme Packagers <pkg@example.org>\noutput: public\ntargets: [debian:bookworm]\nsigning:\n  key: keys/signing.key\n  passphraseEnv: PKGTRACK_KEY_PASSPHRASE\n',
    'recipes/tinyc/recipe.yaml': [
      ...gitRecipeHead('tinyc', 'tiny compiled greeting', upstream),
      'targets: [debian:bookworm]',
      ...(opts.arches ? [`arches: [${opts.arches.join(', ')}]`] : []),
      'build:',
      '  lintianFailOn: never',
      '',
    ].join('\n'),
    'recipes/tinyc/debian/control': `Source: tinyc\nSection: misc\nPriority: optional\nMaintainer: Acme Packagers <pkg@example.org>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.7.0\nRules-Requires-Root: no\n\nPackage: tinyc\nArchitecture: any\nDepends: \${shlibs:Depends}, \${misc:Depends}\nDescription: tiny compiled greeting\n Says how wide its pointers are.\n`,
    'recipes/tinyc/debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'recipes/tinyc/debian/copyright':
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2026 Up\nLicense: MIT\n',
    'recipes/tinyc/debian/source/format': '3.0 (quilt)\n',
    'recipes/tinyc/patches/series': '',
  });
  chmodSync(join(root, 'recipes/tinyc/debian/rules'), 0o755);
  return root;
}
