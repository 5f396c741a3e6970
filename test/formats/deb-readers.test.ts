/**
 * .deb readers against dpkg-deb: packages built by the real dpkg-deb with every control
 * compression it supports; our parsed control file must equal `dpkg-deb --info <deb> control`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAr } from '../../src/formats/ar.js';
import { decompress } from '../../src/formats/compress.js';
import { readDebControl } from '../../src/formats/deb-control.js';
import { writeStanza } from '../../src/formats/deb822.js';
import { readTar, tarHasFile } from '../../src/formats/tar.js';

const work = mkdtempSync(join(tmpdir(), 'pkgtrack-debread-'));

function buildDeb(comp: string, control: string, name = `t-${comp}`, extra: string[] = []): string {
  const root = join(work, name);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc/t'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), control);
  writeFileSync(join(root, 'usr/share/doc/t/README'), 'hello\n'.repeat(100));
  const out = join(work, `${name}.deb`);
  execFileSync('dpkg-deb', [`-Z${comp}`, '--root-owner-group', ...extra, '-b', root, out], { stdio: 'ignore' });
  return out;
}

const CONTROL = [
  'Package: t',
  'Version: 1:2.0~rc1-3',
  'Architecture: all',
  'Maintainer: Jane Doe <jane@example.org>',
  'Installed-Size: 12',
  'Depends: libc6 (>= 2.36), foo | bar',
  'X-Custom-Field: kept',
  'Description: a test package',
  ' with a long description',
  ' .',
  ' and a second paragraph.',
  '',
].join('\n');

describe('readDebControl against dpkg-deb', () => {
  for (const comp of ['gzip', 'xz', 'zstd', 'none']) {
    it(`reads control.tar with ${comp}`, () => {
      const deb = buildDeb(comp, CONTROL);
      const bytes = readFileSync(deb);
      const ours = writeStanza(readDebControl(bytes, deb).control.fields);
      const theirs = execFileSync('dpkg-deb', ['--info', deb, 'control']).toString();
      expect(ours).toBe(theirs);
    });
  }

  it('lists ar members like ar t', () => {
    const deb = buildDeb('xz', CONTROL, 'ar-list');
    const ours = readAr(readFileSync(deb)).map((m) => m.name);
    expect(ours).toEqual(execFileSync('ar', ['t', deb]).toString().trim().split('\n'));
  });

  it('lists data.tar entries like tar -t', () => {
    const deb = buildDeb('gzip', CONTROL, 'tar-list');
    const data = readAr(readFileSync(deb)).find((m) => m.name.startsWith('data.tar'))!;
    const names = readTar(decompress(data.data, 'gz')).map((e) => e.name);
    const tarList = execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'sh', deb])
      .toString()
      .trim()
      .split('\n')
      .map((n) => n.replace(/^\.\/?/, '').replace(/\/$/, ''));
    expect(names).toEqual(tarList);
  });
});

describe('tarHasFile', () => {
  it('is true from the first prefix that holds all of control, and never throws on a cut one', () => {
    const deb = buildDeb('none', CONTROL, 'has-file');
    const ctl = readAr(readFileSync(deb)).find((m) => m.name.startsWith('control.tar'))!.data;
    const entry = readTar(ctl).find((e) => e.name === 'control')!;
    const end = entry.data.byteOffset - ctl.byteOffset + entry.size;
    expect(end).toBeGreaterThan(512);
    for (let n = 0; n <= ctl.length; n += 37) expect(tarHasFile(ctl.subarray(0, n), 'control'), `prefix ${n}`).toBe(n >= end);
    expect(tarHasFile(ctl, 'nope')).toBe(false);
    const damaged = Uint8Array.from(ctl);
    damaged[600] = damaged[600]! ^ 0xff; // a header byte of the second entry
    expect(() => tarHasFile(damaged, 'control')).not.toThrow();
  });
});

describe('hostile .debs', () => {
  it('refuses a truncated .deb naming the file', () => {
    const deb = buildDeb('xz', CONTROL, 'trunc');
    const bytes = readFileSync(deb);
    expect(() => readDebControl(bytes.subarray(0, 200), 'trunc.deb')).toThrow(/trunc\.deb/);
  });
  it('refuses a non-ar file', () => {
    expect(() => readDebControl(Buffer.from('not a deb at all'), 'x.deb')).toThrowError(expect.objectContaining({ code: 'AR_BAD_MAGIC' }));
  });
  it('refuses a control file with two stanzas', () => {
    // dpkg-deb itself refuses this control file; --nocheck builds it the way an attacker would.
    const deb = buildDeb('gzip', `${CONTROL}\nPackage: evil\nVersion: 1\nArchitecture: all\n`, 'two-stanzas', ['--nocheck']);
    expect(() => readDebControl(readFileSync(deb), 'two.deb')).toThrowError(expect.objectContaining({ code: 'DEB822_SYNTAX' }));
  });
  it('caps decompression (bomb)', () => {
    const bomb = execFileSync('xz', ['-c'], { input: Buffer.alloc(4 * 1024 * 1024) });
    expect(() => decompress(bomb, 'xz', 'bomb', 1024 * 1024)).toThrowError(expect.objectContaining({ code: 'DECOMPRESS_FAILED' }));
    const gz = execFileSync('gzip', ['-c'], { input: Buffer.alloc(4 * 1024 * 1024) });
    expect(() => decompress(gz, 'gz', 'bomb', 1024 * 1024)).toThrowError(expect.objectContaining({ code: 'DECOMPRESS_FAILED' }));
  });
  it('finds the control file wherever control.tar.xz puts it (after a large md5sums too)', () => {
    // Not dpkg-deb's order: md5sums (2 MB) first, control last, as another tool might write it.
    const dir = join(work, 'control-last');
    mkdirSync(join(dir, 'ctl'), { recursive: true });
    writeFileSync(join(dir, 'ctl/md5sums'), Array.from({ length: 40_000 }, (_, i) => `${'0'.repeat(32)}  usr/share/f${i}\n`).join(''));
    writeFileSync(join(dir, 'ctl/control'), CONTROL);
    execFileSync('tar', ['-cJf', join(dir, 'control.tar.xz'), '-C', join(dir, 'ctl'), './md5sums', './control']);
    writeFileSync(join(dir, 'debian-binary'), '2.0\n');
    execFileSync('tar', ['-cJf', join(dir, 'data.tar.xz'), '-T', '/dev/null']);
    const deb = join(dir, 'last.deb');
    execFileSync('ar', ['rc', deb, 'debian-binary', 'control.tar.xz', 'data.tar.xz'], { cwd: dir });
    const { control } = readDebControl(readFileSync(deb), 'last.deb');
    expect(writeStanza(control.fields)).toBe(CONTROL);
  });

  it('decodes multi-chunk xz identically to xz -d', () => {
    const input = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `line ${i}\n`).join(''));
    const packed = execFileSync('xz', ['-c'], { input });
    expect(Buffer.from(decompress(packed, 'xz', 'big', 64 * 1024 * 1024)).equals(input)).toBe(true);
  });
});
