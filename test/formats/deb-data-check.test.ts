/**
 * checkDebData on gzip data members: small members are inflated in one call, big ones (or ones
 * whose gzip trailer claims a big size) streamed; both refuse a member cut short. A trailer
 * that understates the size makes the one-call path hit its output cap: the member is then
 * streamed to its end (and refused, as zlib checks ISIZE), never taken on the cap's say-so.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeAr } from '../../src/formats/ar.js';
import { checkDebData } from '../../src/formats/deb-archive.js';

const deb = (data: Uint8Array) =>
  writeAr([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: gzipSync(Buffer.alloc(1024)) },
    { name: 'data.tar.gz', data },
  ]);

const refusal = async (data: Uint8Array) => {
  try {
    await checkDebData(deb(data), 'x.deb');
    return undefined;
  } catch (e) {
    return e as { code?: string; message: string };
  }
};

describe('checkDebData, gzip data member', () => {
  it('takes a whole small member and refuses one cut short, naming the member', async () => {
    const whole = gzipSync(Buffer.alloc(10_240, 7));
    expect(await refusal(whole)).toBeUndefined();
    const cut = whole.subarray(0, whole.length - 12);
    const e = await refusal(cut);
    expect(e?.code).toBe('DEB_TRUNCATED');
    expect(e?.message).toContain('data.tar.gz');
  });

  it('streams a member whose real size is past the one-call cap, and still finds a cut in it', async () => {
    const big = gzipSync(Buffer.alloc(20 * 1024 * 1024)); // ~20 KB compressed, 20 MiB inflated
    // The trailer's ISIZE claims 1 byte: the one-call path hits its cap and must fall back.
    const lying = Buffer.from(big);
    lying.writeUInt32LE(1, lying.length - 4);
    expect((await refusal(big)) ?? 'ok').toBe('ok');
    // A wrong ISIZE is a damaged trailer to zlib either way: refused, not taken.
    expect((await refusal(lying))?.code).toBe('DEB_TRUNCATED');
    expect((await refusal(big.subarray(0, big.length - 100)))?.code).toBe('DEB_TRUNCATED');
  });

  it('streams a member over 1 MiB compressed', async () => {
    const noise = randomBytes(1_200_000);
    const gz = gzipSync(noise, { level: 1 });
    expect(gz.length).toBeGreaterThan(1024 * 1024);
    expect(await refusal(gz)).toBeUndefined();
    expect((await refusal(gz.subarray(0, gz.length - 9)))?.code).toBe('DEB_TRUNCATED');
  });
});
