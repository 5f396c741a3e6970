/**
 * The pure ar and tar writers (formats/ar.ts writeAr, formats/tar.ts writeTar): what they write
 * reads back through our readers, and the reference tools accept it: GNU tar lists the archive
 * and dpkg-deb reads a .deb assembled from them (bench/scale writes thousands this way).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDeb } from '../../bench/scale/make-debs.js';
import { readAr, writeAr } from '../../src/formats/ar.js';
import { readTar, writeTar } from '../../src/formats/tar.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-ar-tar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('writeTar', () => {
  const entries = [
    { name: './', type: '5' as const },
    { name: './usr/share/doc/x', type: '5' as const },
    { name: './usr/share/doc/x/README', type: '0' as const, data: Buffer.from('hello\n'), mtime: 1_700_000_000 },
    { name: './empty', type: '0' as const, data: new Uint8Array(), mode: 0o600 },
    { name: `./${'n'.repeat(98)}`, type: '0' as const, data: new Uint8Array(513).fill(7) },
  ];

  it('reads back through readTar and lists in GNU tar with the modes, owners and sizes written', () => {
    const bytes = writeTar(entries);
    expect(bytes.length % 512).toBe(0);
    const back = readTar(bytes);
    expect(back.map((e) => [e.name, e.type, e.size])).toEqual([
      ['', '5', 0],
      ['usr/share/doc/x', '5', 0],
      ['usr/share/doc/x/README', '0', 6],
      ['empty', '0', 0],
      ['n'.repeat(98), '0', 513],
    ]);
    expect(Buffer.from(back[2]!.data).toString()).toBe('hello\n');
    const file = join(tmp, 'a.tar');
    writeFileSync(file, bytes);
    const listing = execFileSync('tar', ['--utc', '-tvf', file]).toString().trim().split('\n');
    expect(listing[0]).toMatch(/^drwxr-xr-x root\/root +0 1970-01-01 00:00 \.\/$/);
    expect(listing[2]).toMatch(/^-rw-r--r-- root\/root +6 2023-11-14 22:13 \.\/usr\/share\/doc\/x\/README$/);
    expect(listing[3]).toMatch(/^-rw------- root\/root +0 .* \.\/empty$/);
    expect(listing).toHaveLength(5);
  });

  it('refuses a name over 100 bytes instead of cutting it', () => {
    expect(() => writeTar([{ name: `./${'n'.repeat(100)}`, type: '0' }])).toThrow(/over 100 bytes/);
  });
});

describe('writeAr', () => {
  it('reads back through readAr, odd sizes padded', () => {
    const bytes = writeAr([
      { name: 'debian-binary', data: Buffer.from('2.0\n') },
      { name: 'odd', data: Buffer.from('abc') },
      { name: 'last', data: Buffer.from('z') },
    ]);
    expect(readAr(bytes).map((m) => [m.name, Buffer.from(m.data).toString()])).toEqual([
      ['debian-binary', '2.0\n'],
      ['odd', 'abc'],
      ['last', 'z'],
    ]);
    expect(() => writeAr([{ name: 'a-name-too-long-for-ar', data: new Uint8Array() }])).toThrow(/16 bytes/);
  });

  it('makes .debs that dpkg-deb reads (control fields and file list)', () => {
    const file = join(tmp, 'gen_1.0-1_amd64.deb');
    writeFileSync(file, makeDeb('gen'));
    expect(execFileSync('dpkg-deb', ['--field', file, 'Package', 'Version', 'Architecture']).toString()).toBe(
      'Package: gen\nVersion: 1.0-1\nArchitecture: amd64\n',
    );
    const contents = execFileSync('dpkg-deb', ['--contents', file]).toString();
    expect(contents).toMatch(/-rw-r--r-- root\/root +\d+ 2025-12-01 00:00 \.\/usr\/share\/doc\/gen\/README/);
  });
});
