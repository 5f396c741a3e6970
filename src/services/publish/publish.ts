/**
 * `pkgtrack publish`: collect artifacts, pick each one's repository format by file type, and
 * run every (format, suite) change under the repository lock in a crash-safe transaction.
 * Shared by `pkgtrack build --publish` (call `publish()` with the build's output dirs).
 *
 * Context resolution: pkgtrack.yaml (when found) gives origin/label/architectures/components,
 * channels, retention, validDays, signing and the output dir; without one, defaults apply and
 * `--key` names the signing key (passphrase from $PKGTRACK_KEY_PASSPHRASE).
 */
import { recordPublish } from '../../state/tables.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { inputError, isPkgtrackError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import type { RecipesRepository } from '../../recipe/load.js';
import { findRecipesRepositoryRoot } from '../../recipe/root.js';
import {
  type ArtifactInput,
  type CommitSummary,
  type IndexCache,
  type PackageRef,
  type PublishOptions,
  PublishTransaction,
  type PublishReport,
  type RemotePool,
  type RepoFormat,
  syncsFileSystem,
  withRepoLock,
} from '../../repo/format.js';
import { DEFAULT_SETTINGS, formatFor, type RepoSettings, repoFormats, repoRoot } from '../../repo/registry.js';
import { keyExpiresBeforeValidUntil } from '../../sign/expiry.js';
import type { Signer } from '../../sign/signer.js';
import { StateStore } from '../../state/store.js';
import { beginChange, endChange, leftoverSummary } from '../../repo/leftovers.js';
import { checkClock, signAfter } from './clock.js';
import { collectArtifacts } from './inputs.js';
import { startSyncShell } from '../../core/sync-shell.js';
import { isDebugSuite } from '../../repo/debug-symbols.js';
import { type DebugSuiteNote, debugSuiteNotes, routeDebugSymbols, suiteFor } from './debug-route.js';
import { DEFAULT_PASSPHRASE_ENV, repositorySigning, startSigner } from '../shared/signer.js';
import { noIndexCache, StateIndexCache } from '../repo/index-cache.js';
import { recordTrunkBuilds } from '../nightly/record.js';
import type { SuiteChange } from '../site/model-sync.js';
import { suiteChangeOf, suiteStamp } from '../site/stamp.js';
import type { PlannedCell } from '../ci/attempts.js';

export interface RepoTarget {
  /** Output directory holding <kind>/ repositories (default: pkgtrack.yaml `output`, else ./public). */
  output?: string;
  /** Recipes repository (pkgtrack.yaml) to read settings from; default: search from cwd. */
  recipesDir?: string;
  /** Signing key files when there is no pkgtrack.yaml signing section. */
  keyFiles?: string[];
  passphraseFd?: number;
  /** Injected signer (tests, `build --publish` which already has one). */
  signer?: Signer;
  /** How long to wait for another publisher (ms). */
  lockTimeoutMs?: number;
  now?: () => Date;
  progress: Progress;
  /** Sign although this clock and the serving host's disagree (see clock.ts). */
  allowClockSkew?: boolean;
  /** Pool files published elsewhere (object storage) for the repository at this root. */
  remotePool?: (root: string) => RemotePool | undefined;
  /**
   * Where the output is served from when pkgtrack.yaml has no `url:`: object storage's own
   * address of the bucket (the .repo files and Changelogs name it, instead of a scratch folder).
   */
  servedAt?: string;
}

export interface PublishRequest extends RepoTarget {
  inputs: string[];
  suite?: string;
  component?: string;
  rebuild?: boolean;
  dryRun?: boolean;
  /** Newest versions kept per package per suite (default pkgtrack.yaml retention.keep, else 3). */
  keep?: number;
  /** apt: write Contents-<arch>.gz (pkgtrack.yaml `contents: true` does it for every publish). */
  contents?: boolean;
  /** Publish versions below the published ones, with a warning (refused otherwise). */
  allowDowngrade?: boolean;
  /** CI fan-out: the cells the plan job planned; those that delivered nothing are recorded (ci/attempts.json). */
  planned?: PlannedCell[];
}

