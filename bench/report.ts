/**
 * `npm run bench -- report`: the patch engine and the patch report over the whole real-Debian
 * corpus (test/patches/debian-corpus.txt, fetched into .cache/debian-corpus by
 * scripts/fetch-debian-corpus.ts). Prints, per check, how many packages/patches pass:
 * (a) unpack + queue == dpkg-source -x (content and modes), (b) header verdicts against lintian,
 * (c) the negative control (the report against each package's own base upstream version), and
 * the time `report patches` takes on the whole corpus next to lintian's on the same packages, and
 * (d) recall and precision of merged detection on real history (bench/report/pairs.ts).
 */
import { mapLimit } from '../src/core/concurrency.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDsc } from '../src/formats/deb-control.js';
import type { UpstreamTree } from '../src/services/report/report.js';
import { recallPrecision } from './report/pairs.js';
import { type CorpusPackage, ensureCorpusPackage, readCorpusList } from '../scripts/fetch-debian-corpus.js';
import {
  baseVersionReport,
  compareWithLintian,
  corpusRepository,
  dpkgExtract,
  mergedClaims,
  treeDifferences,
  upstreamVersion,
} from '../test/patches/helpers/debian-corpus.js';

interface Done {
  p: CorpusPackage;
  tree: string;
  version: string;
  debianVersion: string;
  /** (a) and (b): absent in the fast mode. */
  tools?: ToolChecks;
}

interface ToolChecks {
  treeDiff: string[];
  lintianMs: number;
  cmp: Awaited<ReturnType<typeof compareWithLintian>>;
}

type Checked = Done & { tools: ToolChecks };

/** PKGTRACK_BENCH_REPORT=fast: (c), its timing and (d), without (a) and (b)'s dpkg-source and lintian runs (most of the time). */
const FAST = process.env.PKGTRACK_BENCH_REPORT === 'fast';

