/**
 * Decompression of the member formats .debs use (gzip, xz, zstd, none) and gzip compression
 * for indexes. Pure from the caller's view: bytes in, bytes out, synchronous.
 *
 * xz: the `xz-decompress` package ships xz-embedded compiled to WebAssembly (no native addon).
 * Its public API is an async web stream, which costs ~0.4 ms of stream machinery per small
 * control.tar.xz; we instantiate the same wasm module once and drive it synchronously
 * (create_context / supply_input / get_next_output), which is several times faster for the
 * thousands of tiny members a repository index reads.
 *
 * Every decoder is capped (`maxOutput`) so a decompression bomb fails with a clear error.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';
import { crc32, createGunzip, createZstdDecompress, gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';
import { inputError } from '../core/errors.js';

export type Compression = 'gz' | 'xz' | 'zst' | 'none';

/** Default cap for a decompressed control archive (they are KBs; 64 MiB is generous). */
export const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * The cap for a whole index read as text (Packages, primary.xml, filelists): V8's longest string
 * is ~512 MiB. A 200,000-package Packages file is ~80 MB, past DEFAULT_MAX_OUTPUT.
 */
export const MAX_INDEX_TEXT = 512 * 1024 * 1024;

export function compressionOf(name: string): Compression | undefined {
  if (name.endsWith('.gz')) return 'gz';
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.zst')) return 'zst';
  if (name.endsWith('.tar')) return 'none';
  return undefined;
}

/**
 * Decompress `data`. `enough`: asked with the output so far after each chunk the xz decoder
 * produces; true stops there (a .deb's control.tar: the control file comes before md5sums,
 * which can be a hundred times its size). Other formats are decompressed whole.
 */
export function decompress(
  data: Uint8Array,
  kind: Compression,
  source = 'data',
  maxOutput = DEFAULT_MAX_OUTPUT,
  enough?: (out: Uint8Array) => boolean,
): Uint8Array {
  try {
    switch (kind) {
      case 'none':
        return data;
      case 'gz':
        return gunzipSync(data, { maxOutputLength: maxOutput });
      case 'zst':
        // libzstd (node:zlib), capped as it decodes. fzstd, used before, allocated whatever size a
        // frame header claimed (2 GB for a 12-byte member) and checked the cap only at the end.
        return zstdDecompressSync(data, { maxOutputLength: maxOutput });
      case 'xz': {
        // See shrinkXzDictionary: try with a small dictionary first, the original if that fails.
        const small = shrinkXzDictionary(data);
        if (small) {
          try {
            return xzDecompress(small, maxOutput, enough);
          } catch {
            /* needs the full dictionary (or is corrupt): decode as written */
          }
        }
        return xzDecompress(data, maxOutput, enough);
      }
    }
  } catch (e) {
    throw inputError(
      'DECOMPRESS_FAILED',
      `${source}: cannot decompress ${kind} data: ${e instanceof Error ? e.message : String(e)}`,
      'The file is damaged or not what its name says; rebuild or re-download it.',
      { file: source },
    );
  }
}

/**
 * Decompress `data` as a stream: each piece of output goes to `onChunk` (valid only during the
 * call) and none is kept, so a caller that only scans the output (the names in a data.tar of
 * gigabytes) needs no more memory than a piece. `onChunk` returns true to stop: the rest is not
 * decoded. Errors `onChunk` throws pass through as they are.
 */
export async function decompressChunks(
  data: Uint8Array,
  kind: Compression,
  source: string,
  onChunk: (chunk: Uint8Array) => boolean | undefined,
): Promise<void> {
  let fromConsumer: unknown;
  const consume = (chunk: Uint8Array) => {
    try {
      return onChunk(chunk);
    } catch (e) {
      fromConsumer = e;
      throw e;
    }
  };
  try {
    switch (kind) {
      case 'none':
        consume(data);
        return;
      case 'gz':
      case 'zst': {
        // zstd through libzstd (node:zlib), as in `decompress`: it refuses a window over 128 MiB
        // (its default limit, as the zstd tool's) where fzstd allocated what a header claimed.
        const whole = kind === 'gz' ? gunzipSmall(data) : zstdSmall(data);
        if (whole) {
          consume(whole);
          return;
        }
        await streamThrough(kind === 'gz' ? createGunzip() : createZstdDecompress(), data, consume);
        return;
      }
      case 'xz':
        // The original dictionary: a retry with it after a too-small one would repeat output.
        xzRun(data, consume);
        return;
    }
  } catch (e) {
    if (fromConsumer !== undefined && e === fromConsumer) throw e;
    throw inputError(
      'DECOMPRESS_FAILED',
      `${source}: cannot decompress ${kind} data: ${e instanceof Error ? e.message : String(e)}`,
      'The file is damaged or not what its name says; rebuild or re-download it.',
      { file: source },
    );
  }
}

