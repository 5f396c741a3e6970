/**
 * `pkgtrack repo refresh | verify | list | remove`: maintenance of published repositories.
 * Every write goes through publish.ts `runChange` (lock + crash-safe transaction).
 */
import { debugPackageNames, debugSuiteOf, isDebugSuite } from '../../repo/debug-symbols.js';
import { ifExists } from '../../core/fsutil.js';
import { readdir, stat } from 'node:fs/promises';
import { notFound, PkgtrackError } from '../../core/errors.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { endChange, findLeftovers, type Leftovers, sweepLeftovers } from '../../repo/leftovers.js';
import { REPO_META_DIR, withRepoLock } from '../../repo/lock.js';
import { listSuites } from '../../repo/apt/apt-format.js';
import { verifyAptRepo } from '../../repo/apt/verify.js';
import {
  addPartReports,
  type CommitSummary,
  type PublishedPackage,
  type PublishReport,
  type RepoKind,
  type VerifyReport,
} from '../../repo/format.js';
import { isS3Url } from '../../storage/s3-url.js';
import type { S3SyncReport } from '../publish/s3.js';
import { formatOfKind, repoRoot } from '../../repo/registry.js';
import { listYumSuites } from '../../repo/yum/format.js';
import { verifyYumRepo } from '../../repo/yum/verify.js';
import { type RepoTarget, resolveSigner, resolveTarget, runChange, checkBeforeSigning } from '../publish/publish.js';
import { StateIndexCache } from './index-cache.js';
import type { SuiteChange } from '../site/model-sync.js';
import { suiteChangeOf, suiteStamp } from '../site/stamp.js';

/**
 * Which kind of repository a suite name belongs to: yum repositories are paths
 * (`fedora/41/x86_64`), apt suite names never hold a slash.
 */
export function kindOfSuite(suite: string): RepoKind {
  return suite.includes('/') ? 'yum' : 'apt';
}

/** The kinds a request is about: the one asked for, the one its suites name, else both. */
function kindsFor(kind: RepoKind | undefined, suites: readonly string[]): RepoKind[] {
  if (kind) return [kind];
  if (suites.length) return [...new Set(suites.map(kindOfSuite))];
  return ['apt', 'yum'];
}

async function suitesOf(kind: RepoKind, root: string): Promise<string[]> {
  return kind === 'yum' ? listYumSuites(root) : listSuites(root);
}

/** Maintain the repository in a bucket instead of the output folder. */
export interface BucketTarget {
  /** s3://bucket/prefix (credentials and endpoint from the AWS chain). */
  to?: string;
  /** Seconds a file the change retires stays for readers mid-update (default one day). */
  graceSeconds?: number;
}

export interface RefreshRequest extends RepoTarget, BucketTarget {
  suites?: string[];
  kind?: RepoKind;
}

export interface RefreshResult {
  output: string;
  refreshed: Array<{ kind: RepoKind; suite: string; validDays: number }>;
  warnings: string[];
  /** With --to s3://…: what was uploaded and scheduled for deletion. */
  s3?: S3SyncReport;
}

/** Re-sign suites with a fresh Date/Valid-Until (cron): indexes are untouched. */
export async function refreshRepo(req: RefreshRequest): Promise<RefreshResult> {
  if (req.to) return (await import('./s3.js')).refreshS3({ ...req, to: req.to });
  const target = await resolveTarget(req);
  try {
    const asked = req.suites ?? [];
    const work: Array<{ kind: RepoKind; root: string; suites: string[] }> = [];
    for (const kind of kindsFor(req.kind, asked)) {
      const root = repoRoot(target.output, kind);
      const suites = asked.length ? asked.filter((s) => kindOfSuite(s) === kind) : await suitesOf(kind, root);
      if (suites.length) work.push({ kind, root, suites });
    }
    if (!work.length)
      throw notFound('REPO_EMPTY', `nothing is published in ${target.output}`, 'Publish first: `pkgtrack publish --suite S <files>`.', {
        file: target.output,
      });
    const signer = await resolveSigner(req, target);
    const warnings = await checkBeforeSigning(signer, target, req);
    const refreshed = [];
    for (const { kind, root, suites } of work) {
      const format = formatOfKind(target.formats, kind)!;
      for (const suite of suites) {
        req.progress.step(`re-signing ${kind} ${suite}`);
        await runChange(target, req, format, root, signer, new StateIndexCache(target.store), { suite, add: [], remove: [] }, 'refresh');
        refreshed.push({ kind, suite, validDays: target.validDays });
      }
    }
    return { output: target.output, refreshed, warnings };
  } finally {
    target.store.close();
  }
}

export interface VerifyRequest {
  target: string;
  keyring?: string;
  suites?: string[];
  fingerprints?: string[];
  /** apt: also re-hash every pool file the indexes list (yum always checks its packages). */
  deep?: boolean;
  /** Remove what interrupted publishes left (`*.pkgtrack-tmp`), under the repository lock. */
  fix?: boolean;
}

