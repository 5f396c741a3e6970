/**
 * `pkgtrack verify DIR` checks a yum repository as dnf would: through the `repodata` link, the
 * repomd.xml.asc signature over repomd.xml, and every file repomd.xml and primary list (size,
 * sha256, open size and checksum). Each tampering below passed verify before (the walk never
 * entered `repodata`, a link), while dnf refused the repository.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';
import { buildVersions } from '../repo/yum/harness.js';

let dir: string;
let key: TestKey;
let base: string;
const SUITE = 'fedora/41/x86_64';

beforeAll(async () => {
  dir = tempDir('pkgtrack-verify-yum-');
  key = makeKey(dir);
  const rpms = buildVersions(join(dir, 'rpmbuild'), ['1.0-1', '1.1-1'], 'x', 'vy');
  base = join(dir, 'base');
  const r = await publishCli(dir, key, base, ['--suite', SUITE, '--keep', '0', ...rpms]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

/** A copy of the published tree, changed by `tamper(repo dir)`, then verified. */
async function verifyTampered(name: string, tamper: (repo: string) => void) {
  const out = join(dir, name);
  execFileSync('cp', ['-a', base, out]);
  tamper(join(out, 'yum', SUITE));
  return await pkgtrack(['verify', out, '--keyring', key.pub, '--json']);
}

const repodata = (repo: string) => join(repo, 'repodata');
const metaFile = (repo: string, type: string) =>
  join(repodata(repo), readdirSync(repodata(repo)).find((f) => f.endsWith(`-${type}.xml.gz`))!);
const problems = (r: Awaited<ReturnType<typeof pkgtrack>>) =>
  (r.json().problems as Array<{ code: string; file: string }>).map((p) => `${p.code} ${p.file}`);

describe('verify checks yum metadata through the repodata link', () => {
  it('passes the repository as published, checking repomd.xml, its .asc and the metadata files', async () => {
    const r = await pkgtrack(['verify', base, '--keyring', key.pub, '--json']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().checked).toContain(`yum/${SUITE}/repodata/repomd.xml`);
  });

  it('refuses a repomd.xml changed after signing (stale repomd.xml.asc)', async () => {
    const r = await verifyTampered('stale-asc', (repo) => {
      const f = join(repodata(repo), 'repomd.xml');
      writeFileSync(f, readFileSync(f, 'utf8').replace('<revision>', '<revision>1'));
    });
    expect(r.code).toBe(11);
    expect(problems(r)).toContain(`SIG_BAD yum/${SUITE}/repodata/repomd.xml.asc`);
  });

  it('refuses a primary whose bytes differ from repomd.xml', async () => {
    const r = await verifyTampered('bad-primary', (repo) => {
      const f = metaFile(repo, 'primary');
      const b = readFileSync(f);
      b.writeUInt8(b.readUInt8(b.length - 5) ^ 0xff, b.length - 5);
      writeFileSync(f, b);
    });
    expect(r.code).toBe(11);
    expect(problems(r).some((p) => p.startsWith('HASH_MISMATCH') && p.includes('-primary.xml.gz'))).toBe(true);
  });

  it('refuses a missing filelists and a missing repomd.xml.asc', async () => {
    const r = await verifyTampered('missing', (repo) => {
      rmSync(metaFile(repo, 'filelists'));
      rmSync(join(repodata(repo), 'repomd.xml.asc'));
    });
    expect(r.code).toBe(11);
    const codes = problems(r).map((p) => p.split(' ')[0]);
    expect(codes).toContain('REPOMD_MISSING_FILE');
    expect(codes).toContain('REPOMD_UNSIGNED');
  });

  it('refuses a package whose bytes differ from what primary lists', async () => {
    const r = await verifyTampered('bad-rpm', (repo) => {
      const f = join(repo, 'Packages/v', readdirSync(join(repo, 'Packages/v'))[0]!);
      const b = readFileSync(f);
      writeFileSync(f, Buffer.concat([b, Buffer.from('x')]));
    });
    expect(r.code).toBe(11);
    expect(problems(r).some((p) => p.startsWith('HASH_MISMATCH') && p.includes('Packages/v/'))).toBe(true);
  });
});
