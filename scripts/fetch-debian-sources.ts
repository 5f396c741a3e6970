/**
 * Fetches the real Debian source packages the patch tests compare against dpkg-source -x.
 * Cached under .cache/debian-sources/<package>/ (git-ignored); re-running only fills gaps.
 *   node --import tsx scripts/fetch-debian-sources.ts [package...]
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadDebianSource } from '../src/services/fetch/fetch.js';

/** Small packages with patch series: offsets, new files, renames and -p0 among them. */
export const DEBIAN_TEST_PACKAGES = ['bash', 'bc', 'bzip2', 'cowsay', 'cpio', 'dash', 'figlet', 'findutils', 'grep', 'gzip', 'less', 'rsync', 'sed', 'sl', 'unzip', 'zip'];

/** Stable suites first: their versions stay in the archive for years, so the cache stays valid. */
export const SUITES = ['trixie', 'bookworm', 'sid'];
export const CACHE_DIR = join(import.meta.dirname, '..', '.cache', 'debian-sources');

/** Download (or reuse) one package; returns the .dsc path. */
export async function ensureDebianSource(pkg: string): Promise<string> {
  const dir = join(CACHE_DIR, pkg);
  const dscIn = async (d: string) => (await readdir(d).catch(() => [] as string[])).find((f) => f.endsWith('.dsc'));
  const have = await dscIn(dir);
  if (have) return join(dir, have);
  // Test files run in parallel: each downloads into its own directory and renames it into
  // place, so nobody ever sees a half-downloaded package.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  let last: unknown;
  // The mirror may lag behind one suite's index: fall back to the next suite.
  for (const suite of SUITES) {
    try {
      // A test corpus: every file is pinned by the signed index and its SHA-256, so a mirror
      // snapshot past sid's Valid-Until is acceptable here (never for a recipe by default).
      await downloadDebianSource(pkg, tmp, { suite, cacheDir: CACHE_DIR, checkValidUntil: false });
      await rename(tmp, dir).catch(async () => {
        await rm(tmp, { recursive: true, force: true });
      });
      const dsc = await dscIn(dir);
      if (dsc) return join(dir, dsc);
    } catch (e) {
      last = e;
      await rm(tmp, { recursive: true, force: true });
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
