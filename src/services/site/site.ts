/**
 * Writing the repository web page, incrementally. The site shares its folder with the published
 * repository, so it cannot be swapped in as one directory; instead:
 *  1. what the site owns is recorded in the output dir's state store (<output>/.pkgtrack/
 *     state.db, migration 090-site-record): per package the hash of what its badge, page and
 *     JSON are rendered from and when that changed, per other file its content hash;
 *  2. only what differs from the record is rendered (a package's files) and written into a
 *     staging folder inside the output dir (same file system), fsynced;
 *  3. each written file is renamed over its live path, content-hashed assets, badges, package
 *     pages, key and build files first, then the package index, `index.html` LAST: a reader sees
 *     the old page or the new page, and the page it sees only references files already in place;
 *  4. the record is updated in one transaction; files of the last site that the new one no
 *     longer names are removed, except the previous page's assets, which stay one more round for
 *     browsers mid-load. Repository files are never touched.
 * So a publish that adds one package to 10,000 writes that package's three files, the package
 * index and the first page (bounded: render-page.ts FIRST_PAGE_ROWS per suite).
 * A crash leaves the old or new index.html plus a staging folder that the next run removes; the
 * record is written after the files, so a crash between the two rewrites them next time.
 */
import { siteRecordTable } from '../../state/tables.js';
import { hash, randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import { fsyncPath, readTextIfExists } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { silentProgress } from '../../core/progress.js';
import { findRecipesRepositoryRoot, loadRecipesRepository, type RecipesRepository } from '../../recipe/load.js';
import { REPO_META_DIR, withRepoLock } from '../../repo/lock.js';
import type { SiteModel } from '../../site/model.js';
import { ASSET_DIR, packageFilePaths, packageOfFile, type SiteFile, siteParts } from '../../site/render-site.js';
import type { PackageEntry } from '../../site/render-package.js';
import { compareNames, SAFE_SEGMENT } from '../../site/model.js';
import { StateStore } from '../../state/store.js';
import type { GatherOptions } from './gather.js';
import { type SuiteChange, syncSite, wholeSite } from './model-sync.js';
import { SiteFilePresence } from './presence.js';
import { SiteFileWriter } from './site-files.js';
import { makeDirs, makeDirsSync } from '../../core/dirs.js';

export { gatherSiteModel } from './gather.js';

const STAGING_PREFIX = '.site-staging-';
/** The record of the site before it moved into the state store. */
const LEGACY_RECORD = 'site.json';

export interface WriteSiteOptions {
  /** When packages that change now changed (default: now). */
  now?: Date;
  /**
   * Take the record's word that unchanged files are in place (publish does: nothing else writes
   * the site). Otherwise (`pkgtrack site`) each unchanged file is checked and rewritten if missing.
   */
  trustRecord?: boolean;
}

/** How many package pages a page write wrote. */
export const packagePagesWritten = (written: readonly string[]) =>
  written.filter((p) => p.endsWith('.html') && p.startsWith('packages/')).length;

export interface WriteSiteResult {
  outputDir: string;
  /** Every file the site owns now, sorted. */
  files: string[];
  /** The files this run wrote (the rest were unchanged). */
  written: string[];
  removed: string[];
  /** `changes`: only the changed packages were rendered (from the stored model); `whole`: every package. */
  pass: 'changes' | 'whole';
}

/** A site path must stay inside the output dir and out of the repository's own folders. */
function checkPath(p: string): void {
  const bad =
    p.startsWith('/') ||
    p.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    /^(apt|yum|dists|pool|\.)(\/|$)/.test(p) ||
    p.startsWith('.');
  if (bad) {
    throw new PkgtrackError({
      code: 'SITE_PATH_UNSAFE',
      kind: 'internal',
      message: `refusing to write site file "${p}"`,
      details: { path: p },
    });
  }
}

// One call, no Hash object: the site hashes every package's input on each publish.
const sha256 = (data: string | Uint8Array) => hash('sha256', data, 'hex');

/** Write the rendered model (plus `extraFiles`, e.g. build logs) into `outputDir` atomically, rewriting only what changed. */
export async function writeSite(
  outputDir: string,
  model: SiteModel,
  extraFiles: SiteFile[] = [],
  opts: WriteSiteOptions = {},
): Promise<WriteSiteResult> {
  return updateSite(outputDir, async () => ({ model, extraFiles }), opts);
}

/**
 * What a page write renders: the whole model, or (a publish that changed a few packages, see
 * model-sync.ts) only the changed packages with the first page's model made once their change
 * times are known.
 */
export type SiteInput = (
  | { model: SiteModel; extraFiles: SiteFile[]; partial?: undefined }
  | { partial: PartialSite; extraFiles: SiteFile[]; model?: undefined }
) & {
  /** Called once the files and the record are written. */
  done?: () => void;
};

export interface PartialSite {
  /** Each package whose files may have changed: its entry, or undefined when it is gone. */
  changed: ReadonlyMap<string, PackageEntry | undefined>;
  /** packages.json with the changed packages' lines spliced in. */
  packageIndex: string;
  /** The model around the packages (names, key, suites without their packages). */
  frame: SiteModel;
  /**
   * The first page's model, given when each changed package changed; with when each package it
   * lists changed (the first page orders by that).
   */
  indexModel(changedAt: ReadonlyMap<string, string>): Promise<{ model: SiteModel; changedAt: Map<string, string> }>;
}

/** One page write under the output dir's lock: `input` is made with its state store open. */
export async function updateSite(
  outputDir: string,
  input: (store: StateStore, out: string) => Promise<SiteInput>,
  opts: WriteSiteOptions = {},
): Promise<WriteSiteResult> {
  const out = resolve(outputDir);
  await makeDirs(out);
  // One site writer at a time (an apt and a yum publish may finish together); the formats'
  // own locks are in <output>/apt and <output>/yum, so this never waits for a publish.
  return withRepoLock(out, { what: 'write the web page' }, async () => {
    const store = StateStore.open(out);
    try {
      return await writeSiteLocked(out, store, await input(store, out), opts);
    } finally {
      store.close();
    }
  });
}

interface FileRecord {
  hash: string;
  previous: boolean;
}

async function writeSiteLocked(out: string, store: StateStore, input: SiteInput, opts: WriteSiteOptions): Promise<WriteSiteResult> {
  // Leftovers of an interrupted run.
  for (const e of await readdir(out)) if (e.startsWith(STAGING_PREFIX)) await rm(join(out, e), { recursive: true, force: true });
  const now = (opts.now ?? new Date()).toISOString();
  const presence = opts.trustRecord ? undefined : new SiteFilePresence(out);
  const present = (paths: string[]) => !presence || presence.hasAll(paths);
  const partial = input.partial;
  const records = siteRecordTable(store);
  // A partial write reads the record of its own packages only (not 100,000 rows).
  const record = partial ? { files: records.files(), packages: records.packagesNamed([...partial.changed.keys()]) } : records.read();
  const oldFiles: Map<string, FileRecord> = record.files;
  // A site written before the record moved here: own its files (so stale ones go), rewrite all.
  const legacyPath = join(out, REPO_META_DIR, LEGACY_RECORD);
  const legacy = parseLegacyRecord(await readTextIfExists(legacyPath));
  for (const p of legacy.files) if (!oldFiles.has(p)) oldFiles.set(p, { hash: '', previous: false });
  for (const p of legacy.previous) if (!oldFiles.has(p)) oldFiles.set(p, { hash: '', previous: true });
  const oldPackages = record.packages;

  const changedEntries = partial
    ? [...partial.changed.values()].filter((e): e is PackageEntry => !!e && SAFE_SEGMENT.test(e.name))
    : undefined;
  const fullParts = input.model ? siteParts(input.model) : undefined;
  const packages = fullParts?.packages ?? changedEntries!.sort((a, b) => compareNames(a.name, b.name));
  // What a package's files are rendered from; the frame of the first page's model is the same.
  const inputParts = fullParts ?? siteParts(partial!.frame, { packages, packageIndex: partial!.packageIndex });
  // Packages: render only those whose input changed (or whose files are missing). Each file is
  // handed to the writer as it is rendered (site-files.ts).
  const staging = join(out, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  const writer = new SiteFileWriter(out, staging);
  const write = (f: SiteFile, inPlace: boolean) => {
    checkPath(f.path);
    writer.add(f, inPlace);
  };
  // Staged files not renamed in (a failure), and the thread if it is still writing, go on any exit.
  try {
    const changedAt = new Map<string, string>();
    const packageRows: Array<[string, string, string]> = [];
    for (const e of packages) {
      const text = inputParts.packageInput(e);
      const hash = sha256(text);
      const old = oldPackages.get(e.name);
      if (old?.hash === hash && present(packageFilePaths(e.name))) {
        changedAt.set(e.name, old.changedAt);
        continue;
      }
      const at = old?.hash === hash ? old.changedAt : now;
      changedAt.set(e.name, at);
      packageRows.push([e.name, hash, at]);
      // The files of a package new to the site go straight in place: nothing links them before the new index does.
      const isNew = !oldPackages.has(e.name);
      const paths = packageFilePaths(e.name);
      for (const p of paths) checkPath(p);
      writer.addPackage(
        text,
        paths,
        paths.map((p) => isNew && !oldFiles.has(p)),
      );
      if (packageRows.length % 128 === 0) await writer.yield();
    }
    const current = new Set(packages.map((e) => e.name));
    const gonePackages = partial
      ? [...partial.changed.keys()].filter((n) => !current.has(n) && oldPackages.has(n))
      : [...oldPackages.keys()].filter((n) => !current.has(n));
    const gone = new Set(gonePackages);
    const index = partial ? await partial.indexModel(changedAt) : undefined;
    const parts = fullParts ?? siteParts(index!.model, { packages, packageIndex: partial!.packageIndex });

    // Every other file: written when its content differs from the record; index.html last.
    const others = [...parts.assets, ...parts.shared, ...input.extraFiles, ...parts.index({ changedAt: index?.changedAt ?? changedAt })];
    // The files the site owns: these, and each current package's three (not listed one by one:
    // 300,000 paths at 100,000 packages, on every publish). A partial write owns, besides, every
    // package it did not change and the build files of those.
    const owned = new Set<string>();
    const unchangedBuildFiles = (p: string) => !!partial && p.startsWith('builds/') && !partial.changed.has(p.split('/')[1] ?? '');
    const isOwned = (p: string) => {
      if (owned.has(p) || unchangedBuildFiles(p)) return true;
      const pkg = packageOfFile(p);
      return pkg !== undefined && (current.has(pkg) || (!!partial && !partial.changed.has(pkg) && !gone.has(pkg)));
    };
    const fileRows: Array<[string, string]> = [];
    for (const f of others) {
      checkPath(f.path);
      if (owned.has(f.path) || current.has(packageOfFile(f.path) ?? '\u0000'))
        throw new PkgtrackError({ code: 'SITE_PATH_DUPLICATE', kind: 'internal', message: `site file ${f.path} twice` });
      owned.add(f.path);
      const hash = sha256(f.data);
      fileRows.push([f.path, hash]);
      const old = oldFiles.get(f.path);
      if (old?.hash === hash && !old.previous && present([f.path])) continue;
      write(f, false);
    }

    const staged = await writer.finish();
    const written = writer.paths;
    const dirs = new Set(written.map((p) => dirname(join(out, p))));
    const made = new Set<string>();
    for (const p of staged) {
      const dest = join(out, p);
      if (!made.has(dirname(dest))) makeDirsSync(dirname(dest));
      made.add(dirname(dest));
      renameSync(join(staging, p), dest);
    }
    for (const d of dirs) await fsyncPath(d);

    // Stale badges, package pages, keys and build files go now; the previous page's assets stay one round.
    const isAsset = (p: string) => p.startsWith(`${ASSET_DIR}/`);
    const removed: string[] = [];
    const previous: string[] = [];
    for (const [p, r] of oldFiles) {
      if (isOwned(p)) continue;
      if (!r.previous && isAsset(p)) previous.push(p);
      else removed.push(p);
    }
    for (const n of gonePackages) for (const p of packageFilePaths(n)) if (!isOwned(p)) removed.push(p);

    siteRecordTable(store).apply({
      packagesUpserted: packageRows,
      packagesRemoved: gonePackages,
      filesUpserted: [
        ...fileRows
          .filter(([p, h]) => oldFiles.get(p)?.hash !== h || oldFiles.get(p)?.previous)
          .map(([p, h]): [string, string, boolean] => [p, h, false]),
        ...previous.map((p): [string, string, boolean] => [p, oldFiles.get(p)!.hash, true]),
      ],
      filesRemoved: removed,
    });
    input.done?.();
    if (legacy.files.length || legacy.previous.length) await rm(legacyPath, { force: true });
    for (const p of removed) {
      checkPath(p);
      await rm(join(out, p), { force: true });
    }
    return {
      outputDir: out,
      // Listed when asked for (`pkgtrack site` reports it; a publish does not). A partial write
      // knows its changed packages' files and the others.
      get files() {
        return [...owned, ...parts.packages.flatMap((e) => packageFilePaths(e.name))].sort();
      },
      written,
      removed,
      pass: partial ? 'changes' : 'whole',
    };
  } finally {
    await writer.abandon();
    await rm(staging, { recursive: true, force: true });
  }
}

function parseLegacyRecord(text: string | undefined): { files: string[]; previous: string[] } {
  if (!text) return { files: [], previous: [] };
  try {
    const r = JSON.parse(text) as { files?: unknown; previous?: unknown };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { files: strings(r.files), previous: strings(r.previous) };
  } catch {
    return { files: [], previous: [] };
  }
}

export interface GenerateSiteOptions extends GatherOptions {
  /** Recipes repository root (default: found from the working directory). */
  recipesRoot?: string;
  /** Output dir (default: pkgtrack.yaml `output`, relative to the repository root). */
  out?: string;
  progress?: Progress;
}

export interface GenerateSiteResult extends WriteSiteResult {
  url: string | null;
  suites: Array<{ kind: 'apt' | 'yum'; suite: string; packages: number }>;
  badges: string[];
  keyFingerprint: string | null;
}

/** Output directory of a repository: `output` from pkgtrack.yaml, relative to its root. */
export const outputDirOf = (recipesRepo: RecipesRepository, out?: string): string =>
  resolve(recipesRepo.root, out ?? recipesRepo.config.output);

/** `pkgtrack site`, and what publish calls after every publish: gather, render, write. */
export async function generateSite(opts: GenerateSiteOptions = {}): Promise<GenerateSiteResult> {
  const progress = opts.progress ?? silentProgress;
  const recipesRepo = await loadRecipesRepository(await findRecipesRepositoryRoot(opts.recipesRoot));
  const outputDir = outputDirOf(recipesRepo, opts.out);
  const store = StateStore.open(recipesRepo.root);
  try {
    progress.step(`reading what is published in ${outputDir}`);
    // The whole way, and the stored model taken anew: what repairs the page after anything.
    let model: SiteModel | undefined;
    const written = await updateSite(
      outputDir,
      async (outStore, out) => {
        const input = await wholeSite(recipesRepo, out, store, outStore, opts);
        model = input.model!;
        if (!model.url) progress.warn('pkgtrack.yaml has no `url:`; the install snippets show a placeholder URL');
        if (!model.key) progress.warn('no signing key configured; the page says the repository is unsigned');
        progress.step(`writing the web page to ${join(outputDir, 'index.html')}`);
        return input;
      },
      { now: opts.now ?? new Date() },
    );
    if (!model) throw new Error('unreachable: the page was written without a model');
    return {
      ...written,
      url: model.url ?? null,
      suites: model.suites.map((s) => ({ kind: s.kind, suite: s.suite, packages: s.packages.length })),
      badges: written.files.filter((f) => f.startsWith('badges/')),
      keyFingerprint: model.key?.fingerprint ?? null,
    };
  } finally {
    store.close();
  }
}

/**
 * What `publish()` calls after its changes are committed: regenerate the page from what is now
 * published. A failure here must not fail a publish that already went live, so it is reported
 * as a warning (with the fix: run `pkgtrack site`).
 */
export async function refreshSiteAfterPublish(
  repository: RecipesRepository | undefined,
  outputDir: string,
  store: StateStore,
  progress: Progress,
  buildDirs: readonly string[] = [],
  changes: readonly SuiteChange[] = [],
): Promise<WriteSiteResult | undefined> {
  if (!repository) return undefined; // no pkgtrack.yaml: no name, label or key to show
  try {
    const written = await updateSite(outputDir, (outStore, out) => syncSite(repository, out, store, outStore, { buildDirs, changes }), {
      trustRecord: true,
    });
    const how =
      written.pass === 'changes' ? `${packagePagesWritten(written.written)} package page(s) rewritten` : 'every package read back';
    progress.step(`updated the web page ${join(written.outputDir, 'index.html')} (${how})`);
    return written;
  } catch (e) {
    progress.warn(`the web page was not updated: ${(e as Error).message}; run \`pkgtrack site\` to retry`);
    return undefined;
  }
}
