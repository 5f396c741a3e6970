/**
 * Index compression for apt: gzip in-process (node:zlib on the libuv thread pool, so several
 * indexes compress in parallel) and xz by spawning `xz` through core/exec.
 *
 * Why spawn xz: no pure-JS/wasm xz ENCODER comes near liblzma's speed (the JS ports of LZMA
 * run 5-10x slower), and native addons are off the table. A spawned `xz` costs ~2-3 ms of
 * process start, runs on the other core while Node gzips and hashes, and produces exactly the
 * files xz-utils users expect. Level 6 (xz's default, what apt-ftparchive and dak use) unless
 * PKGTRACK_XZ_LEVEL says otherwise (see xzArgs for dictionary and threads).
 */
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { run } from '../../core/exec.js';

const gzipAsync = promisify(gzipCb);

export async function gzipIndex(data: Uint8Array): Promise<Buffer> {
  return gzipAsync(data, { level: 9 });
}

/**
 * xz arguments for `size` bytes at `level`. The dictionary is cut to the smallest power of two
 * holding the input (or one block): the output is the same size, and setting up the encoder
 * (xz -6 allocates ~90 MiB for an 8 MiB dictionary) stops dominating small indexes. Indexes of
 * 512 KiB and more are split in one block per core (`-T<n> --block-size`): a multi-block .xz,
 * which every liblzma reader (apt, python-apt, xz) decodes; it costs ~3% in size and halves the
 * time on two cores, and the xz of a big Packages file is what a republish waits on. Pure.
 */
export function xzArgs(size: number, level: string, cores: number): string[] {
  const threads = size >= 512 * 1024 ? Math.max(1, Math.min(cores, 4)) : 1;
  const block = Math.ceil(size / threads);
  let dict = 64 * 1024;
  while (dict < block && dict < 8 * 1024 * 1024) dict *= 2;
  const args = [`--lzma2=preset=${level},dict=${dict}`, `-T${threads}`];
  if (threads > 1) args.push(`--block-size=${block}`);
  return [...args, '-c', '-'];
}

export async function xzIndex(data: Uint8Array): Promise<Buffer> {
  const level = /^[0-9]$/.test(process.env.PKGTRACK_XZ_LEVEL ?? '') ? process.env.PKGTRACK_XZ_LEVEL! : '6';
  const r = await run('xz', xzArgs(data.length, level, availableParallelism()), {
    input: data,
    binary: true,
    what: 'xz (index compression)',
  });
  return r.stdoutBytes;
}
