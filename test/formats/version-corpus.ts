/**
 * Real Debian versions for the comparison tests: the Version fields of sid's and experimental's
 * source indexes, downloaded once from the mirror and cached under .cache/version-corpus/.
 * Run directly (`node --import tsx test/formats/version-corpus.ts`) to prefetch in CI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIRROR = process.env.PKGTRACK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SUITES = ['sid', 'experimental'];
const CACHE = join(fileURLToPath(new URL('../..', import.meta.url)), '.cache', 'version-corpus');

async function fetchVersions(suite: string): Promise<string[]> {
  const file = join(CACHE, `${suite}-versions.txt`);
  if (existsSync(file)) return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  mkdirSync(CACHE, { recursive: true });
  const url = `${MIRROR}/dists/${suite}/main/source/Sources.xz`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const xz = Buffer.from(await res.arrayBuffer());
  const text = execFileSync('xz', ['-dc'], { input: xz, maxBuffer: 1 << 30 }).toString('utf8');
  const versions = [...new Set([...text.matchAll(/^Version: (.+)$/gm)].map((m) => m[1]!.trim()))];
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${versions.join('\n')}\n`);
  renameSync(tmp, file);
  return versions;
}

/** Every distinct source version in sid and experimental (about 35,000). */
export async function debianVersionCorpus(): Promise<string[]> {
  const all = new Set<string>();
  for (const s of SUITES) for (const v of await fetchVersions(s)) all.add(v);
  return [...all];
}

/** A deterministic pseudo-random generator so failures reproduce (seed printed by tests). */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** `n` items picked from `items` by `rand`, always including the ones `keep` selects. */
export function sample<T>(items: readonly T[], n: number, rand: () => number, keep: (t: T) => boolean = () => false): T[] {
  const kept = items.filter(keep);
  const rest = items.filter((t) => !keep(t));
  const out = kept.slice(0, Math.floor(n / 2));
  while (out.length < n && rest.length) {
    const i = Math.floor(rand() * rest.length);
    out.push(rest[i]!);
    rest[i] = rest[rest.length - 1]!;
    rest.pop();
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = await debianVersionCorpus();
  console.log(`${v.length} versions cached in ${CACHE}`);
}
