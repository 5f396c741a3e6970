/** `repo verify --deep` reads a suite's Packages even when it is bigger than the default decompression cap. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_OUTPUT } from '../../src/formats/compress.js';
import { checkPoolFiles } from '../../src/repo/apt/pool-check.js';

describe('checkPoolFiles and big indexes', () => {
  it('reads a Packages.gz that inflates past DEFAULT_MAX_OUTPUT (a suite of ~200,000 packages, published without a plain Packages)', async () => {
    const deb = new TextEncoder().encode('not really a deb, but hashed like one');
    const sha256 = createHash('sha256').update(deb).digest('hex');
    const stanza = (i: number) =>
      `Package: p${i}\nVersion: 1.0-1\nArchitecture: amd64\nFilename: pool/main/p/p${i}/p${i}_1.0-1_amd64.deb\nSize: ${deb.length}\nSHA256: ${sha256}\nDescription: ${'x'.repeat(300)}\n`;
    const count = Math.ceil(DEFAULT_MAX_OUTPUT / stanza(0).length) + 10;
    const text = Array.from({ length: count }, (_, i) => stanza(i)).join('\n');
    expect(text.length).toBeGreaterThan(DEFAULT_MAX_OUTPUT);
    const files = new Map<string, Uint8Array>([['dists/s/main/binary-amd64/Packages.gz', gzipSync(text, { level: 1 })]]);
    const get = async (rel: string) => files.get(rel) ?? (rel.startsWith('pool/') ? deb : undefined);
    const r = await checkPoolFiles(get, 'dists/s', ['main/binary-amd64/Packages.gz']);
    expect(r.problems).toEqual([]);
    expect(r.checked.length).toBe(count);
  }, 60_000);
});
