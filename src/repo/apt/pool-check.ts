/**
 * `--deep`: every pool file a suite's Packages and Sources indexes name, re-hashed against the
 * size and SHA256 the index gives (what apt compares after downloading a package). The indexes
 * themselves are checked against Release by the caller; this reads one form of each (plain,
 * else .gz, else .xz) through `get` (paths relative to the repository root).
 */
import { createHash } from 'node:crypto';
import { mapLimit } from '../../core/concurrency.js';
import { decompress, MAX_INDEX_TEXT } from '../../formats/compress.js';
import { getField, parseDeb822 } from '../../formats/deb822.js';

export type RepoFetcher = (rel: string) => Promise<Uint8Array | undefined>;

export interface PoolProblem {
  file: string;
  problem: string;
}

/** Pool files read at once (each is held in memory while it is hashed). */
export const POOL_READS_IN_FLIGHT = 8;

const INDEX = /^(.*\/)?(Packages|Sources)(\.gz|\.xz)?$/;

/** Pool files listed by the indexes of suite `base` (dists/<suite>) whose Release lists `paths`. */
export async function checkPoolFiles(
  get: RepoFetcher,
  base: string,
  paths: Iterable<string>,
): Promise<{ checked: string[]; problems: PoolProblem[] }> {
  const forms = new Map<string, string[]>();
  for (const p of paths) {
    const m = INDEX.exec(p);
    if (!m) continue;
    const plain = `${m[1] ?? ''}${m[2]}`;
    forms.set(
      plain,
      [...(forms.get(plain) ?? []), p].sort((a, b) => a.length - b.length),
    );
  }
  const want = new Map<string, { size: number; sha256: string; index: string }>();
  const problems: PoolProblem[] = [];
  for (const [plain, candidates] of forms) {
    let text: string | undefined;
    let index = '';
    for (const c of candidates) {
      const bytes = await get(`${base}/${c}`);
      if (!bytes) continue;
      index = `${base}/${c}`;
      text = Buffer.from(
        c.endsWith('.xz')
          ? decompress(bytes, 'xz', index, MAX_INDEX_TEXT)
          : c.endsWith('.gz')
            ? decompress(bytes, 'gz', index, MAX_INDEX_TEXT)
            : bytes,
      ).toString('utf8');
      break;
    }
    if (text === undefined) continue; // missing indexes are reported by the Release check
    for (const stanza of parseDeb822(text, { source: index })) {
      if (plain.endsWith('Packages')) {
        const file = getField(stanza, 'Filename');
        const sha256 = getField(stanza, 'SHA256');
        const size = Number(getField(stanza, 'Size'));
        if (file && sha256) want.set(file, { size, sha256, index });
      } else {
        const dirName = getField(stanza, 'Directory');
        for (const line of (getField(stanza, 'Checksums-Sha256') ?? '').split('\n').slice(1)) {
          const [sha256, size, name] = line.trim().split(/\s+/);
          if (dirName && sha256 && name) want.set(`${dirName}/${name}`, { size: Number(size), sha256, index });
        }
      }
    }
  }
  // Over a network (a URL, a bucket) one file at a time is latency-bound: a few in flight.
  await mapLimit([...want], POOL_READS_IN_FLIGHT, async ([file, w]) => {
    if (file.split('/').includes('..') || file.startsWith('/')) {
      problems.push({ file: w.index, problem: `names ${file}, outside the repository` });
      return;
    }
    const bytes = await get(file);
    if (!bytes) problems.push({ file, problem: `listed in ${w.index} but missing` });
    else if (bytes.length !== w.size) problems.push({ file, problem: `size ${bytes.length}, ${w.index} says ${w.size}` });
    else if (createHash('sha256').update(bytes).digest('hex') !== w.sha256)
      problems.push({ file, problem: `SHA256 differs from ${w.index}` });
  });
  problems.sort((a, b) => a.file.localeCompare(b.file));
  return { checked: [...want.keys()], problems };
}
