/**
 * Hostile .debs publish refuses, naming the file and the member or field (issue #24 items 6,
 * 7, 8, 17); each published before (rc=0) and then broke apt or installed something other
 * than what the index said:
 *  - a control file with a 300 KB field, 300 fields, or 2 MB in all (limits);
 *  - ambiguous archives: a second control member, data before control, a member after the
 *    data member, bytes after the last member, two "control" entries in control.tar;
 *  - a truncated data member (xz, gzip, zstd) whose ar header was made to fit;
 *  - control bytes that are not UTF-8 (were rewritten to U+FFFD).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { makeKey, publishCli, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;
let n = 0;

beforeAll(() => {
  dir = tempDir('pkgtrack-deb-hostile-');
  key = makeKey(dir);
}, 60_000);

const CONTROL = 'Package: hostile\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n';

/** Members of a .deb in a work folder: debian-binary, control.tar.<c>, data.tar.<d> (and any extra files). */
function members(control: Buffer | string, dataComp: 'xz' | 'gz' | 'zst' = 'xz', controlEntries = 1): string {
  const w = join(dir, `m${n++}`);
  mkdirSync(join(w, 'ctl'), { recursive: true });
  mkdirSync(join(w, 'root/usr/share/hostile'), { recursive: true });
  writeFileSync(join(w, 'debian-binary'), '2.0\n');
  writeFileSync(join(w, 'ctl/control'), control);
  execFileSync('tar', ['-C', join(w, 'ctl'), '-cf', join(w, 'control.tar'), './control']);
  for (let i = 1; i < controlEntries; i++) execFileSync('tar', ['-C', join(w, 'ctl'), '-rf', join(w, 'control.tar'), './control']);
  execFileSync('xz', ['-z', join(w, 'control.tar')]);
  // Incompressible content so a cut lands inside the stream.
  writeFileSync(join(w, 'root/usr/share/hostile/data'), execFileSync('head', ['-c', '20000', '/dev/urandom']));
  execFileSync('tar', ['-C', join(w, 'root'), '-cf', join(w, 'data.tar'), '.']);
  const compress = { xz: ['xz', '-z'], gz: ['gzip', '-n'], zst: ['zstd', '-q', '--rm'] }[dataComp];
  execFileSync(compress[0]!, [...compress.slice(1), join(w, 'data.tar')]);
  return w;
}

/** ar the named members of work folder `w`, in order, into a .deb. */
function ar(w: string, names: string[]): string {
  const out = join(w, `hostile_1.0-1_all.deb`);
  rmSync(out, { force: true });
  execFileSync('ar', ['qc', out, ...names], { cwd: w });
  return out;
}

async function expectRefused(deb: string, code: string, ...mentions: string[]) {
  const out = join(dir, `out${n++}`);
  const r = await publishCli(dir, key, out, ['--suite', 'bookworm', deb]);
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toContain(`error[${code}]`);
  for (const m of [deb, ...mentions]) expect(r.stderr).toContain(m);
  expect(existsSync(join(out, 'apt/dists'))).toBe(false);
}

describe('control file limits (item 6)', () => {
  it('refuses a 300 KB field naming it', async () => {
    const w = members(`${CONTROL}Depends: ${'a, '.repeat(100_000)}b\n`);
    await expectRefused(ar(w, ['debian-binary', 'control.tar.xz', 'data.tar.xz']), 'DEB_CONTROL_FIELD_TOO_LONG', 'Depends');
  });
  it('refuses 300 fields', async () => {
    const extra = Array.from({ length: 300 }, (_, i) => `X-Field-${i}: v\n`).join('');
    await expectRefused(ar(members(CONTROL + extra), ['debian-binary', 'control.tar.xz', 'data.tar.xz']), 'DEB_CONTROL_TOO_MANY_FIELDS');
  });
  it('refuses a 2 MB control file', async () => {
    const w = members(`${CONTROL}${Array.from({ length: 20 }, (_, i) => `X-Big-${i}: ${'y'.repeat(110_000)}\n`).join('')}`);
    await expectRefused(ar(w, ['debian-binary', 'control.tar.xz', 'data.tar.xz']), 'DEB_CONTROL_TOO_BIG');
  });
  it('publishes the same package without them', async () => {
    const r = await publishCli(dir, key, join(dir, 'fine'), [
      '--suite',
      'bookworm',
      ar(members(CONTROL), ['debian-binary', 'control.tar.xz', 'data.tar.xz']),
    ]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('ambiguous archives (item 7)', () => {
  it('refuses a second control member', async () => {
    const w = members(CONTROL);
    await expectRefused(ar(w, ['debian-binary', 'control.tar.xz', 'control.tar.xz', 'data.tar.xz']), 'DEB_AMBIGUOUS', 'control.tar.xz');
  });
  it('refuses the data member before the control member', async () => {
    await expectRefused(ar(members(CONTROL), ['debian-binary', 'data.tar.xz', 'control.tar.xz']), 'DEB_AMBIGUOUS', 'data.tar.xz');
  });
  it('refuses a member after the data member', async () => {
    const w = members(CONTROL);
    writeFileSync(join(w, 'extra'), 'x');
    await expectRefused(ar(w, ['debian-binary', 'control.tar.xz', 'data.tar.xz', 'extra']), 'DEB_AMBIGUOUS', 'extra');
  });
  it('refuses bytes after the last member', async () => {
    const deb = ar(members(CONTROL), ['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    appendFileSync(deb, 'trailing garbage\n');
    await expectRefused(deb, 'AR_TRAILING_DATA');
  });
  it('refuses two "control" entries in control.tar', async () => {
    await expectRefused(ar(members(CONTROL, 'xz', 2), ['debian-binary', 'control.tar.xz', 'data.tar.xz']), 'DEB_AMBIGUOUS', 'control');
  });
});

describe('truncated data members (item 8)', () => {
  for (const comp of ['xz', 'gz', 'zst'] as const) {
    it(`refuses a data.tar.${comp} cut short inside a consistent ar archive`, async () => {
      const w = members(CONTROL, comp);
      const data = join(w, `data.tar.${comp}`);
      const b = readFileSync(data);
      writeFileSync(data, b.subarray(0, b.length - 3000));
      await expectRefused(ar(w, ['debian-binary', 'control.tar.xz', `data.tar.${comp}`]), 'DEB_TRUNCATED', `data.tar.${comp}`);
    });
  }
  it('refuses a .deb cut short (the data member runs past the end)', async () => {
    const deb = ar(members(CONTROL), ['debian-binary', 'control.tar.xz', 'data.tar.xz']);
    const b = readFileSync(deb);
    writeFileSync(deb, b.subarray(0, b.length - 100));
    await expectRefused(deb, 'AR_TRUNCATED');
  });
});

describe('control encoding (item 17)', () => {
  it('refuses Latin-1 bytes in a field, naming the field and line, instead of rewriting them to U+FFFD', async () => {
    const latin1 = Buffer.concat([Buffer.from(CONTROL.replace('Maintainer: T', 'Maintainer: J')), Buffer.from('Homepage: x\n')]);
    const at = latin1.indexOf('J <');
    latin1.writeUInt8(0xe9, at + 1); // "Jé" in Latin-1: 0xe9 then ' ' is not UTF-8
    await expectRefused(
      ar(members(latin1), ['debian-binary', 'control.tar.xz', 'data.tar.xz']),
      'DEB_CONTROL_NOT_UTF8',
      'Maintainer',
      'line 4',
    );
  });
});
