/**
 * The repository-format port. One implementation per kind: `repo/apt/` (Debian: .deb, .dsc)
 * and `repo/yum/` (RPM: .rpm, .src.rpm). The publish service picks the format by artifact
 * type (`accepts`), opens the shared plumbing (lock, transaction, index cache) and calls it.
 *
 * Contract for implementations:
 *  - ALL writes go through `ctx.tx` (repo/transaction.ts): pool files with `placePoolFile`
 *    (immutable, refuses different bytes), content-addressed metadata with
 *    `writeContentAddressed`, mutable indexes with `stage`, the signed top-level files with
 *    `stageLast` in switch order, and `keepGeneration` for the content-addressed files the new
 *    metadata uses. Never write into the repository directly: the service commits after you.
 *  - The service holds the repository lock (repo/lock.ts) for the whole call.
 *  - Read package metadata through `ctx.cache` first (keyed by path, size, mtime, inode) so an
 *    incremental publish reads only new files; `ctx.options.rebuild` means ignore the cache.
 *  - Signatures only through `ctx.signer` (sign/signer.ts). With no signer, refuse to publish
 *    (REPO_NO_SIGNER) unless the caller passed `allowUnsigned` (tests of layout only).
 *  - Bad input: PkgtrackError naming the file/field and a fix; nothing is committed.
 *  - In dry-run (`ctx.tx.dryRun`) compute everything and stage nothing durable; the tx records.
 */
import { notFound } from '../core/errors.js';
import type { Progress } from '../core/progress.js';
import type { Signer } from '../sign/signer.js';
import type { GenerationPolicy } from './generations.js';
import type { CommitSummary, PublishTransaction } from './transaction.js';

export type { CommitSummary, PlannedChange, RemotePool } from './transaction.js';
export { PublishTransaction, sha256File, syncsFileSystem, TMP_SUFFIX } from './transaction.js';
export { acquireRepoLock, isLocalOnly, withRepoLock, REPO_META_DIR, type RepoLock, type RepoLockOptions } from './lock.js';
export { type GenerationPolicy, keptGenerations, pruneGenerations, readGenerations } from './generations.js';
import { conflictError } from '../core/errors.js';
export { applyRetention, unreferencedFiles, type VersionedEntry, type RetentionResult } from './retention.js';
export { faultPoint } from './faults.js';

export type RepoKind = 'apt' | 'yum';

/** One file handed to publish, with what a build manifest said about it (all optional). */
export interface ArtifactInput {
  /** Absolute path. */
  path: string;
  suite?: string;
  component?: string;
  /** Recipe / target that built it, for reports. */
  recipe?: string;
  target?: string;
  /** SHA-256 a build manifest recorded: the format refuses the file if it changed since. */
  sha256?: string;
}

/** Identifies published packages for removal; no version = every version. */
export interface PackageRef {
  name: string;
  version?: string;
  arch?: string;
}

/** Removals that match nothing in `suite`, each named: the change is refused whole. */
export function notPublishedError(
  code: 'APT_PACKAGE_NOT_PUBLISHED' | 'YUM_PACKAGE_NOT_PUBLISHED',
  missing: readonly PackageRef[],
  suite: string,
) {
  const what = missing.map((r) => `${r.name}${r.version ? ` ${r.version}` : ''}${r.arch ? ` (${r.arch})` : ''}`);
  return notFound(
    code,
    `${what.join(', ')} ${what.length === 1 ? 'is' : 'are'} not published in ${suite}; nothing was removed`,
    `See what is published with \`pkgtrack repo list --suite ${suite}\`.`,
    { field: 'package', packages: missing.map((r) => r.name) },
  );
}

export interface PublishOptions {
  /** Suite (apt) / repository name (yum) the change goes to. */
  suite: string;
  /** apt component (default `main`); yum ignores it. */
  component?: string;
  /** Re-read every package instead of trusting the index cache. */
  rebuild: boolean;
  /** Newest versions kept per package per suite (<= 0: keep all). */
  keepVersions: number;
  /** Old metadata generations kept for clients mid-update. */
  generations: GenerationPolicy;
  /** Days until the signed metadata expires (apt Valid-Until). */
  validDays: number;
  /** Publish without signatures: only for layout tests; apt will refuse such a repo. */
  allowUnsigned?: boolean;
  /** apt: also write Contents-<arch>.gz (kept on for a suite that has them). */
  contents?: boolean;
  /**
   * Publish a version that sorts below one the suite already has (it can never reach a
   * client that has the newer one). Refused without it, as reprepro does; with it, a warning.
   */
  allowDowngrade?: boolean;
}

/** Cached per-file metadata (opaque to the cache; each format serialises its own). */
export interface FileKey {
  path: string;
  size: number;
  /**
   * Status change time in whole microseconds: set by every write, and unlike the mtime it cannot
   * be set back (`cp -p`, `touch -d`), so a file rewritten in place is never taken for the old one.
   */
  ctimeUs: number;
  ino: number;
}

export interface IndexCache {
  /** The value stored for exactly this (path, size, ctime, inode) under `kind`, if any. */
  get(kind: string, key: FileKey): string | undefined;
  put(kind: string, key: FileKey, value: string): void;
  /**
   * Whether anything is stored for `path` under `kind`. When not, a reader skips the stat a
   * lookup needs and reads the file at once (its key then comes from the open file).
   */
  knows?(kind: string, path: string): boolean;
  /** Count a package read from its file without a lookup first (a file new to the pool). */
  countRead?(): void;
}

