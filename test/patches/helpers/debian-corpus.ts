/**
 * The checks the real-Debian corpus (scripts/fetch-debian-corpus.ts) is held to, shared by the
 * CI sample (test/patches/debian-corpus.test.ts) and the whole corpus (`npm run bench -- report`):
 * (a) pkgtrack's unpack + patch queue gives dpkg-source -x's tree, content and modes;
 * (b) our header verdicts against lintian's (invalid-header only where lintian reports a DEP-3
 *     problem; lintian's patch-not-forwarded-upstream is needs-forwarding or one of our rules);
 * (c) against the package's own base upstream tree nothing is merged-upstream or probably-merged.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../../../src/core/exec.js';
import { parsePatchHeader } from '../../../src/patches/header.js';
import { parseSeries } from '../../../src/patches/series.js';
import { loadRecipesRepository } from '../../../src/recipe/load.js';
import { classify, NOT_FORWARDED_RULES } from '../../../src/report/classify.js';
import type { PatchEntry, PatchReport } from '../../../src/report/model.js';
import { unpackDebianSource } from '../../../src/services/patches/debian-source.js';
import { buildPatchReport, type UpstreamTree } from '../../../src/services/report/report.js';
import { GOOD_REPO } from '../../recipe/fixtures.js';
import { diffSnapshots, treeSnapshot } from './tree.js';

const C = { env: { LC_ALL: 'C.UTF-8' } };

/** dpkg-source -x (optionally --skip-patches) of `dsc` into `dest`. */
export async function dpkgExtract(dsc: string, dest: string, skipPatches = false): Promise<void> {
  mkdirSync(dirname(dest), { recursive: true });
  await run('dpkg-source', ['--no-check', ...(skipPatches ? ['--skip-patches'] : []), '-x', dsc, dest], C);
}

/** (a) Differences between dpkg-source -x and pkgtrack's unpack (empty when identical). */
export async function treeDifferences(dsc: string, work: string): Promise<string[]> {
  mkdirSync(work, { recursive: true });
  const ref = join(work, 'dpkg');
  const ours = join(work, 'pkgtrack');
  await dpkgExtract(dsc, ref);
  const result = await unpackDebianSource(dsc, ours);
  if (result.queue && !result.queue.ok) return [`queue failed: ${JSON.stringify(result.queue.failure)}`];
  const skip = (rel: string) => rel === '.pc' || rel.startsWith('.pc/');
  return diffSnapshots(await treeSnapshot(ref, skip, { modes: true }), await treeSnapshot(ours, skip, { modes: true }));
}

/** The series dpkg-source applies (debian.series first), with its patches directory. */
export function seriesOf(tree: string): { patchesDir: string; seriesName: string; names: string[] } {
  const patchesDir = join(tree, 'debian', 'patches');
  const seriesName = existsSync(join(patchesDir, 'debian.series')) ? 'debian.series' : 'series';
  const text = existsSync(join(patchesDir, seriesName)) ? readFileSync(join(patchesDir, seriesName), 'utf8') : '';
  return { patchesDir, seriesName, names: parseSeries(text).map((e) => e.name) };
}

export interface LintianComparison {
  patches: string[];
  /** lintian's patch-not-forwarded-upstream, and ours (needs-forwarding). */
  lintianNotForwarded: Set<string>;
  needsForwarding: Set<string>;
  /** lintian's quilt-patch-missing-description / -using-template-description, and our invalid-header. */
  lintianDep3Problem: Set<string>;
  invalidHeader: Set<string>;
  /** Patches where lintian says not forwarded and we do not say needs-forwarding: the rule that explains it. */
  explained: Map<string, string>;
  /** …and those no rule explains (must stay empty). */
  unexplained: string[];
  /** invalid-header where lintian reports no DEP-3 problem (must stay empty). */
  invalidWithoutLintian: string[];
}

/** (b) Our verdicts on a package's patches (the tree from dpkg-source --skip-patches) against lintian. */
export async function compareWithLintian(dsc: string, tree: string): Promise<LintianComparison> {
  const tags = ['patch-not-forwarded-upstream', 'quilt-patch-missing-description', 'quilt-patch-using-template-description'];
  const r = await run('lintian', ['-I', '--tags', tags.join(','), dsc], { ...C, check: false });
  const tagged = (tag: string) =>
    new Set([...r.stdout.matchAll(new RegExp(`${tag} \\[debian/patches/([^\\]]+)\\]`, 'g'))].map((m) => m[1]!));
  const { patchesDir, names } = seriesOf(tree);
  const cmp: LintianComparison = {
    patches: names,
    lintianNotForwarded: tagged(tags[0]!),
    needsForwarding: new Set(),
    lintianDep3Problem: new Set([...tagged(tags[1]!), ...tagged(tags[2]!)]),
    invalidHeader: new Set(),
    explained: new Map(),
    unexplained: [],
    invalidWithoutLintian: [],
  };
  for (const name of names) {
    const h = parsePatchHeader(readFileSync(join(patchesDir, name)).toString('utf8'));
    const c = classify(h, { recipe: 'pkg', file: name });
    if (c.status === 'needs-forwarding') cmp.needsForwarding.add(name);
    if (c.status === 'invalid-header') cmp.invalidHeader.add(name);
    if (c.status === 'invalid-header' && !cmp.lintianDep3Problem.has(name)) cmp.invalidWithoutLintian.push(name);
    if (cmp.lintianNotForwarded.has(name) && c.status !== 'needs-forwarding') {
      const rule = Object.entries(NOT_FORWARDED_RULES).find(([, applies]) => applies(h))?.[0];
      if (rule) cmp.explained.set(name, rule);
      else cmp.unexplained.push(`${name}: ${c.status} (${c.reason})`);
    }
  }
  return cmp;
}

/**
 * A recipes repository holding each package's patch queue as a recipe (named after the
 * package), for `report patches` over many packages at once.
 */
export function corpusRepository(root: string, packages: ReadonlyArray<{ pkg: string; tree: string }>): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'pkgtrack.yaml'), GOOD_REPO);
  for (const { pkg, tree } of packages) {
    const dir = join(root, 'recipes', pkg);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'recipe.yaml'),
      `name: ${pkg}\nupstream:\n  kind: github\n  repo: example/${pkg.replace(/[^A-Za-z0-9_.-]/g, '-')}\nversions:\n  tagPattern: '^v(?<version>.*)$'\n`,
    );
    const { patchesDir, seriesName } = seriesOf(tree);
    cpSync(patchesDir, join(dir, 'patches'), { recursive: true });
    if (seriesName !== 'series') cpSync(join(patchesDir, seriesName), join(dir, 'patches', 'series'));
  }
}

/** The upstream part of a Debian version: 1:2.3-4 → 2.3. */
export const upstreamVersion = (v: string) => v.replace(/^\d+:/, '').replace(/-[^-]+$/, '');

/** (c) The patch report with each package's own base upstream tree as "upstream". */
export async function baseVersionReport(root: string, trees: Record<string, UpstreamTree[]>): Promise<PatchReport> {
  return buildPatchReport({ recipesRepo: await loadRecipesRepository(root), trees, gitDirs: {}, offline: true });
}

/** Entries of a report that claim a merge. */
export const mergedClaims = (r: PatchReport): PatchEntry[] =>
  r.recipes.flatMap((x) => x.patches).filter((e) => e.status === 'merged-upstream' || e.status === 'probably-merged');
