/** Tag mangling, the upstream ordering, and snapshot versions checked against dpkg and rpm. */
import { describe, expect, it } from 'vitest';
import { compareUpstreamVersions, formatSnapshotVersion, snapshotOrderingProblems, tagToVersion } from '../../src/formats/versions.js';
import { dpkgHolds, rpmCompare } from './version-reference.js';

describe('tagToVersion', () => {
  it('applies the default pattern: optional v, digit first', () => {
    expect(tagToVersion('v2.12.1')).toBe('2.12.1');
    expect(tagToVersion('2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(tagToVersion('release-candidate')).toBeUndefined();
    expect(tagToVersion('nightly')).toBeUndefined();
  });

  it('strips a prefix, takes the named group, then mangles in order', () => {
    const rules = { stripPrefix: 'curl-', tagPattern: '^(?<version>\\d+_\\d+_\\d+)$', mangle: [{ from: '_', to: '.' }] };
    expect(tagToVersion('curl-8_11_1', rules)).toBe('8.11.1');
    expect(tagToVersion('8_11_1', rules)).toBeUndefined();
    const rc = { tagPattern: '^v(?<version>.+)$', mangle: [{ from: '-?(rc|beta|alpha)\\.?', to: '~$1' }] };
    expect(tagToVersion('v1.2.0-rc.3', rc)).toBe('1.2.0~rc3');
  });
});

describe('compareUpstreamVersions', () => {
  it('puts pre-releases mangled with ~ before the release', () => {
    expect(compareUpstreamVersions('1.0~rc1', '1.0')).toBe(-1);
    expect(compareUpstreamVersions('1.10', '1.9')).toBe(1);
    expect(compareUpstreamVersions('2024.01', '2024.1')).toBe(0);
  });
});

describe('snapshot versions', () => {
  const date = new Date('2026-01-21T10:00:00Z');
  const sha = '1a2b3c4d5e6f708192a3b4c5d6e7f80912345678';

  it('formats the default pattern', () => {
    expect(formatSnapshotVersion('{release}+git{date}.{commits}.{sha7}', { release: '2.12.1', date, commits: 14, sha })).toBe(
      '2.12.1+git20260121.14.1a2b3c4',
    );
    expect(() => formatSnapshotVersion('{release}+{hash}', { release: '1', date, commits: 0, sha })).toThrow(
      /unknown placeholder \{hash\}/,
    );
  });

  it('sorts after the release and before the next one in dpkg and rpm, as the tools confirm', async () => {
    const cases = [
      ['2.12.1', '2.12.2'],
      ['2.12.1', '2.13~rc1'],
      ['0', '0.1'],
      ['1.0~rc2', '1.0'],
    ] as const;
    for (const [release, next] of cases) {
      const snap = formatSnapshotVersion('{release}+git{date}.{commits}.{sha7}', { release, date, commits: 3, sha });
      expect(snapshotOrderingProblems(snap, release, next)).toEqual([]);
      const holds = await dpkgHolds([
        [`${snap}-1`, 'gt', `${release}-1`],
        [`${snap}-1`, 'lt', `${next}-1`],
      ]);
      expect(holds, snap).toEqual([true, true]);
      expect(
        await rpmCompare([
          [`${snap}-1`, `${release}-1`],
          [`${snap}-1`, `${next}-1`],
        ]),
        snap,
      ).toEqual(['>', '<']);
    }
  });

  it('reports a pattern that sorts wrong', () => {
    // "~" puts the snapshot before its own release.
    const bad = formatSnapshotVersion('{release}~git{date}', { release: '2.0', date, commits: 1, sha });
    expect(snapshotOrderingProblems(bad, '2.0', '2.1').join('\n')).toMatch(/deb: .* does not sort after the release 2.0/);
  });
});
