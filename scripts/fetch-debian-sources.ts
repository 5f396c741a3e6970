/**
 * Fetches the real Debian source packages the patch tests compare against dpkg-source -x.
 * Cached under .cache/debian-sources/<package>/ (git-ignored); re-running only fills gaps.
 *   node --import tsx scripts/fetch-debian-sources.ts [package...]
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadDebianSource } from '../src/services/fetch.js';

/** Small packages with patch series: offsets, new files, renames and -p0 among them. */
export const DEBIAN_TEST_PACKAGES = ['bash', 'bc', 'bzip2', 'cowsay', 'cpio', 'dash', 'figlet', 'findutils', 'grep', 'gzip', 'less', 'rsync', 'sed', 'sl', 'unzip', 'zip'];

/** Stable suites first: their versions stay in the archive for years, so the cache stays valid. */
export const SUITES = ['trixie', 'bookworm', 'sid'];
export const CACHE_DIR = join(import.meta.dirname, '..', '.cache', 'debian-sources');

/** Download (or reuse) one package; returns the .dsc path. */
export async function ensureDebianSource(pkg: string): Promise<string> {
  const dir = join(CACHE_DIR, pkg);
  const have = await readdir(dir).catch(() => [] as string[]);
  const dsc = have.find((f) => f.endsWith('.dsc'));
  if (dsc) return join(dir, dsc);
  let last: unknown;
  // The mirror may lag behind one suite's index: fall back to the next suite.
  for (const suite of SUITES) {
    try {
      return (await downloadDebianSource(pkg, dir, { suite, cacheDir: CACHE_DIR })).dsc;
    } catch (e) {
      last = e;
      await rm(dir, { recursive: true, force: true });
    }
  }
  throw last;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const pkgs = process.argv.length > 2 ? process.argv.slice(2) : DEBIAN_TEST_PACKAGES;
  for (const p of pkgs) {
    try {
      console.log(`${p}: ${await ensureDebianSource(p)}`);
    } catch (e) {
      console.error(`${p}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  }
}
