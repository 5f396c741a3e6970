/**
 * The real-Debian corpus for the patch engine and the patch report: source packages with patch
 * series from bookworm, trixie and sid, listed (suite, package, kind) in
 * test/patches/debian-corpus.txt and cached under .cache/debian-corpus/<suite>/<package>/.
 *   node --import tsx scripts/fetch-debian-corpus.ts            # fetch the whole list (fills gaps)
 *   node --import tsx scripts/fetch-debian-corpus.ts --sample   # only the CI sample
 *   node --import tsx scripts/fetch-debian-corpus.ts --select   # (re)write the list from the archive
 * Every file is checked against the signed Sources index of its suite (SHA-256).
 */
import { mapLimit } from '../src/core/concurrency.js';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../src/core/exec.js';
import { fetchRetrying } from '../src/core/http-retry.js';
import { downloadDebianSource } from '../src/services/fetch/fetch.js';
import { debianSourcesIndex } from '../src/services/fetch/source-cache-debian.js';

const ROOT = join(import.meta.dirname, '..');
export const CORPUS_LIST = join(ROOT, 'test', 'patches', 'debian-corpus.txt');
export const CORPUS_DIR = join(ROOT, '.cache', 'debian-corpus');
const ARCHIVE = 'http://deb.debian.org/debian';

/** What a corpus package exercises (the selection makes sure each kind is well represented). */
export type CorpusKind = 'format-patch' | 'quilt' | 'multi-tarball';

export interface CorpusPackage {
  suite: string;
  pkg: string;
  kinds: CorpusKind[];
}

export function readCorpusList(text = readFileSync(CORPUS_LIST, 'utf8')): CorpusPackage[] {
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [suite, pkg, kinds] = l.trim().split(/\s+/);
      return { suite: suite!, pkg: pkg!, kinds: (kinds ?? '').split(',').filter(Boolean) as CorpusKind[] };
    });
}

/**
 * The CI sample: every `step`-th package, plus the first of each kind, so a few minutes of
 * tests still see format-patch exports, quilt headers and multi-tarball sources.
 */
export function corpusSample(all = readCorpusList(), step = 12): CorpusPackage[] {
  const picked = new Set(all.filter((_, i) => i % step === 0));
  for (const kind of ['format-patch', 'quilt', 'multi-tarball'] as const) {
    const have = [...picked].filter((p) => p.kinds.includes(kind)).length;
    for (const p of all.filter((q) => q.kinds.includes(kind)).slice(0, Math.max(0, 3 - have))) picked.add(p);
  }
  return all.filter((p) => picked.has(p));
}

async function dscIn(dir: string): Promise<string | undefined> {
  const f = (await readdir(dir).catch(() => [] as string[])).find((n) => n.endsWith('.dsc'));
  return f ? join(dir, f) : undefined;
}

/** Download (or reuse) one corpus package; returns its .dsc. */
export async function ensureCorpusPackage(p: CorpusPackage): Promise<string> {
  const dir = join(CORPUS_DIR, p.suite, p.pkg);
  const have = await dscIn(dir);
  if (have) return have;
  // Parallel test files each download into their own directory and rename it into place.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    // A test corpus pinned by the signed index and SHA-256: a sid Release past Valid-Until on
    // a lagging mirror is acceptable here (never for a recipe by default).
    await downloadDebianSource(p.pkg, tmp, { suite: p.suite, cacheDir: CORPUS_DIR, checkValidUntil: false });
    mkdirSync(join(CORPUS_DIR, p.suite), { recursive: true });
    await rename(tmp, dir).catch(() => undefined);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const dsc = await dscIn(dir);
  if (!dsc) throw new Error(`${p.suite}/${p.pkg}: no .dsc after download`);
  return dsc;
}

interface Candidate {
  suite: string;
  pkg: string;
  directory: string;
  debianTar: { name: string; sha256: string };
  files: string[];
  multi: boolean;
}

/** Source stanzas of one suite that are small 3.0 (quilt) packages. */
async function candidates(suite: string): Promise<Candidate[]> {
  const index = await debianSourcesIndex({ suite, checkValidUntil: false }, CORPUS_DIR);
  const out: Candidate[] = [];
  for (const stanza of (await readFile(index, 'utf8')).split('\n\n')) {
    const field = (n: string) => new RegExp(`^${n}: (.*)$`, 'm').exec(stanza)?.[1];
    if (field('Format') !== '3.0 (quilt)') continue;
    const files = [...(/^Checksums-Sha256:\n((?: .*\n?)+)/m.exec(stanza)?.[1] ?? '').matchAll(/^ ([0-9a-f]{64}) (\d+) (\S+)$/gm)].map(
      (m) => ({ sha256: m[1]!, size: Number(m[2]), name: m[3]! }),
    );
    const total = files.reduce((n, f) => n + f.size, 0);
    const multi = files.some((f) => /\.orig-[A-Za-z0-9-]+\.tar\./.test(f.name));
    if (total > (multi ? 4_000_000 : 1_500_000)) continue;
    const debianTar = files.find((f) => /\.debian\.tar\.[a-z0-9]+$/.test(f.name));
    if (!debianTar) continue;
    out.push({ suite, pkg: field('Package')!, directory: field('Directory')!, debianTar, files: files.map((f) => f.name), multi });
  }
  return out;
}

