/**
 * Index compression for apt: gzip in-process (node:zlib on the libuv thread pool, so several
 * pieces compress in parallel) and xz by spawning `xz` through core/exec.
 *
 * Why spawn xz: no pure-JS/wasm xz ENCODER comes near liblzma's speed (the JS ports of LZMA
 * run 5-10x slower), and native addons are off the table. A spawned `xz` costs ~2-3 ms of
 * process start and produces exactly the blocks xz-utils users expect. Level 6 (xz's default,
 * what apt-ftparchive and dak use) unless PKGTRACK_XZ_LEVEL says otherwise.
 *
 * Big indexes are cut into pieces at stanza boundaries chosen by the stanzas' own bytes
 * (content-defined, ~256 KiB each: `stanzaCuts`), each piece compressed on its own and the
 * pieces joined into one file: for .xz one block per piece in one stream (formats/xz-blocks.ts,
 * a multi-block .xz as `xz -T` writes), for .gz one deflate segment per piece in one member
 * (formats/gzip-segments.ts). Adding one package changes one piece's text; the other pieces are
 * taken as they are from the published files (`previous`), so republishing a 10,000-package
 * suite recompresses ~256 KiB instead of the whole Packages file twice (xz -6 and gzip -9 of a
 * big Packages were most of a publish). Independent pieces cost ~1% (gz) in size, and for xz ~3% on
 * the bench's synthetic stanzas but ~12% on real Debian Packages (xz -6's 8 MiB dictionary finds
 * repeats across pieces): docs/scale.md.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { constants, deflateRaw as deflateRawCb } from 'node:zlib';
import { envError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { type GzipSegment, gzipCrc, gzipSegments, joinGzipSegments, TEXT_HASH_BYTES } from '../../formats/gzip-segments.js';
import type { TextEdit } from '../../formats/deb-contents.js';
import { joinXzBlocks, type XzBlock, xzBlocks } from '../../formats/xz-blocks.js';

const deflateRaw = promisify(deflateRawCb);

/** Where a record ends: deb822 stanzas (Packages, Sources) at a blank line, Contents lines at a newline. */
export type RecordEnd = '\n\n' | '\n';
export const STANZA: RecordEnd = '\n\n';
export const LINE: RecordEnd = '\n';

/** Block sizes of `stanzaCuts`: no cut before `min` bytes, one on average every `target`, always one after `max`. */
export const XZ_BLOCK = { min: 64 * 1024, target: 256 * 1024, max: 1024 * 1024 };

/**
 * Where to cut an index into pieces: the end offsets of the pieces (the last is the text's
 * length). A piece ends after a record (a deb822 stanza and its blank line, or a Contents line)
 * once it holds `min` bytes, with a probability proportional to the record's length decided by
 * a hash of the record's first bytes, or once it holds `max`. Inserting or removing a record
 * moves at most the cuts next to it: the pieces elsewhere keep their bytes. Pure.
 */
export function stanzaCuts(text: Uint8Array, sizes = XZ_BLOCK, record: RecordEnd = STANZA): number[] {
  const cuts: number[] = [];
  const end = scanCuts(text, 0, sizes, record, (cut) => {
    cuts.push(cut);
    return false;
  });
  if (end < text.length || cuts.length === 0) cuts.push(text.length);
  return cuts;
}

/**
 * stanzaCuts' scan from `from` (a cut, or 0): hands each cut to `onCut` until it answers true;
 * answers where the last piece starts (the last cut, or `from`). Its only state is where the
 * current piece starts, so a scan from a cut goes on as the scan of the whole text would.
 */
function scanCuts(text: Uint8Array, from: number, sizes: typeof XZ_BLOCK, record: RecordEnd, onCut: (cut: number) => boolean): number {
  const buf = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  const spread = 2 ** 32 / Math.max(1, sizes.target - sizes.min);
  let start = from; // of the current block
  let stanza = from; // start of the current stanza
  while (stanza < buf.length) {
    const blank = buf.indexOf(record, stanza);
    const end = blank < 0 ? buf.length : blank + record.length;
    let cut = false;
    if (end - start >= sizes.max) cut = true;
    else if (end - start >= sizes.min) {
      // FNV-1a of the stanza's first 64 bytes (its Package line and the next).
      let h = 0x811c9dc5;
      for (let i = stanza; i < Math.min(end, stanza + 64); i++) h = Math.imul(h ^ buf[i]!, 0x01000193) >>> 0;
      cut = h < (end - stanza) * spread;
    }
    if (cut) {
      start = end;
      if (onCut(end)) return start;
    }
    stanza = end;
  }
  return start;
}

/**
 * cutIndex of a text that differs from one already cut (`previous`: its pieces' lengths and
 * text hashes, as a published .gz's segment table keeps them) only at `changes` (in order, old
 * offsets): the same pieces, found by scanning only from the cut before each change to the
 * first cut after it that the old text had too (from there on the scans agree), and hashing
 * only the pieces scanned. A pass over 20 MB of Contents text to add one package's lines took
 * ~60 ms. The unchanged pieces carry their recorded hash prefix (TEXT_HASH_BYTES), all that
 * gzipIndex keys them by. Undefined when `previous` does not add up to the old text. Pure.
 */