export interface PublishResult {
  output: string;
  dryRun: boolean;
  reports: Array<PublishReport & { root: string }>;
  cache: { hits: number; misses: number };
  /** What a user should act on although the publish succeeded (e.g. a key about to expire). */
  warnings: string[];
  /** The debug-symbol suites this publish wrote, and how to turn each on. */
  debugSuites?: DebugSuiteNote[];
  /**
   * The web page (publishing from a recipes repository): `changes` when only the changed
   * packages were rendered from the stored model, `whole` when every package was read back.
   */
  site?: { pass: 'changes' | 'whole'; packagePagesWritten: number };
}

export interface ResolvedTarget {
  output: string;
  settings: RepoSettings;
  repository?: RecipesRepository;
  formats: RepoFormat[];
  store: StateStore;
  validDays: number;
  keep: number;
}

export async function resolveTarget(t: RepoTarget): Promise<ResolvedTarget> {
  let repository: RecipesRepository | undefined;
  let root: string | undefined;
  try {
    root = await findRecipesRepositoryRoot(t.recipesDir);
  } catch (e) {
    if (t.recipesDir || !isPkgtrackError(e) || e.code !== 'REPO_NOT_FOUND') throw e;
  }
  // Loaded only when there is a config to load: the loader brings zod and yaml along.
  if (root) repository = await (await import('../../recipe/load.js')).loadRecipesRepository(root);
  const cfg = repository?.config;
  const output = t.output
    ? resolve(t.output)
    : repository
      ? isAbsolute(cfg!.output)
        ? cfg!.output
        : join(repository.root, cfg!.output)
      : resolve('public');
  const configured: RepoSettings = cfg ?? DEFAULT_SETTINGS;
  const settings: RepoSettings = !configured.url && t.servedAt ? { ...configured, url: t.servedAt } : configured;
  // The index cache lives in the recipes repository's store; without one, beside the output.
  const store = StateStore.open(repository?.root ?? output);
  return {
    output,
    settings,
    ...(repository ? { repository } : {}),
    formats: repoFormats(settings),
    store,
    validDays: cfg?.validDays ?? 14,
    keep: cfg?.retention.keep ?? 3,
  };
}

/**
 * The signer a change signs with. Its keys unlock when first needed (services/shared/signer.ts
 * startSigner): await `ready()` before reading them.
 */
export async function resolveSigner(t: RepoTarget, r: ResolvedTarget): Promise<Signer> {
  if (t.signer) return t.signer;
  if (t.keyFiles?.length) {
    return startSigner({
      keyFiles: t.keyFiles,
      passphrase: t.passphraseFd !== undefined ? { fd: t.passphraseFd } : { env: DEFAULT_PASSPHRASE_ENV },
    });
  }
  if (r.repository?.config.signing)
    return startSigner(repositorySigning(r.repository, t.passphraseFd !== undefined ? { passphraseFd: t.passphraseFd } : {}));
  throw inputError(
    'REPO_NO_SIGNER',
    'no signing key: apt and dnf refuse unsigned repositories',
    'Set `signing.key` in pkgtrack.yaml, or pass --key FILE (passphrase in $PKGTRACK_KEY_PASSPHRASE).',
    {
      field: 'signing.key',
    },
  );
}

/**
 * What publish and refresh check before they sign: the clock against the serving host's (refused
 * when off), and the key's expiry against Valid-Until (a warning, printed and returned).
 */
export async function checkBeforeSigning(signer: Signer, target: ResolvedTarget, req: RepoTarget): Promise<string[]> {
  await clockCheck(target, req);
  return expiryWarnings(signer, target, req);
}

const clockCheck = (target: ResolvedTarget, req: RepoTarget) =>
  checkClock({
    url: target.settings.url,
    now: req.now?.() ?? new Date(),
    progress: req.progress,
    ...(req.allowClockSkew ? { allowSkew: true } : {}),
  });

async function expiryWarnings(signer: Signer, target: ResolvedTarget, req: RepoTarget): Promise<string[]> {
  await signer.ready?.();
  const w = keyExpiresBeforeValidUntil(signer.keyExpiry?.(), target.validDays, req.now?.() ?? new Date());
  if (!w) return [];
  req.progress.warn(w);
  return [w];
}

