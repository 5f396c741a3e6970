/**
 * `verify --deep` and `repo verify --deep` re-hash the apt pool files the indexes list
 * (issue #24 item 16): a pool .deb replaced by other bytes passes a shallow check (Release and
 * indexes are intact) and is caught by the deep one, naming the file.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;
let out: string;
const POOL = 'pool/main/d/deep/deep_1.0-1_all.deb';

beforeAll(async () => {
  dir = tempDir('pkgtrack-deep-');
  key = makeKey(dir);
  const base = join(dir, 'base');
  expect(
    (await publishCli(dir, key, base, ['--suite', 'bookworm', buildDeb(dir, 'deep', '1.0-1'), buildDeb(dir, 'other', '1.0-1')])).code,
  ).toBe(0);
  out = join(dir, 'tampered');
  execFileSync('cp', ['-a', base, out]);
  appendFileSync(join(out, 'apt', POOL), 'x');
  rmSync(join(out, 'apt/pool/main/o/other/other_1.0-1_all.deb'));
}, 60_000);

describe('--deep re-hashes apt pool files', () => {
  it('verify: shallow passes, --deep names the changed and the missing pool file', async () => {
    const shallow = await pkgtrack(['verify', out, '--keyring', key.pub]);
    expect(shallow.code, shallow.stdout).toBe(0);
    const deep = await pkgtrack(['verify', out, '--keyring', key.pub, '--deep', '--json']);
    expect(deep.code).toBe(11);
    const problems = (deep.json().problems as Array<{ code: string; file: string }>).map((p) => `${p.code} ${p.file}`).sort();
    expect(problems).toEqual([`POOL_FILE_MISSING apt/pool/main/o/other/other_1.0-1_all.deb`, `POOL_HASH_MISMATCH apt/${POOL}`]);
  });

  it('repo verify: shallow passes, --deep names them', async () => {
    const shallow = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub]);
    expect(shallow.code, shallow.stdout).toBe(0);
    const deep = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--deep', '--json']);
    expect(deep.code).toBe(11);
    const files = (deep.json().problems as Array<{ file: string }>).map((p) => p.file).sort();
    expect(files).toEqual([POOL, 'pool/main/o/other/other_1.0-1_all.deb']);
  });

  it('passes an untouched repository', async () => {
    expect((await pkgtrack(['verify', join(dir, 'base'), '--keyring', key.pub, '--deep'])).code).toBe(0);
    expect((await pkgtrack(['repo', 'verify', join(dir, 'base', 'apt'), '--keyring', key.pub, '--deep'])).code).toBe(0);
  });
});
