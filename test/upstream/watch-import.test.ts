/**
 * debian/watch import: the converted recipe sections must find the same versions uscan would.
 * Each case checks behaviour (tags/links → versions), not only the converted strings.
 */
import { describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { tagToVersion } from '../../src/formats/versions.js';
import { recipeSchema } from '../../src/recipe/schema.js';
import { releasesFromPage } from '../../src/upstream/http.js';
import { importDebianWatch, perlSubstitutions } from '../../src/upstream/watch-import.js';

const rules = (v: ReturnType<typeof importDebianWatch>['versions']) => ({
  tagPattern: v.tagPattern ?? '^v?(?<version>\\d[0-9A-Za-z.+~-]*)$',
  mangle: v.mangle,
});

/** The import must also make a recipe the schema accepts. */
function validRecipe(imp: ReturnType<typeof importDebianWatch>) {
  return recipeSchema.safeParse({ name: 'demo', upstream: imp.upstream, versions: rules(imp.versions) }).success;
}

describe('debian/watch version 4', () => {
  it('turns a GitHub tags watch into a github upstream with a working tag pattern', () => {
    const imp = importDebianWatch(
      `# comment
version=4
opts="filenamemangle=s%(?:.*?)?v?(\\d[\\d.]*)\\.tar\\.gz%@PACKAGE@-$1.tar.gz%,uversionmangle=s/-?rc/~rc/" \\
  https://github.com/cli/cli/tags .*/v?(\\d\\S+)\\.tar\\.gz
`,
      { packageName: 'gh' },
    );
    expect(imp.upstream).toEqual({ kind: 'github', repo: 'cli/cli', use: 'tags', prereleases: false });
    const r = rules(imp.versions);
    expect(tagToVersion('v2.12.1', r)).toBe('2.12.1');
    expect(tagToVersion('v2.13.0-rc1', r)).toBe('2.13.0~rc1');
    expect(imp.warnings.join('\n')).toMatch(/filenamemangle/);
    expect(validRecipe(imp)).toBe(true);
  });

  it('turns an index page watch into an http upstream that finds the tarballs', () => {
    const imp = importDebianWatch(
      'version=4\nopts=pgpsigurlmangle=s/$/.sig/ https://ftp.gnu.org/gnu/@PACKAGE@/ @PACKAGE@-(\\d[\\d.]*)\\.tar\\.gz\n',
      { packageName: 'hello' },
    );
    expect(imp.upstream.kind).toBe('http');
    if (imp.upstream.kind !== 'http') return;
    expect(imp.upstream.url).toBe('https://ftp.gnu.org/gnu/hello/');
    const page =
      '<a href="hello-2.10.tar.gz">x</a> <a href="hello-2.12.1.tar.gz">y</a> <a href="hello-2.12.1.tar.gz.sig">s</a> <a href="/other-9.0.tar.gz">o</a>';
    const found = releasesFromPage(page, imp.upstream.url, imp.upstream.pattern, (t) => tagToVersion(t, rules(imp.versions)));
    expect(found.map((f) => [f.version, f.sourceUrl])).toEqual([
      ['2.12.1', 'https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz'],
      ['2.10', 'https://ftp.gnu.org/gnu/hello/hello-2.10.tar.gz'],
    ]);
    expect(validRecipe(imp)).toBe(true);
    // pgpsigurlmangle s/$/.sig/ → the recipe's signature URL; other forms are reported, not guessed.
    expect(imp.signatureUrl).toBe('{url}.sig');
    expect(imp.warnings.join('\n')).not.toMatch(/pgpsigurlmangle/);
    const odd = importDebianWatch(
      'version=4\nopts=pgpsigurlmangle=s%tar.gz$%tar.gz.asc% https://ftp.gnu.org/gnu/@PACKAGE@/ @PACKAGE@-(\\d[\\d.]*)\\.tar\\.gz\n',
      { packageName: 'hello' },
    );
    expect(odd.signatureUrl).toBeUndefined();
    expect(odd.warnings.join('\n')).toMatch(/pgpsigurlmangle .* was not converted; set source.signatureUrl by hand/);
  });

  it("reads gzip's watch: @PACKAGE@@ANY_VERSION@@ARCHIVE_EXT@ as the URL's last component, with a signature", () => {
    const imp = importDebianWatch(
      'version=4\nopts=pgpsigurlmangle=s/$/.sig/ \\\nhttps://ftp.gnu.org/gnu/@PACKAGE@/@PACKAGE@@ANY_VERSION@@ARCHIVE_EXT@\n',
      { packageName: 'gzip' },
    );
    expect(imp.upstream).toMatchObject({ kind: 'http', url: 'https://ftp.gnu.org/gnu/gzip/' });
    expect(imp.signatureUrl).toBe('{url}.sig');
    if (imp.upstream.kind !== 'http') return;
    const page = '<a href="gzip-1.12.tar.gz">a</a> <a href="gzip-1.13.tar.xz">b</a> <a href="gzip-1.13.tar.xz.sig">s</a>';
    const found = releasesFromPage(page, imp.upstream.url, imp.upstream.pattern, (t) => tagToVersion(t, rules(imp.versions)));
    expect(found.map((f) => f.version)).toEqual(['1.13', '1.12']);
  });

  it('reads the pattern from the URL itself, and mode=git with @ANY_VERSION@', () => {
    const a = importDebianWatch('version=4\nhttps://example.org/dl/foo-(\\d+\\.\\d+)\\.tar\\.xz\n', { packageName: 'foo' });
    expect(a.upstream).toMatchObject({ kind: 'http', url: 'https://example.org/dl/' });
    const g = importDebianWatch('version=4\nopts="mode=git, pgpmode=none" https://git.example.org/foo.git refs/tags/v@ANY_VERSION@\n', {
      packageName: 'foo',
    });
    expect(g.upstream).toEqual({ kind: 'git', url: 'https://git.example.org/foo.git' });
    expect(tagToVersion('v1.4.2', rules(g.versions))).toBe('1.4.2');
    expect(tagToVersion('nightly', rules(g.versions))).toBeUndefined();
  });

  it('fails with file and line for broken files', () => {
    for (const [text, code] of [
      ['opts=x https://a/ b\n', 'WATCH_NO_VERSION'],
      ['version=2\nhttps://a/ x-(\\d+)\n', 'WATCH_VERSION_UNSUPPORTED'],
      ['version=4\n', 'WATCH_EMPTY'],
      ['version=4\nhttps://a/dir/\n', 'WATCH_NO_PATTERN'],
      ['version=4\nhttps://a/ x-(\\d+\n', 'WATCH_PATTERN_INVALID'],
    ] as const) {
      try {
        importDebianWatch(text, { packageName: 'x' });
        expect.unreachable(text);
      } catch (e) {
        expect(isPkgtrackError(e) && e.code, text).toBe(code);
        if (isPkgtrackError(e)) expect(e.details.file).toBe('debian/watch');
      }
    }
  });
});

describe('debian/watch version 5 (deb822)', () => {
  it('reads Source and Matching-Pattern', () => {
    const imp = importDebianWatch(
      'Version: 5\n\nSource: https://github.com/foo/bar/tags\nMatching-Pattern: .*/v?@ANY_VERSION@@ARCHIVE_EXT@\nUversionmangle: s/-beta/~beta/\n',
      {
        packageName: 'bar',
      },
    );
    expect(imp.upstream).toMatchObject({ kind: 'github', repo: 'foo/bar', use: 'tags' });
    expect(tagToVersion('v3.1-beta2', rules(imp.versions))).toBe('3.1~beta2');
    expect(validRecipe(imp)).toBe(true);
  });

  it('reads Template: GitHub', () => {
    const imp = importDebianWatch('Version: 5\n\nTemplate: GitHub\nDist: https://github.com/owner/project\nRelease-Only: yes\n', {
      packageName: 'project',
    });
    expect(imp.upstream).toMatchObject({ kind: 'github', repo: 'owner/project', use: 'releases' });
    expect(tagToVersion('v1.0.0', rules(imp.versions))).toBe('1.0.0');
  });
});

describe('perl substitutions', () => {
  it('converts delimiters, flags and backreferences', () => {
    const warn: string[] = [];
    const subs = perlSubstitutions('s/_/./g; s{(\\d)rc}{$1~rc}; s%^v%%', (w) => warn.push(w));
    expect(subs).toEqual([
      { from: '_', to: '.' },
      { from: '(\\d)rc', to: '$1~rc' },
      { from: '^v', to: '' },
    ]);
    expect(perlSubstitutions('tr/a-z/A-Z/', (w) => warn.push(w))).toEqual([]);
    expect(warn.join()).toMatch(/only s\/\/\/ is supported/);
  });
});
