/**
 * The identity record (repo/apt/identities.ts): keys looked up in the text while few are asked,
 * the whole record parsed once many are; new entries appended to the text (still one JSON
 * object) or the record written whole and sorted. Either way: the same verdicts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDENTITIES_REL, PackageIdentities } from '../../src/repo/apt/identities.js';
import type { SuiteContents } from '../../src/repo/apt/suite-contents.js';
import type { PublishTransaction } from '../../src/repo/transaction.js';

const sha = (n: number) => n.toString(16).padStart(64, '0');
const empty: SuiteContents = { components: new Map(), architectures: [] };

function repoWith(record: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pkgtrack-identities-'));
  mkdirSync(join(root, '.pkgtrack'));
  const sorted = Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
  writeFileSync(join(root, IDENTITIES_REL), `${JSON.stringify(sorted)}\n`);
  return root;
}

async function saved(ids: PackageIdentities): Promise<string | undefined> {
  let text: string | undefined;
  await ids.save({ stage: async (_rel: string, data: string) => void (text = data) } as unknown as PublishTransaction);
  return text;
}

const record = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`pkg-${i} 1.0-1 amd64`, sha(i)]));

describe('apt identity record', () => {
  it('few lookups: found in the text, refused on other bytes, new ones appended', async () => {
    const ids = await PackageIdentities.load(repoWith(record), { suite: 'bookworm', contents: empty });
    ids.claim({ name: 'pkg-7', version: '1.0-1', arch: 'amd64', sha256: sha(7) }, 'a.deb');
    expect(() => ids.claim({ name: 'pkg-70', version: '1.0-1', arch: 'amd64', sha256: sha(7) }, 'b.deb')).toThrow(/APT|already published/);
    // A key that is the end of another key is not that key.
    ids.claim({ name: 'g-7', version: '1.0-1', arch: 'amd64', sha256: sha(9999) }, 'c.deb');
    ids.claim({ name: 'new', version: '2', arch: 'all', sha256: sha(1234) }, 'd.deb');
    const text = (await saved(ids))!;
    const parsed = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(parsed)).toHaveLength(502);
    expect(parsed['new 2 all']).toBe(sha(1234));
    expect(parsed['g-7 1.0-1 amd64']).toBe(sha(9999));
    expect(parsed['pkg-7 1.0-1 amd64']).toBe(sha(7));
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('many lookups: the same verdicts from the parsed record; written whole and sorted', async () => {
    const ids = await PackageIdentities.load(repoWith(record), { suite: 'bookworm', contents: empty });
    for (let i = 0; i < 200; i++) ids.claim({ name: `pkg-${i}`, version: '1.0-1', arch: 'amd64', sha256: sha(i) }, 'x.deb');
    expect(() => ids.claim({ name: 'pkg-300', version: '1.0-1', arch: 'amd64', sha256: sha(1) }, 'y.deb')).toThrow(/already published/);
    ids.claim({ name: 'aaa', version: '1', arch: 'all', sha256: sha(5) }, 'z.deb');
    const keys = Object.keys(JSON.parse((await saved(ids))!) as object);
    expect(keys).toHaveLength(501);
    expect(keys).toEqual([...keys].sort());
  });

  it('nothing new: nothing written', async () => {
    const ids = await PackageIdentities.load(repoWith(record), { suite: 'bookworm', contents: empty });
    ids.claim({ name: 'pkg-1', version: '1.0-1', arch: 'amd64', sha256: sha(1) }, 'a.deb');
    expect(await saved(ids)).toBeUndefined();
  });

  it('an empty record takes its first entry', async () => {
    const ids = await PackageIdentities.load(repoWith({}), { suite: 'bookworm', contents: empty });
    ids.claim({ name: 'one', version: '1', arch: 'all', sha256: sha(1) }, 'a.deb');
    expect(JSON.parse((await saved(ids))!)).toEqual({ 'one 1 all': sha(1) });
  });
});
