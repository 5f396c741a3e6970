/**
 * RPM version comparison against rpm itself (rpm.vercmp in rpm's Lua, one process for all
 * pairs): raw rpmvercmp on generated strings full of separators, ~ and ^; EVRs built from real
 * Debian versions; and validation of what rpmbuild refuses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { checkRpmEvr, compareRpmVersions, rpmvercmp } from '../../src/formats/version-rpm.js';
import { compareSymbol } from '../../src/formats/versions.js';
import { debianVersionCorpus, prng, sample } from './version-corpus.js';
import { rpmCompare } from './version-reference.js';

const SEED = Number(process.env.PKGTRACK_TEST_SEED ?? 20260121);
let corpus: string[] = [];

beforeAll(async () => {
  corpus = await debianVersionCorpus();
}, 300_000);

const PIECES = [
  '0',
  '1',
  '2',
  '9',
  '00',
  '010',
  '10',
  '123456789012345678901234567890',
  'a',
  'b',
  'z',
  'A',
  'Z',
  'rc',
  'git',
  '~',
  '~~',
  '^',
  '^^',
  '.',
  '..',
  '_',
  '+',
  '%',
  '!',
];

function generate(rand: () => number): string {
  const pick = (xs: string[]) => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: 1 + Math.floor(rand() * 7) }, () => pick(PIECES)).join('');
}

function mutate(v: string, rand: () => number): string {
  const pick = (xs: string[]) => xs[Math.floor(rand() * xs.length)]!;
  const i = Math.floor(rand() * (v.length + 1));
  const r = rand();
  if (r < 0.4) return v.slice(0, i) + pick(PIECES) + v.slice(i);
  if (r < 0.7 && v.length > 1) return v.slice(0, i) + v.slice(i + 1);
  return v.slice(0, i) + pick(PIECES) + v.slice(i + 1);
}

/** A Debian version as an rpm EVR: epoch kept, upstream → version ("-" → "_"), revision → release. */
function debToEvr(v: string): string | undefined {
  const m = /^(?:(\d+):)?(.+?)(?:-([^-]+))?$/.exec(v);
  if (!m) return undefined;
  const version = m[2]!.replaceAll('-', '_').replaceAll(':', '_');
  const evr = `${m[1] !== undefined ? `${m[1]}:` : ''}${version}${m[3] !== undefined ? `-${m[3]}` : ''}`;
  return checkRpmEvr(evr).ok ? evr : undefined;
}

describe('rpm versions vs rpm', () => {
  it('rpmvercmp agrees with rpm on 4,000 generated pairs (separators, ~, ^, leading zeros, long numbers)', async () => {
    const rand = prng(SEED);
    const pairs = Array.from({ length: 4000 }, () => {
      const a = generate(rand);
      return [a, rand() < 0.6 ? mutate(a, rand) : generate(rand)] as const;
    }).filter(([a, b]) => a !== '' && b !== '');
    const ours = pairs.map(([a, b]) => compareSymbol(rpmvercmp(a, b)));
    const theirs = await rpmCompare(pairs);
    const wrong = pairs.map(([a, b], i) => ({ a, b, ours: ours[i], rpm: theirs[i] })).filter((r) => r.ours !== r.rpm);
    expect(wrong, `seed ${SEED}`).toEqual([]);
  });

  it('EVR comparison agrees with rpm on 4,000 pairs made from real Debian versions', async () => {
    const rand = prng(SEED + 1);
    const evrs = sample(corpus, 6000, rand, (v) => /[:~+]/.test(v))
      .map(debToEvr)
      .filter((v): v is string => v !== undefined);
    expect(evrs.length).toBeGreaterThan(3000);
    const pairs = Array.from({ length: 4000 }, () => {
      const a = evrs[Math.floor(rand() * evrs.length)]!;
      // Also pairs where only one side has a release or an epoch, which rpm treats specially.
      const r = rand();
      const b = r < 0.15 ? a.replace(/-[^-]*$/, '') : r < 0.3 ? a.replace(/^\d+:/, '') : evrs[Math.floor(rand() * evrs.length)]!;
      return [a, b] as const;
    });
    const ours = pairs.map(([a, b]) => compareSymbol(compareRpmVersions(a, b)));
    const theirs = await rpmCompare(pairs);
    const wrong = pairs.map(([a, b], i) => ({ a, b, ours: ours[i], rpm: theirs[i] })).filter((r) => r.ours !== r.rpm);
    expect(wrong, `seed ${SEED}`).toEqual([]);
  });

  it('rejects what rpmbuild refuses, with the reason', () => {
    const bad: Array<[string, RegExp]> = [
      ['1.0-beta-1', /"-" cannot appear/],
      ['', /empty/],
      ['1.0 1', /whitespace/],
      ['x:1.0', /epoch/],
      ['1..0', /\.\./],
      ['1.0/2', /illegal character/],
      ['1.0-', /release is empty/],
    ];
    for (const [v, why] of bad) {
      const r = checkRpmEvr(v);
      expect(r.ok, v).toBe(false);
      if (!r.ok) expect(r.reason, v).toMatch(why);
    }
    let err: unknown;
    try {
      compareRpmVersions('1.0', '2.0-a-b');
    } catch (e) {
      err = e;
    }
    expect(isPkgtrackError(err) && err.code === 'VERSION_INVALID' && err.kind === 'input' && err.details.field === 'b').toBe(true);
  });
});
