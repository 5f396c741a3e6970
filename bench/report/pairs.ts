/**
 * (d) of `npm run bench -- report`: how well "merged upstream" is detected on real history.
 * For each corpus package, the next suite's version with a newer upstream (bookworm → trixie,
 * trixie → sid) says what really happened to each patch:
 *   positive: dropped from the newer series, and a newer changelog entry naming it says
 *             "upstream" (applied/merged/fixed upstream);
 *   negative: still in the newer series (upstream has not taken it);
 *   unknown:  dropped without such an entry (not counted).
 * The report runs on the old queue against the newer upstream tree; merged-upstream and
 * probably-merged count as "merged". Printed, never asserted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compareDebVersions } from '../../src/formats/version-deb.js';
import { parseSeries } from '../../src/patches/series.js';
import { extractArchive } from '../../src/patches/extract.js';
import { type DebianSourceEntry, debianSourcesIndex, findDebianSources } from '../../src/services/fetch/source-cache-debian.js';
import type { UpstreamTree } from '../../src/services/report/report.js';
import { mapLimit } from '../../src/core/concurrency.js';
import { baseVersionReport, corpusRepository, seriesOf, upstreamVersion } from '../../test/patches/helpers/debian-corpus.js';

const CACHE = join(import.meta.dirname, '..', '..', '.cache', 'report-pairs');
/** Newer suites to look in, nearest first: the first with a newer upstream gives the pair. */
const NEWER_SUITES: Record<string, string[]> = { bookworm: ['trixie', 'sid'], trixie: ['sid'] };
/** Skip newer sources whose orig tarball is bigger than this (download time). */
const MAX_ORIG_BYTES = 8_000_000;

export interface CorpusTree {
  pkg: string;
  suite: string;
  /** Full Debian version of the corpus package. */
  debianVersion: string;
  /** dpkg-source -x --skip-patches of it. */
  tree: string;
}

interface Pair {
  old: CorpusTree;
  newVersion: string;
  newTree: string;
  positives: string[];
  negatives: string[];
}

async function poolFile(entry: DebianSourceEntry, pattern: RegExp): Promise<string | undefined> {
  const file = entry.files.find((f) => pattern.test(f.name));
  if (!file) return undefined;
  if (/\.orig\.tar\./.test(file.name) && file.size > MAX_ORIG_BYTES) return undefined;
  const path = join(CACHE, file.name);
  const ok = () => existsSync(path) && createHash('sha256').update(readFileSync(path)).digest('hex') === file.sha256;
  if (!ok()) {
    const r = await fetch(`http://deb.debian.org/debian/${entry.directory}/${file.name}`);
    if (!r.ok) return undefined;
    const bytes = Buffer.from(await r.arrayBuffer());
    if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) return undefined;
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(path, bytes);
  }
  return path;
}

async function unpack(archive: string, dest: string): Promise<string> {
  await extractArchive(archive, dest);
  const top = readdirSync(dest);
  return top.length === 1 && top[0] !== 'debian' ? join(dest, top[0]!) : dest;
}

/** The changelog's bullet items (with continuation lines) above the entry for `oldVersion`. */
export function newerChangelogItems(changelog: string, oldVersion: string): string[] {
  const items: string[] = [];
  let current: string | undefined;
  for (const line of changelog.split('\n')) {
    const head = /^\S+ \(([^)]+)\)/.exec(line);
    if (head && compareDebVersions(head[1]!, oldVersion) <= 0) break;
    if (/^ {2}[*+-] /.test(line) || /^ {4}[-*+] /.test(line)) {
      if (current !== undefined) items.push(current);
      current = line.trim();
    } else if (/^ {3,}\S/.test(line) && current !== undefined) current += ` ${line.trim()}`;
    else if (current !== undefined) {
      items.push(current);
      current = undefined;
    }
  }
  if (current !== undefined) items.push(current);
  return items;
}

