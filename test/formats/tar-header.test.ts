/**
 * The tar reader's header numbers (formats/tar.ts octal): the shapes tar writers use are read
 * from the bytes; anything else gets the text path's verdict. One test per shape, on a header
 * written by writeTar and edited (its checksum made right again), checked against GNU tar.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTar, TarNameLister, writeTar } from '../../src/formats/tar.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-tar-header-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIZE = { off: 124, len: 12 };

/** One file of `n` bytes, its size field replaced by `field` (padded with NULs), checksum redone. */
function withSizeField(n: number, field: string): Uint8Array {
  const tar = writeTar([{ name: './f', type: '0', data: new Uint8Array(n).fill(0x61) }]);
  const h = tar.subarray(0, 512);
  h.fill(0, SIZE.off, SIZE.off + SIZE.len);
  h.set(Buffer.from(field, 'latin1'), SIZE.off);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `), 148);
  return tar;
}

/** What GNU tar makes of it: the size it lists, or that it refuses. */
function gnuSize(tar: Uint8Array): number | 'refused' {
  const f = join(tmp, `t-${Math.random().toString(36).slice(2)}.tar`);
  writeFileSync(f, tar);
  try {
    return Number(
      execFileSync('tar', ['-tvf', f], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .split(/\s+/)[2],
    );
  } catch {
    return 'refused';
  }
}

const lister = (tar: Uint8Array) => {
  const l = new TarNameLister('t.tar');
  l.push(tar);
  return l.end();
};

describe('tar header numbers', () => {
  it.each([
    ['zero-padded, NUL-ended', '00000000005\0'],
    ['zero-padded, blank-ended (old GNU)', '0000000005 '],
    ['blank-led', '          5\0'],
    ['blanks both sides', '   5   \0'],
    ['a tab after', '5\t\0'],
  ])('%s: read as GNU tar reads it', (_what, field) => {
    const tar = withSizeField(5, field);
    expect(gnuSize(tar)).toBe(5);
    expect(readTar(tar, 't.tar')[0]).toMatchObject({ name: 'f', size: 5 });
    expect(lister(tar)).toEqual([{ name: 'f', type: '0' }]);
  });

  it.each([
    ['a non-octal digit', '00000000008\0'],
    ['a letter after the digits', '0000000005x\0'],
    ['digits after a blank', '000 0000005\0'],
  ])('%s: refused as a corrupt header, naming the number', (_what, field) => {
    const tar = withSizeField(5, field);
    expect(() => readTar(tar, 't.tar')).toThrow(expect.objectContaining({ code: 'TAR_BAD_HEADER' }));
    expect(() => lister(tar)).toThrow(/corrupt tar header \(number/);
  });

  it('refuses a header whose checksum does not add up', () => {
    const tar = writeTar([{ name: './f', type: '0', data: Buffer.from('hello') }]);
    tar[0] = 0x67; // the name's first byte, after the checksum was written
    expect(() => readTar(tar, 't.tar')).toThrow(expect.objectContaining({ code: 'TAR_BAD_CHECKSUM' }));
  });
});