/** Verify an apt or yum repository directory, an output dir holding apt/ and yum/ (all of them), a URL or a bucket. */
export async function verifyRepo(req: VerifyRequest): Promise<RepoVerifyReport> {
  if (isS3Url(req.target)) return (await import('./s3.js')).verifyS3Repo(req);
  if (req.fix && /^https?:\/\//.test(req.target))
    throw new PkgtrackError({
      code: 'USAGE',
      kind: 'usage',
      message: '--fix works on a repository folder, not a URL',
      fix: 'Run it on the folder the repository is published from.',
    });
  const report = await verifySignedMetadata(req);
  if (/^https?:\/\//.test(req.target)) return report;
  // Leftovers of killed publishes: harmless to clients, but full-size copies on disk. Only
  // where pkgtrack published (a `.pkgtrack` at or above the target): `repo verify --fix /tmp`
  // must not walk /tmp, nor remove what a publish running below it is writing.
  const root = await lockRootOf(req.target);
  if (!root) return req.fix ? { ...report, fixed: { files: 0, bytes: 0, note: NOT_PUBLISHED_HERE } } : report;
  const left = await eachRepository(root, (r) =>
    req.fix
      ? withRepoLock(r, { what: 'repo verify --fix' }, async () => {
          const l = await sweepLeftovers(r);
          await endChange(r);
          return l;
        })
      : findLeftovers(r),
  );
  if (req.fix) return { ...report, fixed: { files: left.files.length, bytes: left.bytes } };
  return left.files.length ? { ...report, leftovers: { files: left.files.length, bytes: left.bytes, example: left.files[0]! } } : report;
}

const NOT_PUBLISHED_HERE = 'pkgtrack never published here (no .pkgtrack folder at or above it): no temporaries were looked for';

/** `look` at `root`, then at each repository nested in it (an output folder's apt/ and yum/), each on its own (and under its own lock). */
async function eachRepository(root: string, look: (root: string) => Promise<Leftovers>): Promise<Omit<Leftovers, 'nested'>> {
  const here = await look(root);
  const out = { files: [...here.files], bytes: here.bytes };
  for (const n of here.nested) {
    const below = await eachRepository(n, look);
    out.files.push(...below.files);
    out.bytes += below.bytes;
  }
  return out;
}

export interface RepoVerifyReport extends VerifyReport {
  /** Temporaries of interrupted publishes: no harm to clients (a warning, not a problem), only disk. */
  leftovers?: { files: number; bytes: number; example: string };
  /** With --fix: what was removed. */
  fixed?: { files: number; bytes: number; note?: string };
}

/** The folder holding the repository's `.pkgtrack` (lock, state): `dir` or the nearest parent with one; none where pkgtrack never published. */
async function lockRootOf(dir: string): Promise<string | undefined> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (await ifExists(stat(join(d, REPO_META_DIR)))) return d;
    if (dirname(d) === d) return undefined;
  }
}

async function verifySignedMetadata(req: VerifyRequest): Promise<VerifyReport> {
  const t = req.target;
  const opts = {
    ...(req.keyring ? { keyring: req.keyring } : {}),
    ...(req.fingerprints?.length ? { fingerprints: req.fingerprints } : {}),
  };
  const apt = (root: string, suites = req.suites) =>
    verifyAptRepo(root, { ...opts, ...(suites?.length ? { suites } : {}), ...(req.deep ? { deep: true } : {}) });
  if (/^https?:\/\//.test(t) || (await ifExists(stat(join(t, 'dists'))))) return apt(t);
  // A yum repository directory (its repodata/repomd.xml) is verified by the yum format.
  if (await ifExists(stat(join(t, 'repodata', 'repomd.xml')))) return verifyYumRepo(t, opts);
  // An output folder: its apt suites and every yum repository in it, as for a bucket. --suite
  // picks among them (yum repositories are paths, apt suites never hold a slash).
  const asked = req.suites ?? [];
  const aptAsked = asked.filter((s) => kindOfSuite(s) === 'apt');
  const yumAsked = asked.filter((s) => kindOfSuite(s) === 'yum');
  const parts: Array<{ under: string; report: VerifyReport }> = [];
  if ((await ifExists(stat(join(t, 'apt', 'dists')))) && (!asked.length || aptAsked.length))
    parts.push({ under: 'apt/', report: await apt(join(t, 'apt'), aptAsked) });
  const yumRepos = asked.length ? yumAsked : await yumRepositoriesIn(join(t, 'yum'));
  for (const repo of yumRepos) parts.push({ under: `yum/${repo}/`, report: await verifyYumRepo(join(t, 'yum', repo), opts) });
  // Only apt: its report as it is.
  if (parts.length === 1 && parts[0]!.under === 'apt/') return parts[0]!.report;
  const report: VerifyReport = { target: t, ok: true, checkedFiles: 0, signatures: [], problems: [] };
  if (!parts.length) {
    report.ok = false;
    report.problems.push({
      file: t,
      problem: asked.length
        ? `none of ${asked.join(', ')} is published here`
        : 'no apt suite (dists/, or apt/dists/) or yum repository (repodata/repomd.xml, or below yum/) here',
      fix: 'Point at the output folder of pkgtrack.yaml (or an apt or yum repository in it); `pkgtrack repo list` shows what is published.',
    });
  }
  // Each part names files below its own folder: name them below the output folder.
  const below = (under: string, file: string) => (isAbsolute(file) || file.startsWith(t) ? file : `${under}${file}`);
  addPartReports(report, parts, below);
  return report;
}

/** The yum repositories (folders with repodata/repomd.xml) below `dir`, as paths relative to it, sorted. */
async function yumRepositoriesIn(dir: string, rel = '', depth = 0): Promise<string[]> {
  if (await ifExists(stat(join(dir, rel, 'repodata', 'repomd.xml')))) return [rel];
  if (depth > 5) return [];
  const entries = (await ifExists(readdir(join(dir, rel), { withFileTypes: true }))) ?? [];
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1)))
    if (e.isDirectory() && !e.name.startsWith('.'))
      out.push(...(await yumRepositoriesIn(dir, rel ? `${rel}/${e.name}` : e.name, depth + 1)));
  return out;
}

