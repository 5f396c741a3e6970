/**
 * Index compression: big indexes become multi-block .xz files (one block per core); apt's own
 * decompressor (apt-helper cat-file), xz and our reader must all give back the exact bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../src/formats/compress.js';
import { gzipIndex, xzArgs, xzIndex } from '../../src/repo/apt/compress.js';

/** A Packages-like text of about `n` bytes (varied, so it does not compress to nothing). */
function packagesText(n: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const s = `Package: pkg-${i}\nVersion: ${i % 7}.${i % 13}-${i % 3}\nArchitecture: amd64\nSize: ${(i * 7919) % 100000}\nSHA256: ${(i * 2654435761).toString(16).padStart(64, '0')}\nDescription: package number ${i}\n\n`;
    parts.push(s);
    size += s.length;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

describe('apt index compression', () => {
  it('chooses one block per core for big indexes, one block and a fitted dictionary for small ones', () => {
    expect(xzArgs(100_000, '6', 2)).toEqual(['--lzma2=preset=6,dict=131072', '-T1', '-c', '-']);
    expect(xzArgs(1_200_000, '6', 2)).toEqual(['--lzma2=preset=6,dict=1048576', '-T2', '--block-size=600000', '-c', '-']);
    expect(xzArgs(1_200_000, '6', 1)).toEqual(['--lzma2=preset=6,dict=2097152', '-T1', '-c', '-']);
    expect(xzArgs(64 * 1024 * 1024, '9', 2)[0]).toBe('--lzma2=preset=9,dict=8388608');
  });

  for (const size of [40_000, 1_500_000]) {
    it(`a ${size}-byte index round-trips through apt, xz and our reader`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-xz-'));
      try {
        const plain = packagesText(size);
        const xz = await xzIndex(plain);
        const gz = await gzipIndex(plain);
        writeFileSync(join(dir, 'Packages.xz'), xz);
        writeFileSync(join(dir, 'Packages.gz'), gz);
        const blocks = Number(
          /^\s*Blocks:\s*(\d+)/m.exec(execFileSync('xz', ['-lvv', join(dir, 'Packages.xz')], { encoding: 'utf8' }))?.[1],
        );
        expect(blocks).toBe(size >= 512 * 1024 ? Math.min(4, Math.max(1, (await import('node:os')).availableParallelism())) : 1);
        for (const f of ['Packages.xz', 'Packages.gz']) {
          const viaApt = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', join(dir, f)], { maxBuffer: 1 << 26 });
          expect(Buffer.compare(viaApt, plain), `apt-helper cat-file ${f}`).toBe(0);
        }
        expect(Buffer.compare(execFileSync('xz', ['-dc', join(dir, 'Packages.xz')], { maxBuffer: 1 << 26 }), plain)).toBe(0);
        expect(Buffer.compare(Buffer.from(decompress(xz, 'xz', 'Packages.xz')), plain)).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
