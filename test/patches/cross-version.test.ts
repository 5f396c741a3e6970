/**
 * Fuzz analysis on real data: bookworm's Debian patch series applied to trixie's newer upstream
 * tarball (what a rebase meets). Each patch is tried in order by pkgtrack (fuzz 2) and by GNU
 * patch (`--dry-run -F2 -N`, then for real when it applies); both must agree patch by patch, and
 * the trees must be identical at the end. Patches that do not apply are skipped by both.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PkgtrackError } from '../../src/core/errors.js';
import { run } from '../../src/core/exec.js';
import { applyPatch } from '../../src/patches/engine.js';
import { parseSeries } from '../../src/patches/series.js';
import { downloadDebianSource } from '../../src/services/fetch/fetch.js';
import { extractStripped, unpackDebianSource } from '../../src/services/patches/debian-source.js';
import { CACHE_DIR, ensureDebianSource } from '../../scripts/fetch-debian-sources.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

const PACKAGES = ['bash', 'less', 'gzip', 'rsync'];
const OLD_DIR = resolve(CACHE_DIR, '..', 'debian-sources-bookworm');
let work: string;

async function oldSource(pkg: string): Promise<string> {
  const dir = join(OLD_DIR, pkg);
  const have = (await readdir(dir).catch(() => [] as string[])).find((f) => f.endsWith('.dsc'));
  if (have) return join(dir, have);
  const tmp = `${dir}.tmp-${process.pid}`;
  const r = await downloadDebianSource(pkg, tmp, { suite: 'bookworm', cacheDir: CACHE_DIR });
  await rename(tmp, dir).catch(() => rm(tmp, { recursive: true, force: true }));
  return join(dir, r.dsc.split('/').pop()!);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-xver-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('bookworm patches on trixie upstream: pkgtrack fuzz analysis == GNU patch -F2', () => {
  for (const pkg of PACKAGES) {
    it(pkg, async () => {
      const oldDsc = await oldSource(pkg);
      const newDsc = await ensureDebianSource(pkg);
      const oldTree = join(work, `${pkg}-old`);
      await unpackDebianSource(oldDsc, oldTree, { applyPatches: false });
      const patchesDir = join(oldTree, 'debian', 'patches');
      const newOrig = (await readdir(join(newDsc, '..'))).find((f) => /\.orig\.tar\./.test(f))!;
      const ours = join(work, `${pkg}-ours`);
      const gnu = join(work, `${pkg}-gnu`);
      await extractStripped(join(newDsc, '..', newOrig), ours);
      await mkdir(gnu);
      await run('cp', ['-a', `${ours}/.`, gnu]);
      const series = parseSeries(await readFile(join(patchesDir, 'series'), 'utf8'));
      const outcomes: string[] = [];
      for (const e of series) {
        const file = join(patchesDir, e.name);
        const bytes = await readFile(file);
        // A file upstream removed or moved: GNU patch skips it ("can't find file to patch"), we refuse.
        const r = await applyPatch(ours, bytes, { strip: e.strip, fuzz: 2, patchFile: file }).catch((x: PkgtrackError) => {
          if (x.code !== 'PATCH_MISSING_FILE' && x.code !== 'PATCH_FILE_MOVED') throw x;
          return { status: 'failed' as const, worst: 'failed' as const };
        });
        const args = [`-p${e.strip}`, '-F2', '-N', '-t', '--no-backup-if-mismatch', '-r', '-', '-s', '-i', file];
        const dry = await run('patch', ['--dry-run', ...args], { cwd: gnu, check: false });
        if (dry.code === 0) await run('patch', args, { cwd: gnu });
        expect({ patch: e.name, applies: r.status === 'applied' }).toEqual({ patch: e.name, applies: dry.code === 0 });
        outcomes.push(r.status === 'applied' ? r.worst : r.status);
      }
      expect(diffSnapshots(await treeSnapshot(gnu), await treeSnapshot(ours))).toEqual([]);
      // Report what the rebase would meet (visible with --reporter verbose).
      console.log(`${pkg}: ${outcomes.join(' ')}`);
    });
  }
});
