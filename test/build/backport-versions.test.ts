/**
 * Backport versions as Debian's backporters pick them: the packaging's revision is kept for
 * its own upstream version (`dch --bpo`: 2.12.3-1 → 2.12.3-1~bpo12+1) and reset for another,
 * the epoch is kept, and a backports channel takes the backport suffix per release. Orders are
 * checked with dpkg itself. A misspelt release is refused with the right name.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { changelogHead, debPackageVersion } from '../../src/builders/deb/changelog.js';
import { resolveTargets } from '../../src/recipe/load.js';
import { resolveTarget } from '../../src/recipe/targets.js';

/** dpkg --compare-versions a op b. */
const dpkg = (a: string, op: 'lt' | 'gt', b: string) => {
  try {
    execFileSync('dpkg', ['--compare-versions', a, op, b]);
    return true;
  } catch {
    return false;
  }
};

const CHANGELOG = `hello (2.12.3-1) unstable; urgency=medium

  * New upstream release. Closes: #1027032.

 -- Santiago Vila <sanvila@debian.org>  Sat, 05 Apr 2025 12:00:00 +0200

hello (2.10-3) unstable; urgency=medium

  * Older.

 -- Santiago Vila <sanvila@debian.org>  Sat, 05 Apr 2022 12:00:00 +0200
`;

describe('backport versions', () => {
  it('reads the top changelog entry', () => {
    expect(changelogHead(CHANGELOG)).toEqual({ source: 'hello', version: '2.12.3-1', distribution: 'unstable' });
    expect(changelogHead('')).toBeUndefined();
  });

  it('keeps the revision for the packaged upstream version: below the original, above the release it replaces', () => {
    const v = debPackageVersion('2.12.3', '1', '~bpo12+1', changelogHead(CHANGELOG));
    expect(v).toBe('2.12.3-1~bpo12+1');
    expect(dpkg(v, 'lt', '2.12.3-1')).toBe(true);
    expect(dpkg(v, 'gt', '2.10-3')).toBe(true);
  });

  it("resets the revision for another upstream version, so Debian's own packaging of it sorts above", () => {
    const v = debPackageVersion('2.13', '3', '~bpo12+1', changelogHead(CHANGELOG));
    expect(v).toBe('2.13-0~bpo12+1');
    expect(dpkg(v, 'lt', '2.13-1~bpo12+1')).toBe(true);
    expect(dpkg(v, 'gt', '2.12.3-1')).toBe(true);
  });

  it('keeps the epoch, or the backport would sort below the release it replaces', () => {
    const head = changelogHead('pkg (1:3.0-2) unstable; urgency=medium\n');
    const v = debPackageVersion('3.0', '1', '~bpo12+1', head);
    expect(v).toBe('1:3.0-2~bpo12+1');
    expect(dpkg(v, 'gt', '1:2.0-1')).toBe(true);
  });

  it("without a changelog the recipe's revision is used, as before", () => {
    expect(debPackageVersion('2.12.3', '4', '~deb12u1')).toBe('2.12.3-4~deb12u1');
  });

  it("a backports channel takes each release's backport suffix; rpm targets and explicit suffixes are left alone", () => {
    const ids = ['debian:bookworm', 'debian:trixie', 'ubuntu:noble', 'fedora:41'];
    expect(resolveTargets(ids, { backports: true }).map((t) => t.versionSuffix)).toEqual(['~bpo12+1', '~bpo13+1', '~bpo24.04.1', '.fc41']);
    expect(resolveTargets(ids).map((t) => t.versionSuffix)).toEqual(['~deb12u1', '~deb13u1', '~ubuntu24.04.1', '.fc41']);
    expect(resolveTargets([{ id: 'debian:bookworm', versionSuffix: '~ppa1' }], { backports: true })[0]!.versionSuffix).toBe('~ppa1');
    // Debian's own stable update of the same version sorts above our backport.
    expect(dpkg('2.12.3-1~bpo12+1', 'lt', '2.12.3-1~deb12u1')).toBe(true);
    expect(resolveTarget('debian:bookworm', { backports: true })!.publishPath).toBe('bookworm');
  });

  it('a misspelt release fails with "did you mean" before anything is bootstrapped', () => {
    expect(() => resolveTargets(['debian:bookwrm'])).toThrow(
      expect.objectContaining({ code: 'TARGET_UNKNOWN', fix: 'Did you mean debian:bookworm?' }),
    );
    expect(() => resolveTargets(['ubuntu:nobel'])).toThrow(expect.objectContaining({ fix: 'Did you mean ubuntu:noble?' }));
    // Releases that are not near misses (a suite alias, a future release) are not second-guessed.
    expect(resolveTargets(['debian:testing', 'debian:duke']).map((t) => t.id)).toEqual(['debian:testing', 'debian:duke']);
  });
});