export function cutIndexAfter(
  text: Uint8Array,
  previous: ReadonlyArray<{ uncompressed: number; textHash: Uint8Array }>,
  changes: readonly TextEdit[],
  record: RecordEnd = STANZA,
  sizes = XZ_BLOCK,
): IndexPieces | undefined {
  const oldLength = previous.reduce((n, p) => n + p.uncompressed, 0);
  const delta = changes.reduce((n, c) => n + c.added - c.removed, 0);
  if (previous.length === 0 || oldLength + delta !== text.length || changes.some((c) => c.at + c.removed > oldLength)) return undefined;
  // Old cut → index of the piece it ends.
  const oldEnds = new Map<number, number>();
  let at = 0;
  for (const [i, p] of previous.entries()) oldEnds.set((at += p.uncompressed), i);
  const cuts: number[] = [];
  const digests: Array<Buffer | undefined> = []; // undefined: a piece a scan made, hashed at the end
  let piece = 0; // next old piece
  let pieceStart = 0; // its old start
  let shift = 0; // new offset - old offset, past the changes consumed
  let next = 0; // next change
  while (piece < previous.length) {
    const pieceEnd = pieceStart + previous[piece]!.uncompressed;
    const touched = next < changes.length && changes[next]!.at < pieceEnd + (piece === previous.length - 1 ? 1 : 0);
    if (!touched) {
      cuts.push(pieceEnd + shift);
      digests.push(Buffer.from(previous[piece]!.textHash));
      pieceStart = pieceEnd;
      piece++;
      continue;
    }
    // Scan the new text from this piece's start until a cut the old text had, past every change
    // the scan went over.
    let resumed: number | undefined;
    const end = scanCuts(text, pieceStart + shift, sizes, record, (cut) => {
      // Changes whose new bytes end by this cut are passed: the text after the cut is the old
      // text after its old offset (cut - shift) up to the next change.
      while (next < changes.length && changes[next]!.at + shift + changes[next]!.added <= cut) {
        shift += changes[next]!.added - changes[next]!.removed;
        next++;
      }
      cuts.push(cut);
      digests.push(undefined);
      // (A cut inside a change's new bytes may meet an old cut too: the next piece is then
      // touched by that change and scanned again from here, which is where this scan is. The old
      // text's end is taken up only with no change left: there is no next piece to touch.)
      const old = oldEnds.get(cut - shift);
      if (old !== undefined && (old + 1 < previous.length || next === changes.length)) {
        resumed = old + 1;
        return true;
      }
      return false;
    });
    if (resumed === undefined) {
      if (end < text.length || cuts.length === 0) {
        cuts.push(text.length);
        digests.push(undefined);
      }
      break;
    }
    piece = resumed;
    pieceStart = cuts[cuts.length - 1]! - shift;
  }
  const pieces = cuts.map((end, i) => text.subarray(i === 0 ? 0 : cuts[i - 1]!, end));
  return { pieces, digests: pieces.map((p, i) => digests[i] ?? sha256(p)) };
}

/** The dictionary of every block: a power of two holding a piece of `XZ_BLOCK.max` bytes. */
export const XZ_DICT = 1024 * 1024;

/**
 * xz arguments compressing pieces of these sizes, joined, in one process: one block per piece
 * (`--block-list`), on up to `threads` threads. Multi-threaded mode always (at least -T2, even
 * for one piece): a block's bytes then depend only on its text and the level, never on which
 * other pieces share the run (single-threaded mode writes block headers without sizes), so a
 * piece compressed in a cold publish and again in an add-one comes out the same. One process
 * instead of one per piece: a cold publish of 10,000 packages spawned ~15 (~9 ms of the main
 * thread each) and set up an encoder in each. Pure.
 */
export function xzArgs(sizes: readonly number[], level: string, threads: number): string[] {
  return [
    `--lzma2=preset=${level},dict=${XZ_DICT}`,
    '--check=crc64',
    `-T${Math.max(2, Math.min(sizes.length, threads))}`,
    // No block larger than the largest piece is split further (the default cut is 3x the dictionary).
    `--block-size=${Math.max(1, ...sizes)}`,
    `--block-list=${sizes.map((n) => Math.max(1, n)).join(',')}`,
    '-c',
    '-',
  ];
}

/**
 * The published forms of an index whose pieces can be taken again: the .gz alone (its segment
 * table names each segment's text by hash), the .xz with the plain text it holds or with the
 * .gz cut the same way.
 */