export async function publish(req: PublishRequest): Promise<PublishResult> {
  const target = await resolveTarget(req);
  let clock: Promise<void> | undefined;
  try {
    // No input with a plan: every planned cell failed; only the attempts record changes.
    const collected = req.inputs.length === 0 && req.planned ? [] : await collectArtifacts(req.inputs);
    const routed = await routeDebugSymbols(collected, { publish: target.settings.debugSymbols !== false });
    if (routed.dropped.length)
      req.progress.step(`debugSymbols: false in pkgtrack.yaml: ${routed.dropped.length} debug-symbols package(s) not published`);
    const artifacts = routed.artifacts;
    // Group by (format, suite, component); the flag wins over what manifests say.
    const groups = new Map<string, { format: RepoFormat; suite: string; component?: string; add: ArtifactInput[] }>();
    for (const { debug, ...a } of artifacts) {
      const format = formatFor(target.formats, a.path);
      if (!format) {
        throw inputError(
          'PUBLISH_NO_FORMAT',
          `${a.path}: no repository format publishes this file type`,
          'Publish .deb/.dsc/.changes (apt) or .rpm (yum) files.',
          { file: a.path },
        );
      }
      const built = req.suite ?? a.suite;
      const suite = built && suiteFor(built, !!debug);
      if (!suite)
        throw inputError(
          'PUBLISH_NO_SUITE',
          `${a.path}: which suite? No --suite given and no manifest names one`,
          'Pass --suite (e.g. --suite bookworm).',
          { file: a.path },
        );
      const component = req.component ?? a.component;
      const key = `${format.kind}\u0000${suite}\u0000${component ?? ''}`;
      const g = groups.get(key) ?? { format, suite, ...(component ? { component } : {}), add: [] };
      g.add.push(a);
      groups.set(key, g);
    }
    // Reader threads boot while the key is read and unlocked (and the lock taken).
    for (const g of groups.values()) g.format.warm?.(g.add);
    // Enough new files for the publish to sync its file system: start the shell that runs those
    // syncs while this process is still small (core/sync-shell.ts).
    if (!req.dryRun && syncsFileSystem(artifacts.length)) startSyncShell();
    const unlocked = req.dryRun ? undefined : await resolveSigner(req, target);
    const cache = req.dryRun ? undefined : new StateIndexCache(target.store);
    const result: PublishResult = { output: target.output, dryRun: !!req.dryRun, reports: [], cache: { hits: 0, misses: 0 }, warnings: [] };
    const changes: SuiteChange[] = [];
    // The clock check's round trip overlaps reading and indexing; the first signature waits for it.
    clock = unlocked && clockCheck(target, req);
    clock?.catch(() => {}); // awaited by the signer (or below when nothing was signed)
    const signer = unlocked && clock && signAfter(unlocked, clock);
    // Main suites first: a debug suite never holds the symbols of a package its suite failed to take.
    for (const g of [...groups.values()].sort((a, b) => Number(isDebugSuite(a.suite)) - Number(isDebugSuite(b.suite)))) {
      const root = repoRoot(target.output, g.format.kind);
      req.progress.step(`${req.dryRun ? 'planning' : 'publishing'} ${g.add.length} file(s) to ${g.format.kind} ${g.suite}`);
      const before = suiteStamp(root, g.format.kind, g.suite);
      const report = await runChange(target, req, g.format, root, signer, cache ?? noIndexCache, {
        suite: g.suite,
        ...(g.component ? { component: g.component } : {}),
        add: g.add,
        remove: [],
      });
      result.reports.push({ ...report, root });
      changes.push(suiteChangeOf(target.output, root, report, before));
    }
    if (cache) result.cache = { hits: cache.hits, misses: cache.misses };
    // The keys unlocked while the indexes compressed; when nothing was signed, now: a wrong
    // passphrase fails the publish all the same.
    if (unlocked) result.warnings.unshift(...(await expiryWarnings(unlocked, target, req)));
    const debugSuites = debugSuiteNotes(result.reports, { name: target.settings.name, url: target.settings.url, output: target.output });
    if (debugSuites.length) result.debugSuites = debugSuites;
    if (!req.dryRun && result.reports.some((r) => r.kind === 'yum')) {
      if (!target.settings.url)
        req.progress.warn(
          `no \`url:\` in pkgtrack.yaml: the .repo files point at file://${target.output} (this machine only) — set \`url:\` to the address ${target.output} is served from before anyone installs from it`,
        );
      else if (target.settings.url === req.servedAt)
        req.progress.warn(
          `no \`url:\` in pkgtrack.yaml: the .repo files point at ${req.servedAt}, the bucket's own address — set \`url:\` if readers get the repository elsewhere (a CDN, R2's public domain)`,
        );
    }
    if (!req.dryRun) {
      const dirs = [...new Set(artifacts.map((a) => dirname(a.path)))];
      const trunk = await recordTrunkBuilds(target.output, dirs);
      if (trunk.length) req.progress.step(`trunk state recorded for ${trunk.join(', ')}`);
      if (req.planned) {
        // Loaded only with a plan: it brings zod along.
        const { recordCiAttempts } = await import('../ci/attempts.js');
        const failed = await recordCiAttempts(target.output, req.planned, dirs, (req.now ?? (() => new Date()))());
        if (failed.length)
          req.progress.warn(
            `${failed.length} planned cell(s) delivered nothing and go last in the next plan: ${failed.map((c) => `${c.recipe} ${c.target}`).join(', ')}`,
          );
      }
      // No pkgtrack.yaml: no name, label or key to show, so no page (and no page code to load).
      if (target.repository) {
        const page = await import('../site/site.js');
        const site = await page.refreshSiteAfterPublish(target.repository, target.output, target.store, req.progress, dirs, changes);
        if (site) result.site = { pass: site.pass, packagePagesWritten: page.packagePagesWritten(site.written) };
      }
    }
    return result;
  } finally {
    await clock?.catch(() => {}); // nothing signed (no change): its answer no longer matters
    await Promise.all(target.formats.map((f) => f.cool?.()));
    target.store.close();
  }
}

