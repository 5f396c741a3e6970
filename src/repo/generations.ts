/**
 * Generations of content-addressed metadata (apt by-hash files, yum <sha>-primary.xml.gz).
 * Each publish records which such files its metadata refers to, BEFORE the switch; pruning
 * keeps every file of the newest `keep` generations and of every generation younger than
 * `minAgeDays`, so a client (or CDN) holding an older InRelease/repomd.xml can still fetch
 * the indexes it names. Records live in `<repo>/.pkgtrack/generations/<scope>.json`.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fsutil.js';
import { REPO_META_DIR, TMP_SUFFIX } from './lock.js';

export interface GenerationPolicy {
  /** Keep at least this many newest generations (default 3, as apt-ftparchive). */
  keep: number;
  /** ... and every generation younger than this many days (default 3). */
  minAgeDays: number;
}

export interface Generation {
  at: string;
  files: string[];
  /**
   * Directories holding only content-addressed files (or generation directories) of this
   * scope: files and directories there that no kept generation uses are removed.
   */
  sweepDirs?: string[];
}

const recordPath = (root: string, scope: string) => join(root, REPO_META_DIR, 'generations', `${scope.replaceAll('/', '__')}.json`);

export async function readGenerations(root: string, scope: string): Promise<Generation[]> {
  try {
    return JSON.parse(await readFile(recordPath(root, scope), 'utf8')) as Generation[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function recordGeneration(root: string, scope: string, files: string[], now: Date, sweepDirs?: string[]): Promise<void> {
  const gens = await readGenerations(root, scope);
  gens.push({ at: now.toISOString(), files: [...new Set(files)].sort(), ...(sweepDirs ? { sweepDirs } : {}) });
  await writeFileAtomic(recordPath(root, scope), `${JSON.stringify(gens)}\n`);
}

/** Which generations a policy keeps (pure; newest last in `gens`). */
export function keptGenerations(gens: readonly Generation[], policy: GenerationPolicy, now: Date): Generation[] {
  const cutoff = now.getTime() - policy.minAgeDays * 86_400_000;
  return gens.filter((g, i) => i >= gens.length - policy.keep || Date.parse(g.at) >= cutoff);
}

/** Delete files only dropped generations use (and orphans in sweep dirs); returns what went. */
export async function pruneGenerations(root: string, scope: string, policy: GenerationPolicy, now: Date): Promise<string[]> {
  const gens = await readGenerations(root, scope);
  const kept = keptGenerations(gens, policy, now);
  const keep = new Set(kept.flatMap((g) => g.files));
  const known = new Set(gens.flatMap((g) => g.files));
  const doomed = new Set([...known].filter((f) => !keep.has(f)));
  const keptDirs = new Set([...keep].map((f) => f.slice(0, f.lastIndexOf('/'))));
  const doomedDirs: string[] = [];
  for (const dir of new Set(kept.flatMap((g) => g.sweepDirs ?? []))) {
    let entries: Dirent[] = [];
    try {
      entries = await readdir(join(root, dir), { withFileTypes: true });
    } catch {
      /* not there yet */
    }
    for (const e of entries) {
      const rel = `${dir}/${e.name}`;
      // A directory no kept file is in: a generation (yum .repodata/<gen>) pruned, or written
      // by a publisher killed before its switch.
      if (e.isDirectory()) {
        if (!keptDirs.has(rel)) doomedDirs.push(rel);
      } else if (!keep.has(rel) && !e.name.endsWith(TMP_SUFFIX)) doomed.add(rel);
    }
  }
  if (kept.length !== gens.length) await writeFileAtomic(recordPath(root, scope), `${JSON.stringify(kept)}\n`);
  for (const rel of doomed) await rm(join(root, rel), { force: true });
  for (const rel of doomedDirs) await rm(join(root, rel), { recursive: true, force: true });
  return [...doomed, ...doomedDirs].sort();
}

/**
 * Rename the files of `scope`'s generations that lie under `fromPrefix` to lie under `toPrefix`
 * (an apt suite directory adopted as a generation directory: its files did not move, their
 * path did). Sweep directories under `fromPrefix` are dropped: they would be swept through the
 * suite's link, in the live generation.
 */
export async function rebaseGenerations(root: string, scope: string, fromPrefix: string, toPrefix: string): Promise<void> {
  const gens = await readGenerations(root, scope);
  const moved = (f: string) => f.startsWith(fromPrefix);
  if (!gens.some((g) => g.files.some(moved) || g.sweepDirs?.some(moved))) return;
  const out = gens.map((g) => {
    const sweepDirs = g.sweepDirs?.filter((d) => !moved(d));
    return {
      at: g.at,
      files: g.files.map((f) => (moved(f) ? `${toPrefix}${f.slice(fromPrefix.length)}` : f)),
      ...(sweepDirs?.length ? { sweepDirs } : {}),
    };
  });
  await writeFileAtomic(recordPath(root, scope), `${JSON.stringify(out)}\n`);
}
