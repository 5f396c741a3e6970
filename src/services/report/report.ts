/**
 * `pkgtrack report patches`: for every patch of every recipe, what upstream did with it.
 * Fetches the latest upstream release (and trunk, for recipes with a trunk channel), looks for
 * each patch there and in upstream history, asks GitHub (one batched query) about forwarded
 * PRs and issues, and classifies.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../core/exec.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import type { FilePatch } from '../../patches/diff-parse.js';
import { parsePatchBytes } from '../../patches/engine.js';
import { extractArchive } from '../../patches/extract.js';
import { headerDate, lastField, parsePatchHeader } from '../../patches/header.js';
import { loadRecipes, type Recipe, type RecipesRepository } from '../../recipe/load.js';
import { classify, headerProblems } from '../../report/classify.js';
import {
  buildForwardedQuery,
  forwardedStatesFromGraphql,
  type GithubRef,
  MAX_REFS_PER_QUERY,
  parseGithubRef,
} from '../../report/forwarded.js';
import { patchSize } from '../../report/hunks.js';
import { renderHtml, renderMarkdown, renderTable } from '../../report/render.js';
import {
  countStatuses,
  type ForwardState,
  type MergedEvidence,
  type PATCH_STATUSES,
  type PatchEntry,
  type PatchReport,
  type RecipeReport,
} from '../../report/model.js';
import { GithubClient, type GithubClientOptions } from '../../upstream/github-client.js';
import { fetchSource } from '../fetch/fetch.js';
import { loadSeries } from '../patches/queue.js';
import { historyEvidence, type QueuedPatchBytes, treeEvidence } from './evidence.js';
import { generateSite, outputDirOf } from '../site/site.js';
import { PATCH_REPORT_HTML, PATCH_REPORT_JSON } from '../site/gather.js';

/** An upstream tree to look for patches in. */
export interface UpstreamTree {
  /** Unpacked source tree. */
  dir: string;
  /** Upstream version, or `trunk@<sha7>`. */
  label: string;
  /** The upstream tree the patches were written against, when known (its changelog is old news). */
  base?: string;
}

export interface PatchReportOptions {
  recipesRepo: RecipesRepository;
  recipes?: readonly string[];
  progress?: Progress;
  github?: GithubClientOptions;
  /** Trees to check instead of fetching upstream (per recipe name); for offline runs and tests. */
  trees?: Record<string, UpstreamTree[]>;
  /** Local git clones of upstream (per recipe) for the history search; default: clone `git` upstreams. */
  gitDirs?: Record<string, string>;
  /** Skip everything that needs the network (fetching, GitHub). */
  offline?: boolean;
  now?: Date;
}

interface Pending {
  recipe: string;
  file: string;
  header: ReturnType<typeof parsePatchHeader>;
  files: FilePatch[];
  evidence?: MergedEvidence;
  githubRef?: GithubRef;
  lastUpdate?: string;
  parseProblem?: string;
  /** Upstream versions checked, for Applied-Upstream. */
  checked: string[];
}

export async function buildPatchReport(opts: PatchReportOptions): Promise<PatchReport> {
  const progress = opts.progress ?? silentProgress;
  const now = opts.now ?? new Date();
  const recipes = await loadRecipes(opts.recipesRepo, opts.recipes ?? []);
  const cleanup: string[] = [];
  const pending: Pending[] = [];
  const reports: Array<Omit<RecipeReport, 'patches' | 'counts'>> = [];
  try {
    for (const recipe of recipes) {
      const series = await loadSeries(join(recipe.dir, 'patches'));
      const warnings: string[] = [];
      if (series.entries.length === 0) {
        reports.push({ recipe: recipe.name, checkedAgainst: [], warnings });
        continue;
      }
      progress.step(`${recipe.name}: ${series.entries.length} patches`);
      const trees =
        opts.trees?.[recipe.name] ?? (opts.offline ? [] : await upstreamTrees(opts.recipesRepo, recipe, progress, warnings, cleanup));
      const gitDir = opts.gitDirs?.[recipe.name] ?? (opts.offline ? undefined : await upstreamClone(opts.recipesRepo, recipe, warnings));
      const earlier: QueuedPatchBytes[] = [];
      for (const entry of series.entries) {
        const bytes = await readFile(join(series.patchesDir, entry.name));
        const text = Buffer.from(bytes).toString('utf8');
        const p: Pending = {
          recipe: recipe.name,
          file: entry.name,
          header: parsePatchHeader(text),
          files: [],
          checked: trees.map((t) => t.label),
        };
        try {
          p.files = parsePatchBytes(bytes, entry.name);
        } catch (e) {
          p.parseProblem = (e as Error).message;
        }
        const subject = p.header.description;
        const commit = p.header.originCommit ?? p.header.cherryPickedFrom;
        for (const t of trees) {
          if (p.evidence?.confidence === 'certain') break;
          const ev = await treeEvidence({
            tree: t.dir,
            label: t.label,
            patchBytes: bytes,
            files: p.files,
            strip: entry.strip,
            ...(subject ? { subject } : {}),
            ...(t.base ? { baseTree: t.base } : {}),
            earlier,
          }).catch(() => undefined);
          if (ev && (!p.evidence || ev.confidence === 'certain')) p.evidence = ev;
        }
        if (gitDir && p.evidence?.confidence !== 'certain') {
          const ev = await historyEvidence({
            gitDir,
            until: 'HEAD',
            files: p.files,
            strip: entry.strip,
            ...(subject ? { subject } : {}),
            ...(commit ? { commit } : {}),
          }).catch(() => undefined);
          if (ev && (!p.evidence || ev.confidence === 'certain')) p.evidence = ev;
        }
        const fwd = lastField(p.header, 'forwarded');
        const bug = lastField(p.header, 'bug');
        const ref = [fwd, bug].map((u) => (u ? parseGithubRef(u) : undefined)).find(Boolean);
        if (ref) p.githubRef = ref;
        const lastUpdate = headerDate(p.header) ?? (await lastCommitDate(opts.recipesRepo.root, join(series.patchesDir, entry.name)));
        if (lastUpdate) p.lastUpdate = lastUpdate;
        pending.push(p);
        earlier.push({ bytes, strip: entry.strip, files: p.files });
      }
      reports.push({ recipe: recipe.name, checkedAgainst: trees.map((t) => t.label), warnings });
    }

    const states = opts.offline ? new Map<string, ForwardState>() : await forwardedStates(pending, opts, progress, reports);
    const entries = pending.map((p) => toEntry(p, states, now));
    const recipeReports: RecipeReport[] = reports.map((r) => {
      const patches = entries.filter((e) => e.recipe === r.recipe);
      return { ...r, patches, counts: countStatuses(patches) };
    });
    return summarizeReport(recipeReports, now);
  } finally {
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  }
}