export interface RepoContext {
  /** Repository root directory (what a web server serves). */
  root: string;
  tx: PublishTransaction;
  signer: Signer | undefined;
  cache: IndexCache;
  progress: Progress;
  /** Clock for Date/Valid-Until and generation ages (injected for tests). */
  now: () => Date;
  options: PublishOptions;
}

/** One package as it stands in a published suite. */
export interface PublishedPackage {
  suite: string;
  component: string;
  name: string;
  version: string;
  arch: string;
  /** Repo-relative pool path(s). */
  files: string[];
}

export interface PublishReport {
  kind: RepoKind;
  suite: string;
  added: PublishedPackage[];
  /** Already published with identical bytes: nothing to do. */
  unchanged: PublishedPackage[];
  /** Removed by request or by retention. */
  removed: PublishedPackage[];
  /** Metadata files (re)written. */
  indexes: string[];
  /** True when the suite already said exactly this, signed and valid long enough: nothing was written. */
  noChange?: boolean;
  commit?: CommitSummary;
}

export interface VerifyProblem {
  file: string;
  problem: string;
  /** What to do about it, where the remedy is not obvious (a tampered object in a bucket). */
  fix?: string;
}

export interface VerifyReport {
  target: string;
  ok: boolean;
  checkedFiles: number;
  signatures: Array<{ file: string; ok: boolean; by?: string; detail?: string }>;
  problems: VerifyProblem[];
}

/**
 * Add the reports of a target's parts (its apt root, each yum repository) to `into`: files
 * checked and signatures summed, every file named by `name(under, file)`, each problem passed
 * through `amend` (a bucket gives it a fix).
 */
export function addPartReports(
  into: VerifyReport,
  parts: ReadonlyArray<{ under: string; report: VerifyReport }>,
  name: (under: string, file: string) => string,
  amend: (p: VerifyProblem) => VerifyProblem = (p) => p,
): void {
  for (const { under, report: r } of parts) {
    into.checkedFiles += r.checkedFiles;
    into.signatures.push(...r.signatures.map((x) => ({ ...x, file: name(under, x.file) })));
    into.problems.push(...r.problems.map((x) => amend({ ...x, file: name(under, x.file) })));
    into.ok &&= r.ok;
  }
}

export interface RepoFormat {
  readonly kind: RepoKind;
  /** True when this format publishes `file` (decided by name/type: `.deb`, `.rpm`, ...). */
  accepts(file: string): boolean;
  /** Add `add`, remove `remove`, apply retention, regenerate and sign `ctx.options.suite`. */
  publish(ctx: RepoContext, change: { add: ArtifactInput[]; remove: PackageRef[] }): Promise<PublishReport>;
  /**
   * Start what publishing `add` will need (reader threads) while the caller loads keys and
   * takes the lock; the next `publish` uses it. `cool` releases it if no publish did.
   */
  warm?(add: readonly ArtifactInput[]): void;
  cool?(): Promise<void>;
  /** Re-sign every (or the named) suite with fresh dates; indexes unchanged. */
  refresh(ctx: RepoContext, suites?: string[]): Promise<PublishReport[]>;
  /** What is published (read from the repository's own metadata). */
  list(root: string, suite?: string): Promise<PublishedPackage[]>;
  /** Re-hash everything the signed metadata lists and check the signatures. */
  verify(target: string, opts: { keyring?: string; fingerprints?: string[] }): Promise<VerifyReport>;
}

/** A package the publish adds below a version of it the suite already has. */
export interface Downgrade {
  name: string;
  arch: string;
  version: string;
  published: string;
}

/**
 * The added packages that sort below the newest version of the same (name, arch) published
 * before this change. Pure.
 */
export function findDowngrades(
  before: Iterable<{ name: string; arch: string; version: string }>,
  added: Iterable<{ name: string; arch: string; version: string }>,
  compare: (a: string, b: string) => number,
): Downgrade[] {
  const newest = new Map<string, string>();
  for (const p of before) {
    const key = `${p.name}\0${p.arch}`;
    const cur = newest.get(key);
    if (cur === undefined || compare(p.version, cur) > 0) newest.set(key, p.version);
  }
  const out: Downgrade[] = [];
  for (const p of added) {
    const published = newest.get(`${p.name}\0${p.arch}`);
    if (published !== undefined && compare(p.version, published) < 0)
      out.push({ name: p.name, arch: p.arch, version: p.version, published });
  }
  return out;
}

/** Refuse the downgrades (a conflict naming each), or warn about them when allowed. */
export function checkDowngrades(ctx: RepoContext, downgrades: Downgrade[]): void {
  if (!downgrades.length) return;
  const list = downgrades.map((d) => `${d.name} ${d.version} (${d.arch}) < published ${d.published}`).join('; ');
  if (ctx.options.allowDowngrade) {
    ctx.progress.warn(
      `DOWNGRADE in ${ctx.options.suite}: ${list}. Clients that have the newer version keep it; only new installs or \`apt install PKG=VERSION\` get this one.`,
    );
    return;
  }
  throw conflictError(
    'PUBLISH_DOWNGRADE',
    `${ctx.options.suite}: ${list}: a lower version would never reach a client that has the newer one`,
    'Publish a higher version (a new revision or suffix, e.g. ~bpo12+2), remove the newer one first (`pkgtrack repo remove`), or pass --allow-downgrade.',
    { field: 'version' },
  );
}
