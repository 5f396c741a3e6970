/**
 * `pkgtrack publish --rebuild` of a yum repository reads every package again instead of trusting
 * the index cache: a cached fragment gone wrong (here: tampered in the state store) shows up in
 * the next ordinary publish, and --rebuild puts back what the pool files say. The compiled CLI
 * (reader threads: more than 8 files), the rpm corpus, the signed pool.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressionOf, decompress } from '../../../src/formats/compress.js';
import { pkgtrack, tempDir } from '../../helpers/cli.js';
import { keyedRecipesRepo } from '../apt-helpers.js';
import { corpusRpms } from './corpus.js';
import { primaryHref } from './compare.js';

const SUITE = 'fedora/41/x86_64';
let repo: string;
let first: string[];
let later: string;

beforeAll(() => {
  const rpms = corpusRpms().filter((f) => f.includes('/pkgc0-'));
  first = rpms.slice(0, 12);
  later = rpms[12]!;
  repo = keyedRecipesRepo(tempDir('pkgtrack-yum-rebuild-'), 'rebuild');
}, 300_000);

/** The primary.xml repomd.xml names now (older ones stay a while for readers mid-update). */
function primary(): string {
  const root = join(repo, 'public', 'yum', SUITE);
  const href = primaryHref(root);
  return Buffer.from(decompress(readFileSync(join(root, href)), compressionOf(href)!, href)).toString('utf8');
}

const summaries = (xml: string) => [...xml.matchAll(/<summary>([^<]*)<\/summary>/g)].map((m) => m[1]);

describe('yum publish --rebuild', () => {
  it('reads every pool file again: a wrong cached fragment is replaced by what the package says', async () => {
    const r = await pkgtrack(['publish', '--suite', SUITE, ...first], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const good = primary();
    expect(summaries(good)).toHaveLength(first.length);
    expect(good).not.toContain('TAMPERED');

    // The index cache now says something else about every package.
    const db = new DatabaseSync(join(repo, '.pkgtrack', 'state.db'));
    const n = db
      .prepare("UPDATE repo_index_cache SET value = replace(value, '<summary>', '<summary>TAMPERED ') WHERE kind LIKE 'yum-pkg-%'")
      .run();
    db.close();
    expect(Number(n.changes)).toBeGreaterThanOrEqual(first.length);

    // An ordinary publish trusts the cache for the packages it keeps.
    const add = await pkgtrack(['publish', '--suite', SUITE, later], { cwd: repo });
    expect(add.code, add.stderr).toBe(0);
    expect(summaries(primary()).filter((s) => s!.startsWith('TAMPERED'))).toHaveLength(first.length);

    // --rebuild with the (unsigned) inputs: each pool file is read again.
    const rebuilt = await pkgtrack(['publish', '--rebuild', '--suite', SUITE, ...first, later], { cwd: repo });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const after = primary();
    expect(after).not.toContain('TAMPERED');
    expect(summaries(after)).toHaveLength(first.length + 1);
    // The same fragments as the first publish wrote for the first packages.
    for (const s of summaries(good)) expect(summaries(after)).toContain(s);
  }, 300_000);
});