export interface ChangeSpec {
  suite: string;
  component?: string;
  add: ArtifactInput[];
  remove: PackageRef[];
}

/** One format's change under the lock: publish into a transaction, commit, flush the cache. */
export async function runChange(
  target: ResolvedTarget,
  req: RepoTarget & { rebuild?: boolean; dryRun?: boolean; keep?: number; contents?: boolean; allowDowngrade?: boolean },
  format: RepoFormat,
  root: string,
  signer: Signer | undefined,
  cache: IndexCache,
  change: ChangeSpec,
  op: 'publish' | 'refresh' = 'publish',
): Promise<PublishReport & { commit?: CommitSummary }> {
  const options: PublishOptions = {
    suite: change.suite,
    ...(change.component ? { component: change.component } : {}),
    rebuild: !!req.rebuild,
    keepVersions: req.keep ?? target.keep,
    generations: { keep: 3, minAgeDays: 3 },
    validDays: target.validDays,
    ...(req.dryRun ? { allowUnsigned: true } : {}),
    ...(req.contents ? { contents: true } : {}),
    ...(req.allowDowngrade ? { allowDowngrade: true } : {}),
  };
  return withRepoLock(
    root,
    { ...(req.lockTimeoutMs !== undefined ? { timeoutMs: req.lockTimeoutMs } : {}), what: `${op} ${change.suite}` },
    async () => {
      if (!req.dryRun) {
        const swept = await beginChange(root);
        if (swept?.files.length) req.progress.step(`removed what an interrupted publish left in ${root}: ${leftoverSummary(swept)}`);
      }
      const tx = new PublishTransaction(root, !!req.dryRun, options.generations, req.remotePool?.(root));
      const ctx = { root, tx, signer, cache, progress: req.progress, now: req.now ?? (() => new Date()), options };
      try {
        const report =
          op === 'refresh'
            ? (await format.refresh(ctx, [change.suite]))[0]!
            : await format.publish(ctx, { add: change.add, remove: change.remove });
        const t = process.hrtime.bigint();
        const commit = await tx.commit(ctx.now());
        req.progress.debug(`committed (sync, links, renames, pruning) in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(2)}s`);
        if (cache instanceof StateIndexCache) cache.flush();
        if (!req.dryRun) {
          recordPublish(target.store, {
            repoDir: root,
            kind: format.kind,
            suite: change.suite,
            summary: { op, added: report.added.length, removed: report.removed.length },
          });
        }
        if (!req.dryRun) await endChange(root);
        return { ...report, commit };
      } catch (e) {
        await tx.abort();
        // Aborted whole: its temporaries are gone (a failed abort leaves the mark, and the next change sweeps).
        if (!req.dryRun) await endChange(root);
        throw e;
      }
    },
  );
}
