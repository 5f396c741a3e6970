import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatSnapshotVersion } from '../../src/formats/versions.js';
import { nextReleaseCandidates, trunkVersionProblems } from '../../src/services/nightly/guardrail.js';

const parts = { release: '1.2', date: new Date('2026-11-21T00:00:00Z'), commits: 14, sha: '1a2b3c4d5e6f7a8b' };

/** The real tools' opinion, so the guardrail is checked against dpkg and rpm themselves. */
const dpkgLt = (a: string, b: string) => spawnSync('dpkg', ['--compare-versions', a, 'lt', b]).status === 0;
const rpmCmp = (a: string, b: string) =>
  Number(spawnSync('rpm', ['--eval', `%{lua: print(rpm.vercmp("${a}", "${b}"))}`], { encoding: 'utf8' }).stdout.trim());

describe('trunk version guardrail', () => {
  it('accepts the default pattern: above the release, below every next release, in dpkg and rpm', () => {
    const v = formatSnapshotVersion('{release}+git{date}.{commits}.{sha7}', parts);
    expect(v).toBe('1.2+git20261121.14.1a2b3c4');
    expect(trunkVersionProblems({ snapshot: v, release: '1.2' })).toEqual([]);
    for (const next of nextReleaseCandidates('1.2')) {
      expect(dpkgLt('1.2', v) && dpkgLt(v, next)).toBe(true);
      expect(rpmCmp(v, '1.2')).toBe(1);
      expect(rpmCmp(v, next)).toBe(-1);
    }
  });

  it('refuses "~" snapshots, which sort below the release they follow (dpkg and rpm agree)', () => {
    const v = formatSnapshotVersion('{release}~git{date}.{sha7}', parts);
    const problems = trunkVersionProblems({ snapshot: v, release: '1.2' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^deb: .* does not sort after the release 1\.2/),
        expect.stringMatching(/^rpm: .* does not sort after the release 1\.2/),
      ]),
    );
    expect(dpkgLt(v, '1.2')).toBe(true);
    expect(rpmCmp(v, '1.2')).toBe(-1);
  });

  it('refuses a date appended as a component, which sorts above the next release', () => {
    const v = formatSnapshotVersion('{release}.{date}', parts);
    expect(v).toBe('1.2.20261121');
    expect(trunkVersionProblems({ snapshot: v, release: '1.2' }).join('\n')).toMatch(/does not sort before the next release 1\.2\.1/);
    expect(dpkgLt('1.2.1', v)).toBe(true);
  });

  it('refuses a snapshot that does not sort after the last trunk build', () => {
    expect(trunkVersionProblems({ snapshot: '1.2+git20261120.3.aaaaaaa', release: '1.2', previous: '1.2+git20261121.4.bbbbbbb' })).toEqual([
      'deb: 1.2+git20261120.3.aaaaaaa does not sort after the last trunk build 1.2+git20261121.4.bbbbbbb',
      'rpm: 1.2+git20261120.3.aaaaaaa does not sort after the last trunk build 1.2+git20261121.4.bbbbbbb',
    ]);
  });

  it('knows the smallest next releases', () => {
    expect(nextReleaseCandidates('2.12.3')).toEqual(['2.12.3.1', '2.12.4']);
    expect(nextReleaseCandidates('1.0rc1')).toEqual(['1.0rc1.1', '1.0rc2']);
  });
});