function toEntry(p: Pending, states: Map<string, ForwardState>, now: Date): PatchEntry {
  const forward = p.githubRef ? states.get(p.githubRef.url) : undefined;
  const description = p.header.description;
  const c = classify(p.header, {
    recipe: p.recipe,
    file: p.file,
    checked: p.checked,
    ...(p.evidence ? { evidence: p.evidence } : {}),
    ...(forward ? { forward } : {}),
  });
  const problems = headerProblems(p.header);
  if (p.parseProblem) problems.push(`the diff cannot be read: ${p.parseProblem}`);
  const ageDays = p.lastUpdate ? Math.floor((now.getTime() - Date.parse(p.lastUpdate)) / 86_400_000) : undefined;
  const origin = lastField(p.header, 'origin');
  const forwarded = lastField(p.header, 'forwarded');
  const applied = lastField(p.header, 'applied-upstream');
  return {
    recipe: p.recipe,
    file: p.file,
    ...(description ? { description } : {}),
    ...(p.header.author ? { author: p.header.author } : {}),
    ...(p.lastUpdate ? { lastUpdate: p.lastUpdate } : {}),
    ...(ageDays !== undefined && Number.isFinite(ageDays) ? { ageDays } : {}),
    size: patchSize(p.files),
    dep3: {
      ...(forwarded ? { forwarded } : {}),
      ...(origin ? { origin } : {}),
      bugs: p.header.bugs.map((b) => b.url),
      ...(applied ? { appliedUpstream: applied } : {}),
    },
    status: c.status,
    reason: c.reason,
    action: c.action,
    ...(p.evidence ? { evidence: p.evidence } : {}),
    ...(forward ? { forward } : {}),
    headerProblems: problems,
    notForwarded: c.notForwarded,
  };
}

/** The whole-repository summary and the suggested actions, most urgent first. */
export function summarizeReport(recipes: RecipeReport[], now: Date): PatchReport {
  const all = recipes.flatMap((r) => r.patches);
  const counts = countStatuses(all);
  const ACTIONS: Partial<Record<(typeof PATCH_STATUSES)[number], string>> = {
    'merged-upstream': 'drop at next rebase',
    'probably-merged': 'check upstream, then drop',
    'from-upstream': 'drop at the rebase onto the release that has it',
    'forwarded-merged': 'drop at the rebase onto the release that has it',
    'forwarded-closed': 'rework or mark Forwarded: not-needed',
    'invalid-header': 'fix header',
    'needs-forwarding': 'forward upstream',
    'forwarded-open': 'follow up on the open pull request or issue',
  };
  const actions = Object.entries(ACTIONS)
    .map(([status, action]) => ({ status: status as PatchEntry['status'], action: action!, count: counts[status as PatchEntry['status']] }))
    .filter((a) => a.count > 0);
  return { generatedAt: now.toISOString(), recipes, counts, total: all.length, actions };
}

