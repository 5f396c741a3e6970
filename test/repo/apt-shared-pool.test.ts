/**
 * The pool is shared by every suite: a file one suite drops (retention, `repo remove`) stays while
 * another suite's index names it, and goes when none does. Other suites are searched as text
 * first (apt-format.ts referencedByOtherSuites): a suite whose indexes mention the file's name
 * without referencing it (here: in a Homepage) must not keep it, one that references it must.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, ensureCorpus, makeKey, publishCli, type TestKey } from './apt-helpers.js';

let dir: string;
let out: string;
let key: TestKey;
let dsc: string;

beforeAll(async () => {
  const corpus = await ensureCorpus();
  dsc = join(corpus.dir, 'sources', corpus.dscs[0]!);
  dir = tempDir('pkgtrack-shared-pool-');
  out = join(dir, 'out');
  key = makeKey(dir);
}, 900_000);

const ok = async (args: string[]) => {
  const r = await publishCli(dir, key, out, args);
  expect(r.code, r.stderr).toBe(0);
  return r;
};
const pool = (rel: string) => existsSync(join(out, 'apt', rel));

describe('a pool file shared by suites', () => {
  it('stays while another suite references it, and goes when only a mention of its name is left', async () => {
    const old = buildDeb(dir, 'shared', '1.0-1');
    const fresh = buildDeb(dir, 'shared', '2.0-1');
    const mention = buildDeb(dir, 'mentions', '1.0-1', { control: 'Homepage: https://example.org/shared_1.0-1_all.deb\n' });
    const oldPool = 'pool/main/s/shared/shared_1.0-1_all.deb';
    for (const s of ['aa', 'bb']) await ok(['--suite', s, old, dsc]);
    await ok(['--suite', 'cc', mention]);
    expect(pool(oldPool)).toBe(true);

    // aa drops 1.0-1 (keep 1): bb still has it.
    await ok(['--suite', 'aa', '--keep', '1', fresh]);
    expect(pool(oldPool)).toBe(true);
    // bb drops it too: only cc's Homepage names the file now, and that is no reference.
    await ok(['--suite', 'bb', '--keep', '1', fresh]);
    expect(pool(oldPool)).toBe(false);
    expect(pool('pool/main/s/shared/shared_2.0-1_all.deb')).toBe(true);

    // The source: removed from aa, its files stay for bb; removed from bb, they go.
    const name = /^Source: (.*)$/m.exec(readFileSync(dsc, 'utf8'))![1]!;
    const dir0 = /^Directory: (.*)$/m.exec(readFileSync(join(out, 'apt/dists/bb/main/source/Sources'), 'utf8'))![1]!;
    const dscPool = `${dir0}/${dsc.slice(dsc.lastIndexOf('/') + 1)}`;
    expect(pool(dscPool)).toBe(true);
    const rm = (suite: string) =>
      pkgtrack(['repo', 'remove', name, '--suite', suite, '--arch', 'source', '--output', out, '--key', key.secret], { cwd: dir });
    expect((await rm('aa')).code).toBe(0);
    expect(pool(dscPool)).toBe(true);
    expect((await rm('bb')).code).toBe(0);
    expect(pool(dscPool)).toBe(false);

    const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--deep', '--json']);
    expect(verify.code, verify.stdout).toBe(0);
  }, 300_000);
});