/** `data` through the zlib stream `decoder`, each piece of output to `consume` (true: stop); rejects with the first error. */
function streamThrough(decoder: Transform, data: Uint8Array, consume: (chunk: Uint8Array) => boolean | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    decoder.on('data', (c: Buffer) => {
      try {
        if (consume(c)) {
          decoder.destroy();
          resolve();
        }
      } catch (e) {
        decoder.destroy();
        reject(e);
      }
    });
    decoder.on('end', resolve);
    decoder.on('error', reject);
    decoder.end(data);
  });
}

/** Below these, a gzip member is inflated in one synchronous call (gunzipSmall). */
const SMALL_GZ = { compressed: 1024 * 1024, output: 16 * 1024 * 1024 };

/**
 * A small gzip member inflated in one call, or undefined when it may be big (the caller
 * streams it). A cold publish of 10,000 small packages spent ~100 us a package setting up a
 * stream and its thread-pool round trips against ~12 us for this. Memory stays bounded: past a
 * 16 MiB output (ISIZE lied, or is the size mod 2^32) it answers undefined too. Same zlib, same
 * verdicts as the stream: a damaged member throws zlib's error.
 */
export function gunzipSmall(b: Uint8Array): Buffer | undefined {
  if (b.length > SMALL_GZ.compressed || b.length < 4) return undefined;
  const isize = Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32LE(b.length - 4);
  if (isize > SMALL_GZ.output) return undefined;
  try {
    return gunzipSync(b, { maxOutputLength: SMALL_GZ.output });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw e;
  }
}

/** gunzipSmall for zstd: one call for a small member (~50 us against ~100 us streamed), undefined past the output cap. */
function zstdSmall(b: Uint8Array): Buffer | undefined {
  if (b.length > SMALL_GZ.compressed) return undefined;
  try {
    return zstdDecompressSync(b, { maxOutputLength: SMALL_GZ.output });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw e;
  }
}

/** gzip at level 9 as apt-ftparchive does; `mtime` 0 and no name so output is reproducible. */
export function gzip(data: Uint8Array, level = 9): Buffer {
  return gzipSync(data, { level });
}

// ---- synchronous xz-embedded (wasm) -------------------------------------------------------

interface XzExports {
  memory: { buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ptr: number): void;
  supply_input(ptr: number, len: number): void;
  get_next_output(ptr: number): number;
}

// tsconfig has no DOM lib, so describe the two WebAssembly constructors we use.
const WA = (
  globalThis as unknown as {
    WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object, imports: object) => { exports: unknown } };
  }
).WebAssembly;

let xz: XzExports | undefined;

function xzInstance(): XzExports {
  if (xz) return xz;
  const require = createRequire(import.meta.url);
  const js = readFileSync(require.resolve('xz-decompress'), 'utf8');
  const m = /data:application\/wasm;base64,([A-Za-z0-9+/=]+)/.exec(js);
  if (!m) throw new Error('xz-decompress: embedded wasm not found (package layout changed?)');
  const mod = new WA.Module(Buffer.from(m[1]!, 'base64'));
  xz = new WA.Instance(mod, {}).exports as unknown as XzExports;
  return xz;
}

/**
 * xz-embedded allocates the whole dictionary the stream header declares (8 MiB for dpkg's
 * default preset) for every stream: that allocation, not the decoding, is most of the cost of
 * reading a 2 KB control.tar.xz. When the first block is plain LZMA2 we rewrite its header to
 * declare 1 MiB (fixing the header CRC32). This is safe: an LZ decoder given a smaller window
 * either produces the same bytes (every match distance fits) or stops with a data error
 * (a distance does not fit), never different output; on error the caller decodes the
 * original. Returns undefined when there is nothing to shrink.
 */
const SMALL_DICT_CODE = 16; // (2 | 0) << (16/2 + 11) = 1 MiB

