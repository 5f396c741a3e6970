/**
 * Index compression: big indexes become multi-block .xz files cut at stanza boundaries chosen by
 * the stanzas' bytes; republishing takes the unchanged blocks from the published .xz. apt's own
 * decompressor (apt-helper cat-file), xz and our reader must all give back the exact bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../src/formats/compress.js';
import { joinXzBlocks, xzBlocks } from '../../src/formats/xz-blocks.js';
import { gzipSegments, joinGzipSegments } from '../../src/formats/gzip-segments.js';
import { createHash } from 'node:crypto';
import { cutIndex, cutIndexAfter, gzipIndex, LINE, stanzaCuts, XZ_BLOCK, xzArgs, xzIndex } from '../../src/repo/apt/compress.js';
import { seededRandom as random } from '../helpers/random.js';

/** Package-like stanzas from `from` while under `n` bytes (varied, so they do not compress to nothing). */
function stanzas(n: number, from = 0): string[] {
  const parts: string[] = [];
  let size = 0;
  for (let i = from; size < n; i++) {
    const s = `Package: pkg-${i}\nVersion: ${i % 7}.${i % 13}-${i % 3}\nArchitecture: amd64\nSize: ${(i * 7919) % 100000}\nSHA256: ${(i * 2654435761).toString(16).padStart(64, '0')}\nDescription: package number ${i}\n`;
    parts.push(s);
    size += s.length + 1;
  }
  return parts;
}
const text = (parts: string[]) => Buffer.from(parts.join('\n'), 'utf8');