export interface PublishedIndex {
  plain?: Uint8Array;
  xz?: Uint8Array;
  gz?: Uint8Array;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
/** A piece's key: the first TEXT_HASH_BYTES of its text's SHA-256 (what a .gz segment table keeps). */
const key = (digest: Uint8Array) => Buffer.from(digest.buffer, digest.byteOffset, TEXT_HASH_BYTES).toString('base64');
const CRC64 = 0x0004;

/** An index cut into pieces (`stanzaCuts`), each with its text's SHA-256: computed once for .gz and .xz. */
export interface IndexPieces {
  pieces: Uint8Array[];
  digests: Buffer[];
}

export function cutIndex(data: Uint8Array, record: RecordEnd = STANZA): IndexPieces {
  const cuts = stanzaCuts(data, XZ_BLOCK, record);
  const pieces = cuts.map((end, i) => data.subarray(i === 0 ? 0 : cuts[i - 1]!, end));
  return { pieces, digests: pieces.map(sha256) };
}

/**
 * The blocks of a previous .xz by the key of the text each holds. With the plain text, each
 * block's text is hashed; without it, the .gz published beside it names the text: both were
 * cut at the same places from the same text, so when the block sizes are the segment sizes,
 * block i holds segment i's text and takes its recorded hash (no 4 MB read and two hashing
 * passes over the old text on every publish). None when neither lines up.
 */
function xzBlocksByText(previous: PublishedIndex | undefined): Map<string, XzBlock> {
  const out = new Map<string, XzBlock>();
  const parsed = previous?.xz && xzBlocks(previous.xz);
  if (!parsed || parsed.flags !== CRC64) return out;
  if (previous.plain) {
    if (parsed.blocks.reduce((n, b) => n + b.uncompressed, 0) !== previous.plain.length) return out;
    let at = 0;
    for (const b of parsed.blocks) {
      out.set(key(sha256(previous.plain.subarray(at, at + b.uncompressed))), b);
      at += b.uncompressed;
    }
    return out;
  }
  const segments = previous.gz ? gzipSegments(previous.gz) : undefined;
  if (!segments || segments.length !== parsed.blocks.length) return out;
  if (parsed.blocks.some((b, i) => b.uncompressed !== segments[i]!.uncompressed)) return out;
  for (const [i, b] of parsed.blocks.entries()) out.set(key(segments[i]!.textHash), b);
  return out;
}

/** `data` as .xz; blocks whose text `previous` already compressed are taken from it. */
export async function xzIndex(
  data: Uint8Array,
  previous?: PublishedIndex,
  cut: IndexPieces = cutIndex(data),
  /** Called once xz has its input (this thread has nothing to do until xz is done). */
  started?: () => void,
): Promise<Buffer> {
  const level = /^[0-9]$/.test(process.env.PKGTRACK_XZ_LEVEL ?? '') ? process.env.PKGTRACK_XZ_LEVEL! : '6';
  const known = xzBlocksByText(previous);
  const blocks: Array<XzBlock | undefined> = cut.pieces.map((piece, i) => {
    const reused = known.get(key(cut.digests[i]!));
    return reused && reused.uncompressed === piece.length ? reused : undefined;
  });
  // An empty piece (an empty index) still needs its block; xz writes none for no input.
  const fresh = cut.pieces.flatMap((piece, i) => (blocks[i] || piece.length === 0 ? [] : [i]));
  if (fresh.length > 0) {
    const sizes = fresh.map((i) => cut.pieces[i]!.length);
    const args = xzArgs(sizes, level, availableParallelism());
    const r = await run('xz', args, {
      input: Buffer.concat(fresh.map((i) => cut.pieces[i]!)),
      ...(started ? { onInputWritten: started } : {}),
      binary: true,
      what: 'xz (index compression)',
    });
    const own = xzBlocks(r.stdoutBytes);
    if (!own || own.flags !== CRC64 || own.blocks.length !== sizes.length || own.blocks.some((b, k) => b.uncompressed !== sizes[k]))
      throw envError(
        'XZ_UNEXPECTED_OUTPUT',
        `xz wrote ${r.stdoutBytes.length} bytes that are not one .xz stream of ${sizes.length} block(s) with CRC64 checks (xz ${args.join(' ')})`,
        'Install xz-utils 5.2 or later from the distribution (`apt-get install xz-utils`, `dnf install xz`); `xz --version` should say xz (XZ Utils) 5.2 or later.',
      );
    for (const [k, i] of fresh.entries()) blocks[i] = own.blocks[k];
  }
  return joinXzBlocks(
    CRC64,
    blocks.filter((b): b is XzBlock => !!b),
  );
}

/** `data` as .gz (level 9); segments whose text `previous` already compressed are taken from it. */
export async function gzipIndex(data: Uint8Array, previous?: PublishedIndex, cut: IndexPieces = cutIndex(data)): Promise<Buffer> {
  const known = new Map((previous?.gz ? (gzipSegments(previous.gz) ?? []) : []).map((s) => [key(s.textHash), s]));
  // zlib's async calls already run on libuv's pool (4 threads): no limit needed beyond it.
  const segments = await Promise.all(
    cut.pieces.map(async (piece, i): Promise<GzipSegment> => {
      const reused = known.get(key(cut.digests[i]!));
      if (reused && reused.uncompressed === piece.length) return reused;
      const deflate = await deflateRaw(piece, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
      return { deflate, uncompressed: piece.length, textHash: cut.digests[i]! };
    }),
  );
  const gz = joinGzipSegments(segments, gzipCrc(data));
  return Buffer.from(gz.buffer, gz.byteOffset, gz.byteLength);
}