/** The patch file names of a debian tarball's series, and how many are git format-patch exports. */
async function seriesOf(c: Candidate): Promise<{ patches: number; formatPatch: number }> {
  const r = await fetchRetrying(`${ARCHIVE}/${c.directory}/${c.debianTar.name}`);
  if (!r.ok) return { patches: 0, formatPatch: 0 };
  const bytes = Buffer.from(await r.arrayBuffer());
  if (createHash('sha256').update(bytes).digest('hex') !== c.debianTar.sha256) return { patches: 0, formatPatch: 0 };
  const tmp = join(CORPUS_DIR, `.select-${process.pid}-${c.suite}-${c.pkg}`);
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, c.debianTar.name), bytes);
    const x = await run('tar', ['-xf', c.debianTar.name, 'debian/patches'], { cwd: tmp, check: false });
    if (x.code !== 0) return { patches: 0, formatPatch: 0 };
    const series = await readFile(join(tmp, 'debian/patches/series'), 'utf8').catch(() => '');
    const names = series
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0])
      .filter((n): n is string => !!n);
    let formatPatch = 0;
    for (const n of names) {
      const head = await readFile(join(tmp, 'debian/patches', n), 'latin1').catch(() => '');
      if (/^From [0-9a-f]{40} /.test(head)) formatPatch++;
    }
    return { patches: names.length, formatPatch };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Pick the corpus: packages spread over the name space by hash, with patch series. */
async function select(perSuite: Record<string, number>, multiWanted: number, have: CorpusPackage[] = []): Promise<CorpusPackage[]> {
  const order = (s: string) => createHash('sha256').update(s).digest('hex');
  const chosen: CorpusPackage[] = [];
  const taken = new Set<string>(have.map((p) => p.pkg));
  for (const [suite, want] of Object.entries(perSuite)) {
    const all = (await candidates(suite)).filter((c) => !taken.has(c.pkg)).sort((a, b) => (order(a.pkg) < order(b.pkg) ? -1 : 1));
    const multis = all.filter((c) => c.multi);
    let got = 0;
    let gotMulti = 0;
    const consider = async (c: Candidate) => {
      // The mirror may lack files its index lists (older origs): every file must answer.
      for (const f of c.files) if (!(await fetchRetrying(`${ARCHIVE}/${c.directory}/${f}`, { method: 'HEAD' })).ok) return false;
      const s = await seriesOf(c);
      if (s.patches === 0 || taken.has(c.pkg)) return false;
      taken.add(c.pkg);
      const kinds: CorpusKind[] = [];
      if (s.formatPatch * 2 >= s.patches) kinds.push('format-patch');
      else kinds.push('quilt');
      if (c.multi) kinds.push('multi-tarball');
      chosen.push({ suite, pkg: c.pkg, kinds });
      return true;
    };
    for (let i = 0; i < multis.length && gotMulti < multiWanted; i += 4)
      for (const r of await Promise.all(multis.slice(i, i + 4).map(consider))) if (r) gotMulti++;
    for (let i = 0; i < all.length && got < want; i += 8)
      for (const r of await Promise.all(all.slice(i, i + 8).filter((c) => !c.multi).map(consider))) if (r) got++;
    console.error(`${suite}: ${got} packages + ${gotMulti} multi-tarball`);
  }
  return chosen;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  if (process.argv.includes('--select') || process.argv.includes('--more')) {
    // --more: keep the packages already fetched, add more from each suite.
    const more = process.argv.includes('--more');
    const kept = more ? readCorpusList().filter((p) => existsSync(join(CORPUS_DIR, p.suite, p.pkg))) : [];
    const added = await select(more ? { bookworm: 25, trixie: 25, sid: 25 } : { bookworm: 70, trixie: 80, sid: 60 }, more ? 2 : 4, kept);
    const bySuite = (p: CorpusPackage) => ['bookworm', 'trixie', 'sid'].indexOf(p.suite);
    const chosen = [...kept, ...added].sort((a, b) => bySuite(a) - bySuite(b));
    const text = [
      '# The real-Debian patch corpus: <suite> <source package> <kinds>. Written by',
      '# `node --import tsx scripts/fetch-debian-corpus.ts --select` (small 3.0 (quilt) packages with',
      '# a patch series, spread over the archive by the SHA-256 of their names); edit by hand freely.',
      ...chosen.map((c) => `${c.suite} ${c.pkg} ${c.kinds.join(',')}`),
      '',
    ].join('\n');
    writeFileSync(CORPUS_LIST, text);
    console.log(`${chosen.length} packages → ${CORPUS_LIST}`);
  } else {
    const list = process.argv.includes('--sample') ? corpusSample() : readCorpusList();
    let failed = 0;
    await mapLimit(list, 4, async (p) => {
      try {
        await ensureCorpusPackage(p);
      } catch (e) {
        failed++;
        console.error(`${p.suite}/${p.pkg}: ${(e as Error).message}`);
      }
    });
    console.log(`${list.length - failed}/${list.length} packages in ${CORPUS_DIR}`);
    if (failed) process.exitCode = 1;
  }
}
