/**
 * Publish checks an rpm's own digests before it signs or indexes it, as `rpmkeys -K` does: a
 * package whose header or payload was changed after rpmbuild (header SHA-256, payload digest,
 * MD5) or whose header index rpm cannot read (a wrong entry count: region trailer) is refused
 * naming the file, and nothing is published. Before, publish signed such a package: rpm then
 * showed "Header V4 EdDSA Signature OK" beside "Header SHA256 digest: BAD".
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRpmHeaders } from '../../src/formats/rpm/package.js';
import { tempDir } from '../helpers/cli.js';
import { makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';
import { buildVersions } from '../repo/yum/harness.js';

let dir: string;
let key: TestKey;
let good: string[];
const SUITE = 'fedora/41/x86_64';

beforeAll(() => {
  dir = tempDir('pkgtrack-rpm-digests-');
  key = makeKey(dir);
  good = buildVersions(
    join(dir, 'rpmbuild'),
    ['1.0-1', '1.1-1', '1.2-1', '1.3-1', '1.4-1', '1.5-1', '1.6-1', '1.7-1', '1.8-1', '1.9-1'],
    'x',
    'dg',
  );
}, 120_000);

/** A copy of the first package with `edit` applied to its bytes. */
function tampered(name: string, edit: (b: Buffer) => void): string {
  const out = join(dir, `${name}.rpm`);
  const b = readFileSync(good[0]!);
  edit(b);
  writeFileSync(out, b);
  return out;
}

const rpmK = (file: string) => spawnSync('rpmkeys', ['-Kv', file], { encoding: 'utf8' });

async function expectRefused(bad: string, code: RegExp, withOthers = false) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = await publishCli(dir, key, out, ['--suite', SUITE, '--keep', '0', ...(withOthers ? good.slice(1) : []), bad]);
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(code);
  expect(r.stderr).toContain(bad);
  expect(existsSync(join(out, 'yum', SUITE, 'repodata'))).toBe(false);
}

describe('publish refuses an rpm whose digests rpm would call BAD', () => {
  it('a changed byte in the main header (header SHA-256 digest BAD)', async () => {
    const bad = tampered('header', (b) => {
      const { layout } = readRpmHeaders(b);
      const at = b.indexOf('retention test', layout.headerStart);
      b.write('Retention', at);
    });
    expect(rpmK(bad).stdout).toMatch(/Header SHA256 digest: BAD/);
    await expectRefused(bad, /RPM_DIGEST_MISMATCH|SHA-256 header digest mismatch/);
  });

  it('a changed byte in the payload (payload digest BAD), also among nine good ones (worker threads)', async () => {
    const bad = tampered('payload', (b) => {
      const i = b.length - 40;
      b.writeUInt8(b.readUInt8(i) ^ 0x55, i);
    });
    expect(`${rpmK(bad).stdout}${rpmK(bad).stderr}`).toMatch(/BAD/);
    await expectRefused(bad, /payload digest mismatch/);
    await expectRefused(bad, /payload digest mismatch/, true);
  });

  it('a main header with a wrong entry count (rpm cannot read it)', async () => {
    const bad = tampered('count', (b) => {
      const { layout } = readRpmHeaders(b);
      b.writeUInt32BE(b.readUInt32BE(layout.headerStart + 8) - 1, layout.headerStart + 8);
    });
    expect(spawnSync('rpm', ['-qp', bad], { encoding: 'utf8' }).status).not.toBe(0);
    await expectRefused(bad, /RPM_MALFORMED|RPM_DIGEST_MISMATCH/);
  });

  it('the untouched packages publish, and rpmkeys -K says every digest is OK', async () => {
    const out = join(dir, 'out-good');
    const r = await publishCli(dir, key, out, ['--suite', SUITE, '--keep', '0', ...good]);
    expect(r.code, r.stderr).toBe(0);
    const pooled = join(out, 'yum', SUITE, 'Packages/d', good[0]!.split('/').at(-1)!);
    copyFileSync(pooled, join(dir, 'pooled.rpm'));
    expect(rpmK(join(dir, 'pooled.rpm')).stdout).not.toMatch(/BAD/);
  });
});