/** Whether a changelog item names `patch` (its file name, with or without the extension) and says "upstream". */
export function saysAppliedUpstream(items: readonly string[], patch: string): boolean {
  const file = basename(patch);
  const stem = file.replace(/\.(patch|diff)$/, '');
  const names = new RegExp(`(^|[^\\w.-])(${escapeRegExp(file)}|${escapeRegExp(stem)})([^\\w-]|$)`);
  return items.some((i) => names.test(i) && /upstream/i.test(i));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The nearest newer suite's version of `old.pkg` with another upstream version. */
async function newerUpstream(old: CorpusTree): Promise<DebianSourceEntry | undefined> {
  for (const suite of NEWER_SUITES[old.suite] ?? []) {
    // A frozen mirror's sid is past its Valid-Until; the signature and hashes are still checked.
    const index = await debianSourcesIndex({ suite, checkValidUntil: false }, CACHE);
    const newest = (await findDebianSources(index, old.pkg)).sort((a, b) => compareDebVersions(b.version, a.version))[0];
    if (
      newest &&
      upstreamVersion(newest.version) !== upstreamVersion(old.debianVersion) &&
      compareDebVersions(newest.version, old.debianVersion) > 0
    )
      return newest;
  }
  return undefined;
}

async function pairFor(old: CorpusTree, work: string): Promise<Pair | undefined> {
  const newest = await newerUpstream(old);
  if (!newest) return undefined;
  const debianTar = await poolFile(newest, /\.debian\.tar\.[a-z0-9]+$/);
  const orig = debianTar ? await poolFile(newest, /\.orig\.tar\.[a-z0-9]+$/) : undefined;
  if (!debianTar || !orig) return undefined;
  const dir = join(work, 'pairs', old.suite, old.pkg);
  const debianDir = await unpack(debianTar, join(dir, 'debian-new'));
  const newTree = await unpack(orig, join(dir, 'orig-new'));
  const newSeriesFile = ['debian.series', 'series'].map((n) => join(debianDir, 'debian', 'patches', n)).find((f) => existsSync(f));
  const newSeries = new Set(newSeriesFile ? parseSeries(readFileSync(newSeriesFile, 'utf8')).map((e) => e.name) : []);
  const changelog = readFileSync(join(debianDir, 'debian', 'changelog'), 'utf8');
  const items = newerChangelogItems(changelog, old.debianVersion);
  const oldSeries = seriesOf(old.tree).names;
  return {
    old,
    newVersion: upstreamVersion(newest.version),
    newTree,
    positives: oldSeries.filter((n) => !newSeries.has(n) && saysAppliedUpstream(items, n)),
    negatives: oldSeries.filter((n) => newSeries.has(n)),
  };
}

export async function recallPrecision(olds: readonly CorpusTree[], work: string): Promise<void> {
  const found = await mapLimit(olds, 4, (o) => pairFor(o, work).catch(() => undefined));
  const pairs = found.filter((p): p is Pair => p !== undefined && p.positives.length + p.negatives.length > 0);
  const root = join(work, 'pairs-repo');
  corpusRepository(
    root,
    pairs.map((p) => ({ pkg: p.old.pkg, tree: p.old.tree })),
  );
  const trees: Record<string, UpstreamTree[]> = {};
  for (const p of pairs) trees[p.old.pkg] = [{ dir: p.newTree, label: p.newVersion, base: p.old.tree }];
  const report = await baseVersionReport(root, trees);
  const merged = new Set(
    report.recipes
      .flatMap((r) => r.patches)
      .filter((e) => e.status === 'merged-upstream' || e.status === 'probably-merged')
      .map((e) => `${e.recipe}/${e.file}`),
  );
  const proven = new Set(
    report.recipes
      .flatMap((r) => r.patches)
      .filter((e) => e.status === 'merged-upstream')
      .map((e) => `${e.recipe}/${e.file}`),
  );
  const pos = pairs.flatMap((p) => p.positives.map((n) => `${p.old.pkg}/${n}`));
  const neg = pairs.flatMap((p) => p.negatives.map((n) => `${p.old.pkg}/${n}`));
  const tp = pos.filter((k) => merged.has(k));
  const fp = neg.filter((k) => merged.has(k));
  const fn = pos.filter((k) => !merged.has(k));
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
  console.log(
    `(d) recall/precision on ${pairs.length} real pairs (next suite's newer upstream): ${pos.length} patches dropped "applied upstream", ${neg.length} still carried`,
  );
  console.log(
    `    merged-upstream or probably-merged: recall ${pct(tp.length, pos.length)} (${tp.length}/${pos.length}), precision ${pct(tp.length, tp.length + fp.length)} (${fp.length} carried patches claimed merged)`,
  );
  console.log(
    `    merged-upstream (proven) alone: recall ${pct(pos.filter((k) => proven.has(k)).length, pos.length)}, carried patches claimed proven-merged: ${neg.filter((k) => proven.has(k)).length}`,
  );
  for (const k of fp) console.log(`  false merged: ${k}`);
  for (const k of fn.slice(0, 15)) console.log(`  missed: ${k}`);
  if (fn.length > 15) console.log(`  missed: (+${fn.length - 15} more)`);
}
