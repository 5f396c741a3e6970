/**
 * tinyhello: the smallest real package the container tests build (a shell script, deb and rpm
 * packaging, Architecture: all / noarch), from a local upstream git repository with v<version> tags.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.org',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.org',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });

export function writeAll(root: string, files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

/** An upstream repository at `dir` whose tinyhello prints "tinyhello <text>". */
export class TinyUpstream {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    git(dir, 'init', '-q', '-b', 'main');
    writeFileSync(join(dir, 'Makefile'), 'all:\n\t@true\ninstall:\n\tinstall -D -m 0755 tinyhello $(DESTDIR)/usr/bin/tinyhello\n');
  }
  commit(text: string): void {
    writeFileSync(join(this.dir, 'tinyhello'), `#!/bin/sh\necho "tinyhello ${text}"\n`);
    chmodSync(join(this.dir, 'tinyhello'), 0o755);
    git(this.dir, 'add', '.');
    git(this.dir, 'commit', '-q', '-m', text);
  }
  release(version: string): void {
    this.commit(version);
    git(this.dir, 'tag', `v${version}`);
  }
  head(): string {
    return git(this.dir, 'rev-parse', 'HEAD').trim();
  }
}

/** The first lines of a recipe.yaml following a local git upstream's v<version> tags, revision 1. */
export function gitRecipeHead(name: string, summary: string, upstream: string): string[] {
  return [
    `name: ${name}`,
    `summary: ${summary}`,
    'license: MIT',
    'upstream:',
    '  kind: git',
    `  url: ${upstream}`,
    'versions:',
    "  tagPattern: '^v(?<version>\\d+(\\.\\d+)+)$'",
    'revision: "1"',
  ];
}

/** recipes/tinyhello in the recipes repository at `root`: stable releases, and trunk when asked. */
export function writeTinyhelloRecipe(root: string, upstream: string, opts: { trunk?: boolean; maintainer?: string } = {}): void {
  const maintainer = opts.maintainer ?? 'Acme Packagers <pkg@example.org>';
  writeAll(root, {
    'recipes/tinyhello/recipe.yaml': [
      ...gitRecipeHead('tinyhello', 'tiny greeting', upstream),
      'channels:',
      '  stable:',
      '    enabled: true',
      ...(opts.trunk ? ['  trunk:', '    enabled: true', '    branch: main'] : []),
      'build:',
      '  lintianFailOn: never',
      '',
    ].join('\n'),
    'recipes/tinyhello/debian/control': `Source: tinyhello\nSection: misc\nPriority: optional\nMaintainer: ${maintainer}\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.7.0\nRules-Requires-Root: no\n\nPackage: tinyhello\nArchitecture: all\nDepends: \${misc:Depends}\nDescription: tiny greeting\n Prints which upstream version it was built from.\n`,
    'recipes/tinyhello/debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'recipes/tinyhello/debian/copyright':
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2026 Up\nLicense: MIT\n',
    'recipes/tinyhello/debian/source/format': '3.0 (quilt)\n',
    'recipes/tinyhello/patches/series': '',
    'recipes/tinyhello/tinyhello.spec': [
      'Name:           tinyhello',
      'Version:        0',
      'Release:        1%{?dist}',
      'Summary:        tiny greeting',
      'License:        MIT',
      'Source0:        tinyhello-0.tar.gz',
      'BuildArch:      noarch',
      '',
      '%description',
      'Prints which upstream version it was built from.',
      '',
      '%prep',
      '%autosetup -p1',
      '',
      '%build',
      '',
      '%install',
      '%make_install',
      '',
      '%files',
      '%{_bindir}/tinyhello',
      '',
      '%changelog',
      '',
    ].join('\n'),
  });
  chmodSync(join(root, 'recipes/tinyhello/debian/rules'), 0o755);
}

/**
 * A recipes repository under `work` with tinyhello 1.0 released upstream (debian:bookworm,
 * output `public`); `yamlExtra` is appended to its pkgtrack.yaml. Returns the repository's root.
 */
export function tinyRecipesRepo(work: string, yamlExtra = ''): string {
  const upstream = new TinyUpstream(join(work, 'upstream'));
  upstream.release('1.0');
  const recipes = join(work, 'recipes');
  writeAll(recipes, {
    'pkgtrack.yaml': `name: t\norigin: t\nlabel: t\nmaintainer: Acme Packagers <pkg@example.org>\noutput: public\ntargets: [debian:bookworm]\n${yamlExtra}`,
  });
  writeTinyhelloRecipe(recipes, upstream.dir);
  return recipes;
}
