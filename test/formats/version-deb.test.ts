/**
 * Debian version comparison against dpkg itself: thousands of real versions from sid and
 * experimental, sorted by our comparator and every neighbouring pair confirmed by
 * `dpkg --compare-versions`; random real pairs; generated edge cases; and invalid versions,
 * which we must reject for the reason dpkg gives.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { checkDebVersion, compareDebVersions, parseDebVersion } from '../../src/formats/version-deb.js';
import { compareSymbol } from '../../src/formats/versions.js';
import { debianVersionCorpus, prng, sample } from './version-corpus.js';
import { dpkgCompare, dpkgHolds, dpkgSyntax } from './version-reference.js';

const SEED = Number(process.env.PKGTRACK_TEST_SEED ?? 20260121);
let corpus: string[] = [];

beforeAll(async () => {
  corpus = await debianVersionCorpus();
}, 300_000);

function mismatches(pairs: ReadonlyArray<readonly [string, string]>, ours: string[], theirs: string[]) {
  return pairs.map(([a, b], i) => ({ a, b, ours: ours[i], dpkg: theirs[i] })).filter((r) => r.ours !== r.dpkg);
}

describe('deb versions vs dpkg', () => {
  it('sorts 2,500 real versions exactly as dpkg orders them', async () => {
    const rand = prng(SEED);
    expect(corpus.length).toBeGreaterThan(10_000);
    // Keep the interesting ones: epochs, tildes, pluses, long digit runs.
    const picked = sample(corpus, 2500, rand, (v) => /[:~+]|\d{9,}/.test(v));
    const sorted = [...picked].sort(compareDebVersions);
    const checks = sorted.slice(1).map((b, i) => {
      const a = sorted[i]!;
      return [a, compareDebVersions(a, b) === 0 ? 'eq' : 'lt', b] as const;
    });
    const holds = await dpkgHolds(checks);
    const wrong = checks.filter((_, i) => !holds[i]);
    expect(wrong, `seed ${SEED}`).toEqual([]);
  });

  it('compares 1,500 random pairs of real versions like dpkg', async () => {
    const rand = prng(SEED + 1);
    const pairs = Array.from({ length: 1500 }, () => {
      const a = corpus[Math.floor(rand() * corpus.length)]!;
      // Half the time a near neighbour: same package-ish prefix makes the comparison deep.
      const b = rand() < 0.5 ? mutate(a, rand) : corpus[Math.floor(rand() * corpus.length)]!;
      return [a, b] as const;
    }).filter(([, b]) => checkDebVersion(b).ok);
    const ours = pairs.map(([a, b]) => compareSymbol(compareDebVersions(a, b)));
    expect(mismatches(pairs, ours, await dpkgCompare(pairs)), `seed ${SEED}`).toEqual([]);
  });

  it('compares 2,000 generated edge cases (epochs, ~, +, leading zeros, letters, revisions) like dpkg', async () => {
    const rand = prng(SEED + 2);
    const pairs: Array<readonly [string, string]> = [];
    while (pairs.length < 2000) {
      const a = generate(rand);
      const b = rand() < 0.6 ? mutate(a, rand) : generate(rand);
      if (checkDebVersion(a).ok && checkDebVersion(b).ok) pairs.push([a, b]);
    }
    const ours = pairs.map(([a, b]) => compareSymbol(compareDebVersions(a, b)));
    expect(mismatches(pairs, ours, await dpkgCompare(pairs)), `seed ${SEED}`).toEqual([]);
  });

  it('rejects invalid versions for the reason dpkg gives, and accepts what dpkg accepts', async () => {
    const rand = prng(SEED + 3);
    // dpkg reads "" as the blank version of a not-installed package; for us it is simply invalid.
    expect(checkDebVersion('')).toEqual({ ok: false, reason: 'version string is empty' });
    const hostile = [
      ' ',
      'a1',
      '1 2',
      '1:',
      ':1',
      'x:1',
      '1a:2',
      '-1:2',
      '+1:2',
      '99999999999:1',
      '2147483648:1',
      '2147483647:1',
      '1-',
      '-1',
      '1_0',
      '1.0-a_b',
      '1.0/2',
      '1.0-1:2',
      '1:2:3',
      '1.0\u00e9',
      '0:0',
      '00:1.0-1',
      ' 1.0 ',
      '1.0 -1',
    ];
    const generated = Array.from({ length: 400 }, () => generate(rand, true));
    const inputs = [...hostile, ...generated].filter((v) => !/[\t\n\\]/.test(v));
    const dpkg = await dpkgSyntax(inputs);
    const ours = inputs.map((v) => {
      const r = checkDebVersion(v);
      return r.ok ? '' : r.reason;
    });
    const wrong = inputs.map((v, i) => ({ v, ours: ours[i], dpkg: dpkg[i] })).filter((r) => r.ours !== r.dpkg);
    expect(wrong, `seed ${SEED}`).toEqual([]);
    expect(ours.filter(Boolean).length).toBeGreaterThan(50);
  });

  it('throws a typed input error naming the rule', () => {
    let err: unknown;
    try {
      parseDebVersion('v1.2', 'upstream.version');
    } catch (e) {
      err = e;
    }
    expect(isPkgtrackError(err)).toBe(true);
    if (!isPkgtrackError(err)) return;
    expect(err.code).toBe('VERSION_INVALID');
    expect(err.kind).toBe('input');
    expect(err.message).toContain('does not start with digit');
    expect(err.details.field).toBe('upstream.version');
    expect(err.fix).toBeTruthy();
  });
});

const PIECES = [
  '0',
  '1',
  '2',
  '9',
  '00',
  '01',
  '10',
  '99',
  '123456789012345678901234567890',
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  'beta',
  '~',
  '~~',
  '+',
  '.',
  '..',
  '-',
  ':',
];
const SAFE = PIECES.filter((p) => p !== '-' && p !== ':');

/** A random version; with `wild`, any piece anywhere (so many are invalid). */
function generate(rand: () => number, wild = false): string {
  const pick = (xs: string[]) => xs[Math.floor(rand() * xs.length)]!;
  const len = 1 + Math.floor(rand() * 6);
  if (wild) return Array.from({ length: len }, () => pick([...PIECES, ' ', '_', '/', 'é', '-', ':'])).join('');
  const epoch = rand() < 0.25 ? `${pick(['0', '1', '2', '10', '007'])}:` : '';
  const upstream = pick(['0', '1', '2', '9', '10', '01']) + Array.from({ length: len }, () => pick(SAFE)).join('');
  const revision = rand() < 0.6 ? `-${Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(SAFE)).join('')}` : '';
  return `${epoch}${upstream}${revision}`;
}

/** A near neighbour of `v`: one piece inserted, removed or replaced. */
function mutate(v: string, rand: () => number): string {
  const pick = (xs: string[]) => xs[Math.floor(rand() * xs.length)]!;
  const i = 1 + Math.floor(rand() * Math.max(1, v.length - 1));
  const r = rand();
  if (r < 0.4) return v.slice(0, i) + pick(SAFE) + v.slice(i);
  if (r < 0.7) return v.slice(0, i) + v.slice(i + 1);
  return v.slice(0, i) + pick(SAFE) + v.slice(i + 1);
}
