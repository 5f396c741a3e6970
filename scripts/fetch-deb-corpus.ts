/**
 * Fetches the apt test/bench corpus: >= 1,000 small real .debs (and a few source packages)
 * from the Debian bookworm mirror into .cache/deb-corpus/ (git-ignored). Idempotent: files
 * already present with the right SHA-256 are kept. Every file is checked against the SHA-256
 * the signed-by-Debian Packages/Sources index lists.
 *
 *   node --import tsx scripts/fetch-deb-corpus.ts [--dir .cache/deb-corpus] [--count 1200] [--max-size 400000] [--sources 40]
 *
 * Selection is deterministic (every k-th small package of bookworm main amd64+all, sorted by
 * name) so that CI and developers get the same corpus; about 1,200 files and ~150 MB (small enough to fetch quickly, large enough that hashing matters as it does on real repositories).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fetchRetrying } from '../src/core/http-retry.js';

const MIRROR = process.env.PKGTRACK_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const SUITE = 'bookworm';
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join('.cache', 'deb-corpus') },
    count: { type: 'string', default: '1200' },
    'max-size': { type: 'string', default: '400000' },
    sources: { type: 'string', default: '40' },
  },
});
const COUNT = Number(values.count);
const MAX_SIZE = Number(values['max-size']);
const SOURCES = Number(values.sources);
const ROOT = join(process.cwd(), values.dir);

async function fetchBytes(url: string): Promise<Buffer> {
  const r = await fetchRetrying(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

function unxz(b: Buffer): string {
  const r = spawnSync('xz', ['-dc'], { input: b, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`xz -dc failed: ${r.stderr}`);
  return r.stdout.toString('utf8');
}

function stanzas(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const block of text.split(/\n\n+/)) {
    const m = new Map<string, string>();
    let key = '';
    for (const line of block.split('\n')) {
      if (!line) continue;
      if (line[0] === ' ' || line[0] === '\t') m.set(key, `${m.get(key)}\n${line}`);
      else {
        const i = line.indexOf(':');
        key = line.slice(0, i);
        m.set(key, line.slice(i + 1).trim());
      }
    }
    if (m.size) out.push(m);
  }
  return out;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function have(path: string, hash: string): Promise<boolean> {
  try {
    return sha256(await readFile(path)) === hash;
  } catch {
    return false;
  }
}

async function download(jobs: Array<{ url: string; path: string; sha256: string }>, parallel = 8): Promise<number> {
  let next = 0;
  let fetched = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const j = jobs[next++]!;
      if (await have(j.path, j.sha256)) continue;
      const b = await fetchBytes(j.url);
      if (sha256(b) !== j.sha256) throw new Error(`${j.url}: SHA-256 mismatch`);
      await mkdir(dirname(j.path), { recursive: true });
      await writeFile(`${j.path}.part`, b);
      await rename(`${j.path}.part`, j.path);
      fetched++;
      if (fetched % 100 === 0) process.stderr.write(`  ${fetched} fetched\n`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return fetched;
}

async function main(): Promise<void> {
  process.stderr.write(`reading ${SUITE} main/binary-amd64 Packages\n`);
  const pk = stanzas(unxz(await fetchBytes(`${MIRROR}/dists/${SUITE}/main/binary-amd64/Packages.xz`)));
  const small = pk
    .filter((s) => Number(s.get('Size')) <= MAX_SIZE && s.get('Filename'))
    .sort((a, b) => a.get('Filename')!.localeCompare(b.get('Filename')!));
  const step = Math.max(1, Math.floor(small.length / COUNT));
  const chosen = small.filter((_, i) => i % step === 0).slice(0, COUNT);
  const debJobs = chosen.map((s) => ({
    url: `${MIRROR}/${s.get('Filename')}`,
    path: join(ROOT, 'debs', s.get('Filename')!.split('/').pop()!),
    sha256: s.get('SHA256')!,
  }));
  process.stderr.write(`downloading ${debJobs.length} .debs (<= ${MAX_SIZE} bytes each)\n`);
  await download(debJobs);

  process.stderr.write(`reading ${SUITE} main/source Sources\n`);
  const src = stanzas(unxz(await fetchBytes(`${MIRROR}/dists/${SUITE}/main/source/Sources.xz`)));
  const smallSrc = src
    .map((s) => {
      const files = (s.get('Checksums-Sha256') ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length === 3)
        .map(([h, size, name]) => ({ sha256: h!, size: Number(size), name: name! }));
      return { s, files, total: files.reduce((n, f) => n + f.size, 0) };
    })
    .filter((x) => x.total <= 300_000 && x.files.length > 0)
    .sort((a, b) => a.s.get('Package')!.localeCompare(b.s.get('Package')!));
  // The mirror proxy does not hold every source file: take candidates in a fixed order and
  // skip any source package one of whose files cannot be fetched.
  const sstep = Math.max(1, Math.floor(smallSrc.length / (SOURCES * 3)));
  const candidates = smallSrc.filter((_, i) => i % sstep === 0);
  const chosenSrc: typeof candidates = [];
  for (const x of candidates) {
    if (chosenSrc.length >= SOURCES) break;
    const jobs = x.files.map((f) => ({ url: `${MIRROR}/${x.s.get('Directory')}/${f.name}`, path: join(ROOT, 'sources', f.name), sha256: f.sha256 }));
    try {
      await download(jobs, 4);
      chosenSrc.push(x);
    } catch (e) {
      process.stderr.write(`  skipping source ${x.s.get('Package')}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  process.stderr.write(`fetched ${chosenSrc.length} source packages\n`);
  await writeFile(
    join(ROOT, 'corpus.json'),
    JSON.stringify({ suite: SUITE, debs: debJobs.map((j) => j.path.split('/').pop()), dscs: chosenSrc.map((x) => x.files.find((f) => f.name.endsWith('.dsc'))?.name) }, null, 1),
  );
  process.stderr.write(`corpus ready in ${ROOT}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`fetch-deb-corpus: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
