/**
 * packages.json spliced (the changed packages' lines replaced, added, dropped) is byte for byte
 * packages.json written whole from the same entries, over random changes to random indexes,
 * names chosen so that the collator's order and code-unit order disagree (case, punctuation).
 */
import { describe, expect, it } from 'vitest';
import type { SitePackage, SiteSuite } from '../../src/site/model.js';
import { compareNames } from '../../src/site/model.js';
import { type PackageEntry, packageIndexJson, splicePackageIndex } from '../../src/site/render-package.js';
import { seededRandom as rng } from '../helpers/random.js';

const suite = {
  kind: 'apt',
  repoPath: 'apt',
  suite: 'bookworm',
  channel: 'stable',
  components: ['main'],
  architectures: ['amd64'],
  metadataHref: 'x',
  packages: [],
} as SiteSuite;

function entry(name: string, version: string): PackageEntry {
  const pkg: SitePackage = {
    name,
    binaries: [name],
    version,
    upstreamVersion: version,
    architectures: ['amd64'],
    channel: 'stable',
    summary: `the "${name}" package, with a quote`,
    freshness: { state: 'unknown' },
    buildLinks: [],
  };
  return { name, places: [{ suite, pkg }] };
}

const ALPHABET = 'abcXYZ019+-._';
const randomName = (r: () => number) => {
  let n = 'abcXYZ019'[Math.floor(r() * 9)]!;
  const len = 1 + Math.floor(r() * 6);
  for (let i = 0; i < len; i++) n += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return n;
};

const whole = (entries: Map<string, PackageEntry>) => packageIndexJson([...entries.values()].sort((a, b) => compareNames(a.name, b.name)));

describe('splicing packages.json', () => {
  it('gives the whole file over 300 random rounds of changes', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const entries = new Map<string, PackageEntry>();
      const n = 1 + Math.floor(r() * 60);
      while (entries.size < n) {
        const name = randomName(r);
        entries.set(name, entry(name, '1'));
      }
      const before = whole(entries);
      const changed = new Map<string, PackageEntry | undefined>();
      const edits = 1 + Math.floor(r() * 8);
      for (let i = 0; i < edits; i++) {
        const roll = r();
        const names = [...entries.keys()];
        if (roll < 0.35 && names.length > 1) {
          const name = names[Math.floor(r() * names.length)]!;
          entries.delete(name);
          changed.set(name, undefined);
        } else if (roll < 0.7 && names.length) {
          const name = names[Math.floor(r() * names.length)]!;
          const e = entry(name, String(2 + i));
          entries.set(name, e);
          changed.set(name, e);
        } else {
          const name = randomName(r);
          const e = entry(name, '9');
          entries.set(name, e);
          changed.set(name, e);
        }
      }
      // A name that was never there and is gone is no edit.
      changed.set('never-there', undefined);
      expect(splicePackageIndex(before, changed), `seed ${seed}`).toBe(whole(entries));
    }
  });

  it('refuses text it did not write', () => {
    expect(splicePackageIndex('{}', new Map())).toBeUndefined();
    expect(splicePackageIndex('[\n{"a":1}\n]\n', new Map())).toBeUndefined();
    expect(splicePackageIndex('[\n["a","",[]]\n]', new Map())).toBeUndefined();
  });
});
