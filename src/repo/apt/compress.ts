/**
 * Index compression for apt: gzip in-process (node:zlib on the libuv thread pool, so several
 * indexes compress in parallel) and xz by spawning `xz` through core/exec.
 *
 * Why spawn xz: no pure-JS/wasm xz ENCODER comes near liblzma's speed (the JS ports of LZMA
 * run 5-10x slower), and native addons are off the table. A spawned `xz` costs ~2-3 ms of
 * process start, runs on the other core while Node gzips and hashes, and produces exactly the
 * files xz-utils users expect. Level 6 (xz's default, what apt-ftparchive and dak use) unless
 * PKGTRACK_XZ_LEVEL says otherwise; -T1 because an index is far smaller than one xz block, so
 * more threads only add overhead.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { run } from '../../core/exec.js';

const gzipAsync = promisify(gzipCb);

export async function gzipIndex(data: Uint8Array): Promise<Buffer> {
  return gzipAsync(data, { level: 9 });
}

export async function xzIndex(data: Uint8Array): Promise<Buffer> {
  const level = /^[0-9]$/.test(process.env.PKGTRACK_XZ_LEVEL ?? '') ? process.env.PKGTRACK_XZ_LEVEL! : '6';
  const r = await run('xz', [`-${level}`, '-T1', '-c', '-'], { input: data, binary: true, what: 'xz (index compression)' });
  return r.stdoutBytes;
}