export default async function reportBench(): Promise<void> {
  const list = readCorpusList();
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-bench-report-'));
  const failed: string[] = [];
  const done: Done[] = [];
  try {
    await mapLimit(list, 2, async (p) => {
      try {
        const dsc = await ensureCorpusPackage(p);
        const tree = join(work, 'base', p.suite, p.pkg);
        await dpkgExtract(dsc, tree, true);
        const debianVersion = parseDsc(readFileSync(dsc, 'utf8'), dsc).version;
        const version = upstreamVersion(debianVersion);
        if (FAST) {
          done.push({ p, tree, version, debianVersion });
          return;
        }
        const a = join(work, 'a', p.suite, p.pkg);
        const treeDiff = await treeDifferences(dsc, a).catch((e: Error) => [`error: ${e.message.split('\n')[0]}`]);
        await rm(a, { recursive: true, force: true });
        const t0 = performance.now();
        const cmp = await compareWithLintian(dsc, tree);
        done.push({ p, tree, version, debianVersion, tools: { treeDiff, lintianMs: performance.now() - t0, cmp } });
      } catch (e) {
        failed.push(`${p.suite}/${p.pkg}: ${(e as Error).message.split('\n')[0]}`);
      }
    });
    if (!FAST)
      checkedAgainstTools(
        done.filter((d): d is Checked => d.tools !== undefined),
        failed,
        list.length,
      );
    else console.log(`corpus: ${done.length}/${list.length} packages (fast: (a) and (b) not run)`);
    // One recipe per package (one package name may be in two suites: the first wins).
    const seen = new Set<string>();
    const unique = done.filter((d) => !seen.has(d.p.pkg) && seen.add(d.p.pkg));
    const root = join(work, 'repo');
    corpusRepository(
      root,
      unique.map((d) => ({ pkg: d.p.pkg, tree: d.tree })),
    );
    const trees: Record<string, UpstreamTree[]> = {};
    for (const d of unique) trees[d.p.pkg] = [{ dir: d.tree, label: d.version, base: d.tree }];
    const t0 = performance.now();
    const report = await baseVersionReport(root, trees);
    const reportMs = performance.now() - t0;
    const claims = mergedClaims(report);
    console.log(
      `(c) negative control (each package against its own base version): ${claims.filter((e) => e.status === 'merged-upstream').length} merged-upstream, ${claims.filter((e) => e.status === 'probably-merged').length} probably-merged of ${report.total} patches`,
    );
    for (const e of claims) console.log(`  ${e.recipe}/${e.file}: ${e.status} — ${e.reason}`);
    console.log(
      `    statuses: ${Object.entries(report.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}`,
    );
    const lintianMs = unique.reduce((n, d) => n + (d.tools?.lintianMs ?? 0), 0);
    if (FAST)
      console.log(
        `report patches on the whole corpus (${unique.length} recipes, ${report.total} patches): ${(reportMs / 1000).toFixed(1)} s`,
      );
    else
      console.log(
        `report patches on the whole corpus (${unique.length} recipes, ${report.total} patches, reverse-apply + hunk + changelog checks): ${(reportMs / 1000).toFixed(1)} s; lintian (3 patch tags) on the same packages: ${(lintianMs / 1000).toFixed(1)} s; ratio ${(reportMs / lintianMs).toFixed(2)}`,
      );
    await recallPrecision(
      done.map((d) => ({ pkg: d.p.pkg, suite: d.p.suite, debianVersion: d.debianVersion, tree: d.tree })),
      work,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** (a) and (b): the corpus against dpkg-source and lintian. */
function checkedAgainstTools(done: Checked[], failed: string[], total: number): void {
  const sum = (f: (d: ToolChecks) => number) => done.reduce((n, d) => n + f(d.tools), 0);
  const patches = sum((d) => d.cmp.patches.length);
  console.log(`corpus: ${done.length}/${total} packages, ${patches} patches`);
  for (const f of failed) console.log(`  not checked: ${f}`);

  const differ = done.filter((d) => d.tools.treeDiff.length);
  console.log(`(a) unpack + queue == dpkg-source -x (content and modes): ${done.length - differ.length}/${done.length} packages`);
  for (const d of differ)
    console.log(
      `  ${d.p.suite}/${d.p.pkg}: ${d.tools.treeDiff.slice(0, 3).join('; ')}${d.tools.treeDiff.length > 3 ? ` (+${d.tools.treeDiff.length - 3})` : ''}`,
    );

  const lintianNf = sum((d) => d.cmp.lintianNotForwarded.size);
  const agreeNf = sum((d) => [...d.cmp.lintianNotForwarded].filter((x) => d.cmp.needsForwarding.has(x)).length);
  const explained = sum((d) => d.cmp.explained.size);
  console.log(
    `(b) lintian patch-not-forwarded-upstream: ${lintianNf}; needs-forwarding for ${agreeNf}, explained by a rule ${explained}, unexplained ${sum((d) => d.cmp.unexplained.length)}`,
  );
  const rules = new Map<string, number>();
  for (const d of done) for (const r of d.tools.cmp.explained.values()) rules.set(r, (rules.get(r) ?? 0) + 1);
  for (const [r, n] of rules) console.log(`  ${n}× ${r}`);
  for (const d of done) for (const u of d.tools.cmp.unexplained) console.log(`  unexplained ${d.p.pkg}/${u}`);
  console.log(
    `    invalid-header: ${sum((d) => d.cmp.invalidHeader.size)} (lintian DEP-3 problems: ${sum((d) => d.cmp.lintianDep3Problem.size)}), invalid-header without a lintian problem: ${sum((d) => d.cmp.invalidWithoutLintian.length)}`,
  );
  for (const d of done) for (const x of d.tools.cmp.invalidWithoutLintian) console.log(`  invalid-header without lintian: ${d.p.pkg}/${x}`);
}