/** apt-helper, gzip (which also checks the CRC and length), Python's zlib and our reader each give back `plain` from `gz`. */
function roundTripGz(gz: Uint8Array, plain: Buffer): void {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-gz-'));
  try {
    const file = join(dir, 'Packages.gz');
    writeFileSync(file, gz);
    const viaApt = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', file], { maxBuffer: 1 << 26 });
    expect(Buffer.compare(viaApt, plain), 'apt-helper cat-file').toBe(0);
    expect(Buffer.compare(execFileSync('gzip', ['-dc', file], { maxBuffer: 1 << 26 }), plain), 'gzip -dc').toBe(0);
    const py = execFileSync('python3', ['-c', 'import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())', file], {
      maxBuffer: 1 << 26,
    });
    expect(Buffer.compare(py, plain), 'python gzip').toBe(0);
    expect(Buffer.compare(Buffer.from(decompress(gz, 'gz', 'Packages.gz')), plain), 'our reader').toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** apt-helper, xz and our reader each give back `plain` from `xz`; the number of blocks. */
function roundTrip(xz: Buffer, plain: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-xz-'));
  try {
    writeFileSync(join(dir, 'Packages.xz'), xz);
    const viaApt = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', join(dir, 'Packages.xz')], { maxBuffer: 1 << 26 });
    expect(Buffer.compare(viaApt, plain), 'apt-helper cat-file').toBe(0);
    expect(Buffer.compare(execFileSync('xz', ['-dc', join(dir, 'Packages.xz')], { maxBuffer: 1 << 26 }), plain), 'xz -dc').toBe(0);
    expect(Buffer.compare(Buffer.from(decompress(xz, 'xz', 'Packages.xz')), plain), 'our reader').toBe(0);
    return Number(/^\s*Blocks:\s*(\d+)/m.exec(execFileSync('xz', ['-lvv', join(dir, 'Packages.xz')], { encoding: 'utf8' }))?.[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('apt index compression', () => {
  it('compresses all pieces in one multi-threaded xz: one block each, a fixed dictionary, CRC64 checks', () => {
    expect(xzArgs([100_000], '6', 1)).toEqual([
      '--lzma2=preset=6,dict=1048576',
      '--check=crc64',
      '-T2',
      '--block-size=100000',
      '--block-list=100000',
      '-c',
      '-',
    ]);
    expect(xzArgs([300_000, 70_000, 1_100_000], '9', 2).slice(2, 5)).toEqual([
      '-T2',
      '--block-size=1100000',
      '--block-list=300000,70000,1100000',
    ]);
    expect(xzArgs([1, 2, 3, 4, 5], '6', 4)[2]).toBe('-T4');
  });

  it("a piece's .xz block is the same bytes whichever other pieces were compressed with it", async () => {
    const plain = text(stanzas(1_500_000));
    const cut = cutIndex(plain);
    expect(cut.pieces.length).toBeGreaterThan(2);
    const whole = xzBlocks(await xzIndex(plain, undefined, cut))!;
    // The last piece alone (its own run, one thread's work), then taken into a stream of the rest.
    const last = cut.pieces.length - 1;
    const alone = xzBlocks(await xzIndex(Buffer.from(cut.pieces[last]!)))!;
    expect(alone.blocks).toHaveLength(1);
    const a = whole.blocks[last]!;
    const b = alone.blocks[0]!;
    expect(Buffer.compare(Buffer.from(a.bytes), Buffer.from(b.bytes))).toBe(0);
  });

  it('cuts only after a stanza, within the sizes, and the same way around an inserted stanza', () => {
    const parts = stanzas(3_000_000);
    const plain = text(parts);
    const cuts = stanzaCuts(plain);
    expect(cuts.at(-1)).toBe(plain.length);
    let prev = 0;
    for (const c of cuts.slice(0, -1)) {
      expect(plain.subarray(c - 2, c).toString()).toBe('\n\n');
      expect(c - prev).toBeGreaterThanOrEqual(XZ_BLOCK.min);
      expect(c - prev).toBeLessThanOrEqual(XZ_BLOCK.max + 1000);
      prev = c;
    }
    expect(cuts.length).toBeGreaterThan(5);
    expect(cuts.length).toBeLessThan(25);
    // One stanza more in the middle: every cut before it stays, every cut well after it moves by its length.
    const mid = Math.floor(parts.length / 2);
    const extra = 'Package: pkg-inserted\nVersion: 1\nArchitecture: amd64\nDescription: one more\n';
    const grown = text([...parts.slice(0, mid), extra, ...parts.slice(mid)]);
    const at = text(parts.slice(0, mid)).length + 1;
    const after = stanzaCuts(grown);
    const shifted = new Set(cuts.map((c) => (c < at ? c : c + extra.length + 1)));
    const kept = after.filter((c) => shifted.has(c));
    expect(after.length - kept.length).toBeLessThanOrEqual(1);
    expect(cuts.length - kept.length).toBeLessThanOrEqual(1);
  });

  it('cuts Contents-style text (no blank lines) after a line', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `usr/share/pkg-${i}/file-${(i * 7919) % 1000}.txt    misc/pkg-${i}\n`);
    const plain = Buffer.from(lines.join(''));
    expect(stanzaCuts(plain)).toEqual([plain.length]); // no stanza ends: one piece
    const cuts = stanzaCuts(plain, XZ_BLOCK, LINE);
    expect(cuts.length).toBeGreaterThan(2);
    for (const c of cuts) expect(plain[c - 1]).toBe(0x0a);
    for (let i = 1; i < cuts.length - 1; i++) expect(cuts[i]! - cuts[i - 1]!).toBeGreaterThanOrEqual(XZ_BLOCK.min);
  });

  it('small text is one block', () => {
    expect(stanzaCuts(text(stanzas(40_000)))).toEqual([text(stanzas(40_000)).length]);
    expect(stanzaCuts(Buffer.from('no stanza break at all'))).toEqual([22]);
  });

  for (const size of [40_000, 1_500_000]) {
    it(`a ${size}-byte index round-trips through apt, xz and our reader`, async () => {
      const plain = text(stanzas(size));
      const xz = await xzIndex(plain);
      expect(roundTrip(xz, plain)).toBe(stanzaCuts(plain).length);
      const gz = await gzipIndex(plain);
      roundTripGz(gz, plain);
      expect(gzipSegments(gz)?.length).toBe(stanzaCuts(plain).length);
    });
  }

  it('an empty index is a valid .gz and .xz', async () => {
    const empty = Buffer.alloc(0);
    roundTripGz(await gzipIndex(empty), empty);
    roundTrip(await xzIndex(empty), empty);
  });

  it('republishing with one stanza more deflates again only the .gz segment that holds it, from the .gz alone', async () => {
    const parts = stanzas(2_000_000);
    const plain = text(parts);
    const gz = await gzipIndex(plain);
    const before = gzipSegments(gz)!.map((s) => Buffer.from(s.deflate).toString('base64'));
    expect(before.length).toBeGreaterThan(3);
    const mid = Math.floor(parts.length / 3);
    const grown = text([...parts.slice(0, mid), 'Package: pkg-added\nVersion: 2\nArchitecture: amd64\n', ...parts.slice(mid)]);
    // No plain text of the old index: apt's Contents are served only as .gz.
    const again = await gzipIndex(grown, { gz });
    const after = gzipSegments(again)!.map((s) => Buffer.from(s.deflate).toString('base64'));
    const same = after.filter((b) => before.includes(b)).length;
    expect(same).toBeGreaterThanOrEqual(after.length - 2);
    roundTripGz(again, grown);
    // Within 2% of one gzip -9 stream of the whole text.
    const whole = execFileSync('gzip', ['-9', '-c'], { input: grown, maxBuffer: 1 << 26 });
    expect(again.length / whole.length).toBeLessThan(1.02);
    // A segment whose recorded text hash is not its text's is never taken: the same bytes as fresh.
    const fresh = await gzipIndex(grown);
    const lying = Buffer.from(gz);
    const table = 16; // header 10, XLEN 2, subfield id 2, length 2
    for (let i = 0; i < before.length; i++) lying[table + i * 24 + 8]! ^= 0xff;
    expect(gzipSegments(lying)).toBeDefined();
    expect(Buffer.compare(await gzipIndex(grown, { gz: lying }), fresh)).toBe(0);
  });

  it('reads segments only from a .gz it wrote whole: not gzip -9 output, not a damaged or cut one', async () => {
    const plain = text(stanzas(300_000));
    const gz = await gzipIndex(plain);
    expect(gzipSegments(gz)).toBeDefined();
    expect(gzipSegments(execFileSync('gzip', ['-9', '-c'], { input: plain }))).toBeUndefined();
    expect(gzipSegments(gz.subarray(0, gz.length - 1))).toBeUndefined();
    const lying = Buffer.from(gz);
    lying[16]! ^= 0x01; // the first segment's compressed length
    expect(gzipSegments(lying)).toBeUndefined();
    const size = Buffer.from(gz);
    size[size.length - 1]! ^= 0x01; // ISIZE in the trailer
    expect(gzipSegments(size)).toBeUndefined();
  });

  it('more segments than the extra field holds: still one valid member, just not reusable', async () => {
    const pieces = Array.from({ length: 3000 }, (_, i) => Buffer.from(`Package: p${i}\n\n`));
    const plain = Buffer.concat(pieces);
    const { deflateRawSync, constants, crc32 } = await import('node:zlib');
    const segments = pieces.map((p) => ({
      deflate: deflateRawSync(p, { finishFlush: constants.Z_FULL_FLUSH }),
      uncompressed: p.length,
      textHash: new Uint8Array(16),
    }));
    const gz = joinGzipSegments(segments, crc32(plain));
    roundTripGz(gz, plain);
    expect(gzipSegments(gz)).toBeUndefined();
  });

  it('republishing with one stanza more recompresses only the block that holds it', async () => {
    const parts = stanzas(2_000_000);
    const plain = text(parts);
    const xz = await xzIndex(plain);
    const before = xzBlocks(xz)!.blocks.map((b) => Buffer.from(b.bytes).toString('base64'));
    const mid = Math.floor(parts.length / 3);
    const grown = text([...parts.slice(0, mid), 'Package: pkg-added\nVersion: 2\nArchitecture: amd64\n', ...parts.slice(mid)]);
    const again = await xzIndex(grown, { plain, xz });
    const after = xzBlocks(again)!.blocks.map((b) => Buffer.from(b.bytes).toString('base64'));
    const same = after.filter((b) => before.includes(b)).length;
    expect(same).toBeGreaterThanOrEqual(after.length - 2);
    expect(same).toBeGreaterThan(3);
    roundTrip(again, grown);
    // A previous .xz that does not hold the previous text is not used: still the right bytes.
    const wrong = await xzIndex(grown, { plain: text(stanzas(2_000_000, 7)), xz });
    roundTrip(wrong, grown);
    const fresh = await xzIndex(grown);
    expect(Buffer.compare(wrong, fresh)).toBe(0);
  });

  it('says when xz has all its input (the keys unlock then), and not when it has nothing to compress', async () => {
    const plain = text(stanzas(600_000));
    let told = 0;
    let doneBeforeTold = false;
    let done = false;
    const xz = xzIndex(plain, undefined, cutIndex(plain), () => {
      told++;
      doneBeforeTold = done;
    }).then((b) => {
      done = true;
      return b;
    });
    roundTrip(await xz, plain);
    expect(told).toBe(1);
    expect(doneBeforeTold).toBe(false);
    // Every block taken from the previous .xz: no xz runs, nothing to say.
    const again = await xzIndex(plain, { plain, xz: await xz }, cutIndex(plain), () => told++);
    expect(Buffer.compare(again, await xz)).toBe(0);
    expect(told).toBe(1);
  });

  it('takes unchanged .xz blocks by the segment table of the .gz cut the same way (no old plain text)', async () => {
    const parts = stanzas(2_000_000);
    const plain = text(parts);
    const [xz, gz] = [await xzIndex(plain), await gzipIndex(plain)];
    const before = xzBlocks(xz)!.blocks.map((b) => Buffer.from(b.bytes).toString('base64'));
    const mid = Math.floor(parts.length / 2);
    const grown = text([...parts.slice(0, mid), 'Package: pkg-added\nVersion: 2\nArchitecture: amd64\n', ...parts.slice(mid)]);
    const again = await xzIndex(grown, { gz, xz });
    const after = xzBlocks(again)!.blocks.map((b) => Buffer.from(b.bytes).toString('base64'));
    const same = after.filter((b) => before.includes(b)).length;
    expect(same).toBeGreaterThanOrEqual(after.length - 2);
    expect(same).toBeGreaterThan(3);
    roundTrip(again, grown);
    // The .gz of other text (sizes that do not line up with the blocks): nothing is taken.
    const otherGz = await gzipIndex(text(stanzas(2_000_000, 7)));
    const unaligned = await xzIndex(grown, { gz: otherGz, xz });
    expect(Buffer.compare(unaligned, await xzIndex(grown))).toBe(0);
    // Same sizes, other text: a table whose hashes are not this text's gives no block away.
    const lying = Buffer.from(gz);
    const table = gzipSegments(lying)!;
    for (const seg of table) seg.textHash.fill(0xab);
    const notTaken = await xzIndex(grown, { gz: lying, xz });
    expect(Buffer.compare(notTaken, await xzIndex(grown))).toBe(0);
  });

  it('joins blocks of separate streams into one stream; refuses a damaged one', async () => {
    const a = text(stanzas(10_000));
    const b = text(stanzas(10_000, 500));
    const [xa, xb] = [await xzIndex(a), await xzIndex(b)];
    const joined = joinXzBlocks(0x0004, [...xzBlocks(xa)!.blocks, ...xzBlocks(xb)!.blocks]);
    expect(roundTrip(joined, Buffer.concat([a, b]))).toBe(2);
    const damaged = Buffer.from(xa);
    damaged[damaged.length - 14]! ^= 0xff; // in the index
    expect(xzBlocks(damaged)).toBeUndefined();
    expect(xzBlocks(xa.subarray(0, xa.length - 1))).toBeUndefined();
    expect(xzBlocks(Buffer.from('not xz at all, not xz at all, not xz at all'))).toBeUndefined();
  });
});

describe('cutIndexAfter', () => {
  const sizes = { min: 2000, target: 6000, max: 20000 };
  const line = (rnd: () => number) => `usr/share/doc/p${Math.floor(rnd() * 1e6)}/${'f'.repeat(Math.floor(rnd() * 40))}    misc/p\n`;
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();

  it('cuts as stanzaCuts does after random edits, hashing only the pieces around them', () => {
    const rnd = random(40);
    for (let round = 0; round < 150; round++) {
      const old = Buffer.from(Array.from({ length: 400 + Math.floor(rnd() * 2000) }, () => line(rnd)).join(''));
      const oldCuts = stanzaCuts(old, sizes, LINE);
      const previous = oldCuts.map((end, i) => {
        const piece = old.subarray(i === 0 ? 0 : oldCuts[i - 1]!, end);
        return { uncompressed: piece.length, textHash: sha(piece).subarray(0, 16) };
      });
      // Edits at line starts (what spliceContents makes), now and then anywhere, at the very
      // start and end too: lines removed, lines added, both.
      const starts = [0];
      for (let i = old.indexOf(10); i >= 0; i = old.indexOf(10, i + 1)) starts.push(i + 1);
      const positions = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(rnd() * 6) }, () =>
            rnd() < 0.2 ? Math.floor(rnd() * old.length) : starts[Math.floor(rnd() * starts.length)]!,
          ),
        ),
      ].sort((a, b) => a - b);
      const edits: Array<{ at: number; removed: number; added: number }> = [];
      const parts: Buffer[] = [];
      let from = 0;
      for (const [k, at] of positions.entries()) {
        if (at < from) continue;
        const limit = (positions[k + 1] ?? old.length) - at;
        // Now and then a removal over several pieces (a package of thousands of files in one folder).
        const removed = Math.min(limit, rnd() < 0.5 ? 0 : Math.floor(rnd() * (rnd() < 0.1 ? 40000 : 300)));
        const add = Buffer.from(rnd() < 0.3 ? '' : Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => line(rnd)).join(''));
        if (removed === 0 && add.length === 0) continue;
        parts.push(old.subarray(from, at), add);
        edits.push({ at, removed, added: add.length });
        from = at + removed;
      }
      parts.push(old.subarray(from));
      const now = Buffer.concat(parts);
      const got = cutIndexAfter(now, previous, edits, LINE, sizes);
      expect(got, `round ${round}`).toBeDefined();
      const want = stanzaCuts(now, sizes, LINE);
      expect(
        got!.pieces.map((p) => p.length),
        `round ${round}`,
      ).toEqual(want.map((end, i) => end - (i === 0 ? 0 : want[i - 1]!)));
      expect(Buffer.concat(got!.pieces).equals(now)).toBe(true);
      for (const [i, p] of got!.pieces.entries())
        expect(Buffer.from(got!.digests[i]!.subarray(0, 16)).equals(sha(p).subarray(0, 16))).toBe(true);
      // Only the pieces next to the edits were scanned and hashed (a full digest); the rest kept theirs.
      const scanned = got!.digests.filter((d) => d.length !== 16).length;
      if (want.length > 20 && edits.length === 1) expect(scanned, `round ${round}`).toBeLessThanOrEqual(4);
    }
  });

  it('cuts right after an edit at the very end, and inside inserted text that repeats the old text', () => {
    const rnd = random(7);
    const old = Buffer.from(Array.from({ length: 3000 }, () => line(rnd)).join(''));
    const oldCuts = stanzaCuts(old, sizes, LINE);
    const previous = oldCuts.map((end, i) => {
      const piece = old.subarray(i === 0 ? 0 : oldCuts[i - 1]!, end);
      return { uncompressed: piece.length, textHash: sha(piece).subarray(0, 16) };
    });
    const check = (now: Buffer, edits: Array<{ at: number; removed: number; added: number }>) => {
      const want = stanzaCuts(now, sizes, LINE);
      expect(cutIndexAfter(now, previous, edits, LINE, sizes)!.pieces.map((p) => p.length)).toEqual(
        want.map((end, i) => end - (i === 0 ? 0 : want[i - 1]!)),
      );
    };
    const tail = Buffer.from(line(rnd) + line(rnd));
    check(Buffer.concat([old, tail]), [{ at: old.length, removed: 0, added: tail.length }]);
    // The old text from a cut inserted again there: the scan meets the old cuts at their own
    // offsets while still inside the insertion, and must not take up the old pieces there.
    const at = oldCuts[3]!;
    const copy = old.subarray(at, oldCuts[12]!);
    check(Buffer.concat([old.subarray(0, at), copy, old.subarray(at)]), [{ at, removed: 0, added: copy.length }]);
  });

  it('goes on past an old text that ended on a cut of its own', () => {
    const rnd = random(11);
    const long = Buffer.from(Array.from({ length: 3000 }, () => line(rnd)).join(''));
    const longCuts = stanzaCuts(long, sizes, LINE);
    // Cut where the scan cut: the old text's last cut is one the content made, not its end.
    const old = long.subarray(0, longCuts[longCuts.length - 3]!);
    const oldCuts = stanzaCuts(old, sizes, LINE);
    const previous = oldCuts.map((end, i) => {
      const piece = old.subarray(i === 0 ? 0 : oldCuts[i - 1]!, end);
      return { uncompressed: piece.length, textHash: sha(piece).subarray(0, 16) };
    });
    const tail = Buffer.from(line(rnd));
    const cases: Array<[Buffer, Array<{ at: number; removed: number; added: number }>]> = [
      // Its own last pieces again at a cut before them: the scan meets the old end inside the insertion.
      [
        Buffer.concat([old.subarray(0, oldCuts[5]!), old.subarray(oldCuts[5]!), old.subarray(oldCuts[5]!)]),
        [{ at: oldCuts[5]!, removed: 0, added: old.length - oldCuts[5]! }],
      ],
      // A byte added near the start, and a line at the end.
      [
        Buffer.concat([old.subarray(0, 10), Buffer.from('x'), old.subarray(10), tail]),
        [
          { at: 10, removed: 0, added: 1 },
          { at: old.length, removed: 0, added: tail.length },
        ],
      ],
    ];
    for (const [now, edits] of cases) {
      const want = stanzaCuts(now, sizes, LINE);
      expect(cutIndexAfter(now, previous, edits, LINE, sizes)!.pieces.map((p) => p.length)).toEqual(
        want.map((end, i) => end - (i === 0 ? 0 : want[i - 1]!)),
      );
    }
  });

  it('refuses a segment table that is not the old text', () => {
    const old = Buffer.from('a\nb\n');
    expect(
      cutIndexAfter(Buffer.from('a\nb\nc\n'), [{ uncompressed: 3, textHash: new Uint8Array(16) }], [{ at: 4, removed: 0, added: 2 }], LINE),
    ).toBe(undefined);
    expect(cutIndexAfter(old, [], [], LINE)).toBeUndefined();
  });
});