async function upstreamTrees(
  recipesRepo: RecipesRepository,
  recipe: Recipe,
  progress: Progress,
  warnings: string[],
  cleanup: string[],
): Promise<UpstreamTree[]> {
  const trees: UpstreamTree[] = [];
  const wants: Array<{ trunk: boolean }> = [{ trunk: false }];
  if (recipe.config.channels.trunk?.enabled && (recipe.config.upstream.kind === 'git' || recipe.config.upstream.kind === 'github'))
    wants.push({ trunk: true });
  for (const w of wants) {
    try {
      const src = await fetchSource(recipesRepo, recipe, { trunk: w.trunk, progress });
      const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-report-'));
      cleanup.push(dir);
      const x = await extractArchive(src.origTarball, join(dir, 'src'));
      trees.push({
        dir: x.topDir ? join(dir, 'src', x.topDir) : join(dir, 'src'),
        label: w.trunk ? `trunk@${(src.git?.commit ?? src.version).slice(0, 7)}` : src.version,
      });
    } catch (e) {
      warnings.push(
        `could not fetch upstream ${w.trunk ? 'trunk' : 'release'} (${(e as Error).message.split('\n')[0]}); merged detection skipped for it`,
      );
      progress.warn(`${recipe.name}: ${warnings.at(-1)}`);
    }
  }
  return trees;
}

/** A bare clone of a `git` upstream, cached under .pkgtrack/cache/git, for the history search. */
async function upstreamClone(recipesRepo: RecipesRepository, recipe: Recipe, warnings: string[]): Promise<string | undefined> {
  const u = recipe.config.upstream;
  if (u.kind !== 'git') return undefined;
  const { createHash } = await import('node:crypto');
  const dir = join(recipesRepo.root, '.pkgtrack', 'cache', 'git', createHash('sha256').update(u.url).digest('hex').slice(0, 16));
  const have = await run('git', ['--git-dir', dir, 'rev-parse', '--git-dir'], { check: false }).catch(() => ({ code: 1 }));
  try {
    if (have.code === 0)
      await run('git', ['--git-dir', dir, 'fetch', '--quiet', '--tags', '--force', 'origin', '+refs/heads/*:refs/heads/*']);
    else await run('git', ['clone', '--quiet', '--bare', u.url, dir]);
    return dir;
  } catch (e) {
    warnings.push(`could not clone ${u.url} (${(e as Error).message.split('\n')[0]}); history search skipped`);
    return undefined;
  }
}

async function lastCommitDate(root: string, file: string): Promise<string | undefined> {
  const r = await run('git', ['-C', root, 'log', '-1', '--format=%cs', '--', file], { check: false }).catch(() => undefined);
  return r?.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

async function forwardedStates(
  pending: Pending[],
  opts: PatchReportOptions,
  progress: Progress,
  reports: Array<Omit<RecipeReport, 'patches' | 'counts'>>,
): Promise<Map<string, ForwardState>> {
  const refs = [...new Map(pending.filter((p) => p.githubRef).map((p) => [p.githubRef!.url, p.githubRef!])).values()];
  const out = new Map<string, ForwardState>();
  if (refs.length === 0) return out;
  const client = new GithubClient({ ...opts.github, progress });
  if (!client.token) {
    for (const r of reports)
      r.warnings.push('no GitHub token (GITHUB_TOKEN or GH_TOKEN): forwarded pull requests and issues were not checked');
    return out;
  }
  progress.step(`asking GitHub about ${refs.length} forwarded pull requests and issues`);
  for (let i = 0; i < refs.length; i += MAX_REFS_PER_QUERY) {
    const { query, keys } = buildForwardedQuery(refs.slice(i, i + MAX_REFS_PER_QUERY));
    try {
      const data = await client.withPolicy(() => client.octokit.graphql<Record<string, Record<string, null>>>(query));
      for (const [k, v] of forwardedStatesFromGraphql(data, keys)) out.set(k, v);
    } catch (e) {
      // GraphQL answers partial data with errors for refs that do not exist.
      const partial = (e as { data?: Record<string, Record<string, null>> }).data;
      if (partial) for (const [k, v] of forwardedStatesFromGraphql(partial, keys)) out.set(k, v);
      else
        for (const r of reports)
          r.warnings.push(`GitHub could not be asked about forwarded patches: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return out;
}

/**
 * Put the report next to the published repositories (`<output>/reports/patches.{json,html}`,
 * where the web page looks for it) and regenerate the page.
 */
export async function publishPatchReport(recipesRepo: RecipesRepository, report: PatchReport, progress: Progress): Promise<string[]> {
  const out = outputDirOf(recipesRepo);
  const json = join(out, PATCH_REPORT_JSON);
  const html = join(out, PATCH_REPORT_HTML);
  await writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(html, renderHtml(report, `${recipesRepo.config.label}: patch report`));
  await generateSite({ recipesRoot: recipesRepo.root, progress });
  return [json, html];
}

export type PatchReportFormat = 'table' | 'md' | 'html' | 'json';

/** The report as text in one of the formats `report patches --format` offers. */
export function renderPatchReport(report: PatchReport, format: PatchReportFormat): string {
  if (format === 'md') return renderMarkdown(report);
  if (format === 'html') return renderHtml(report);
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return renderTable(report);
}