/** What is published: in every apt suite and yum repository, or in `suite`. */
export async function listRepo(
  req: RepoTarget & { suite?: string; kind?: RepoKind },
): Promise<{ output: string; packages: PublishedPackage[] }> {
  const target = await resolveTarget(req);
  try {
    const packages: PublishedPackage[] = [];
    for (const kind of kindsFor(req.kind, req.suite ? [req.suite] : [])) {
      const format = formatOfKind(target.formats, kind)!;
      packages.push(...(await format.list(repoRoot(target.output, kind), req.suite)));
    }
    return { output: target.output, packages };
  } finally {
    target.store.close();
  }
}

export interface RemoveRequest extends RepoTarget, BucketTarget {
  suite: string;
  /** Packages (binary or source names): removed in one signed change, or none of them is. */
  names: string[];
  /** Only this version (of each name). */
  version?: string;
  arch?: string;
  dryRun?: boolean;
  kind?: RepoKind;
}

export type RemoveResult = PublishReport & {
  root: string;
  commit?: CommitSummary;
  s3?: S3SyncReport;
  /** The packages' debug symbols, removed from the debug suite with them (`<name>-dbgsym` from `<suite>-debug`). */
  debug?: PublishReport;
};

/** Remove packages (all versions, or one) from a suite in one change; pool files nobody uses go too. */
export async function removeFromRepo(req: RemoveRequest): Promise<RemoveResult> {
  if (req.to) return (await import('./s3.js')).removeFromS3({ ...req, to: req.to });
  const target = await resolveTarget(req);
  try {
    const kind = req.kind ?? kindOfSuite(req.suite);
    const format = formatOfKind(target.formats, kind)!;
    const root = repoRoot(target.output, kind);
    const signer = req.dryRun ? undefined : await resolveSigner(req, target);
    // The page takes just this change (the suites' stamps before and after, the names removed).
    const changes: SuiteChange[] = [];
    const before = suiteStamp(root, kind, req.suite);
    const only = { ...(req.version ? { version: req.version } : {}), ...(req.arch ? { arch: req.arch } : {}) };
    const names = [...new Set(req.names)];
    const report = await runChange(target, { ...req, keep: 0 }, format, root, signer, new StateIndexCache(target.store), {
      suite: req.suite,
      add: [],
      remove: names.map((name) => ({ name, ...only })),
    });
    // Their debug symbols go with them, as the archive's own tools remove a package's -dbgsym with it.
    const matches = (p: { version: string; arch: string }) =>
      (!req.version || p.version === req.version) && (!req.arch || p.arch === req.arch);
    const debugNames = new Set(isDebugSuite(req.suite) ? [] : names.flatMap((n) => debugPackageNames(kind, n)));
    const debugSuite = debugSuiteOf(req.suite);
    const symbols = debugNames.size ? (await format.list(root, debugSuite)).filter((p) => debugNames.has(p.name) && matches(p)) : [];
    changes.push(suiteChangeOf(target.output, root, report, before));
    const debugBefore = symbols.length ? suiteStamp(root, kind, debugSuite) : undefined;
    const debug = symbols.length
      ? await runChange(target, { ...req, keep: 0 }, format, root, signer, new StateIndexCache(target.store), {
          suite: debugSuite,
          add: [],
          remove: [...new Set(symbols.map((p) => p.name))].map((name) => ({ name, ...only })),
        })
      : undefined;
    if (debug) changes.push(suiteChangeOf(target.output, root, debug, debugBefore));
    // The page follows: the packages' badges, pages and JSON go, and the index no longer lists them.
    if (!req.dryRun && target.repository)
      await (await import('../site/site.js')).refreshSiteAfterPublish(
        target.repository,
        target.output,
        target.store,
        req.progress,
        [],
        changes,
      );
    return { ...report, root, ...(debug ? { debug } : {}) };
  } finally {
    target.store.close();
  }
}