export function shrinkXzDictionary(data: Uint8Array): Uint8Array | undefined {
  const magic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
  if (data.length < 32 || magic.some((b, i) => data[i] !== b)) return undefined;
  const start = 12;
  const size = (data[start]! + 1) * 4;
  if (data[start] === 0 || start + size > data.length) return undefined;
  const flags = data[start + 1]!;
  if ((flags & 0x03) !== 0) return undefined; // more than one filter (BCJ ...)
  let p = start + 2;
  const skipVarint = () => {
    while (p < start + size && data[p]! & 0x80) p++;
    p++;
  };
  if (flags & 0x40) skipVarint();
  if (flags & 0x80) skipVarint();
  if (data[p] !== 0x21 || data[p + 1] !== 0x01) return undefined; // LZMA2, 1 property byte
  const code = data[p + 2]!;
  if (code <= SMALL_DICT_CODE || code > 40) return undefined;
  const out = Uint8Array.from(data);
  out[p + 2] = SMALL_DICT_CODE;
  const crc = crc32(out.subarray(start, start + size - 4));
  new DataView(out.buffer, out.byteOffset + start + size - 4, 4).setUint32(0, crc, true);
  return out;
}

const XZ_OK = 0;
const XZ_STREAM_END = 1;
/** Input per step when stopping early: 256 bytes (~1-2 KiB of tar) read control.tar.xz ~12% faster than 512 on 1,200 real .debs; 64 is slower again. */
const SMALL_STEP = 256;

/**
 * Run the xz decoder over `data`, handing each piece of output to `emit` (a view into the
 * decoder's memory, valid only during the call); `emit` returns true to stop early.
 * `smallSteps`: feed SMALL_STEP bytes at a time, so an early stop comes soon after what was wanted.
 */
function xzRun(data: Uint8Array, emit: (chunk: Uint8Array) => boolean | undefined, smallSteps = false): void {
  const x = xzInstance();
  const ptr = x.create_context();
  try {
    // Context layout (xz-decompress's native glue): u32 [bufSize, inPtr, inPos, inSize, outPtr, outPos].
    let m32 = new Uint32Array(x.memory.buffer, ptr, 6);
    const bufSize = m32[0]!;
    const inPtr = m32[1]!;
    const outPtr = m32[4]!;
    let fed = 0;
    let outputWasFull = false;
    let eofSent = false;
    for (;;) {
      m32 = new Uint32Array(x.memory.buffer, ptr, 6);
      // Input is needed only when all was consumed AND the decoder did not stop for a full
      // output buffer (then it may still hold pending output for the same input).
      if (m32[2] === m32[3] && !outputWasFull) {
        // At the end, an empty input tells the glue "no more data" (it then reports the end
        // of stream, or that the stream was cut short).
        if (fed >= data.length) {
          if (eofSent) throw new Error('truncated xz stream');
          eofSent = true;
        }
        const n = Math.min(smallSteps ? SMALL_STEP : bufSize, data.length - fed);
        new Uint8Array(x.memory.buffer, inPtr, n).set(data.subarray(fed, fed + n));
        x.supply_input(ptr, n);
        fed += n;
      }
      const r = x.get_next_output(ptr);
      if (r !== XZ_OK && r !== XZ_STREAM_END) throw new Error(`xz error ${r}`);
      m32 = new Uint32Array(x.memory.buffer, ptr, 6);
      const outPos = m32[5]!;
      outputWasFull = outPos === bufSize;
      if (outPos > 0) {
        m32[5] = 0;
        if (emit(new Uint8Array(x.memory.buffer, outPtr, outPos))) break;
      }
      if (r === XZ_STREAM_END) break;
    }
  } finally {
    x.destroy_context(ptr);
  }
}

function xzDecompress(data: Uint8Array, maxOutput: number, enough?: (out: Uint8Array) => boolean): Uint8Array {
  // One growing buffer (doubling): `enough` sees all output so far after every step without
  // re-concatenating it each time (a control.tar with the control file last stays linear).
  let out = new Uint8Array(16 * 1024);
  let total = 0;
  xzRun(
    data,
    (chunk) => {
      if (total + chunk.length > maxOutput) throw new Error(`output larger than ${maxOutput} bytes`);
      if (total + chunk.length > out.length) {
        const grown = new Uint8Array(Math.max(out.length * 2, total + chunk.length));
        grown.set(out.subarray(0, total));
        out = grown;
      }
      out.set(chunk, total);
      total += chunk.length;
      return enough?.(out.subarray(0, total));
    },
    !!enough,
  );
  return out.slice(0, total);
}
