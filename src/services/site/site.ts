/**
 * Writing the repository web page. The site shares its folder with the published repository,
 * so it cannot be swapped in as one directory; instead:
 *  1. every file is rendered into a staging folder inside the output dir (same file system),
 *     written and fsynced;
 *  2. each file is renamed over its live path, content-hashed assets, badges, key and build
 *     files first, `index.html` LAST: a reader sees the old page or the new page, and the page
 *     it sees only references files already in place;
 *  3. the list of what the site owns is recorded (.pkgtrack/site.json); files of the last site
 *     that the new one no longer names are removed, except the previous page's assets, which
 *     stay one more round for browsers mid-load. Repository files are never touched.
 * A crash leaves the old or new index.html plus a staging folder that the next run removes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import { fsyncDir, readTextIfExists, writeFileAtomic } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { silentProgress } from '../../core/progress.js';
import { findRepositoryRoot, loadRepository, type Repository } from '../../recipe/load.js';
import { REPO_META_DIR, withRepoLock } from '../../repo/lock.js';
import type { SiteModel } from '../../site/model.js';
import { ASSET_DIR, renderSite, type SiteFile } from '../../site/render-site.js';
import { StateStore } from '../../state/store.js';
import { type GatherOptions, gatherSiteModel } from './gather.js';

export { gatherSiteModel } from './gather.js';

const STAGING_PREFIX = '.site-staging-';
const SITE_RECORD = 'site.json';

interface SiteRecord {
  /** Files the current site owns. */
  files: string[];
  /** Files of the previous site, kept one more round. */
  previous: string[];
}

export interface WriteSiteResult {
  outputDir: string;
  files: string[];
  removed: string[];
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

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const fh = await open(path, 'w', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write the rendered model (plus `extraFiles`, e.g. build logs) into `outputDir` atomically. */
export async function writeSite(outputDir: string, model: SiteModel, extraFiles: SiteFile[] = []): Promise<WriteSiteResult> {
  const out = resolve(outputDir);
  await mkdir(out, { recursive: true });
  // One site writer at a time (an apt and a yum publish may finish together); the formats'
  // own locks are in <output>/apt and <output>/yum, so this never waits for a publish.
  return withRepoLock(out, { what: 'write the web page' }, () => writeSiteLocked(out, model, extraFiles));
}

async function writeSiteLocked(out: string, model: SiteModel, extraFiles: SiteFile[]): Promise<WriteSiteResult> {
  // Leftovers of an interrupted run.
  for (const e of await readdir(out)) if (e.startsWith(STAGING_PREFIX)) await rm(join(out, e), { recursive: true, force: true });

  const rendered = renderSite(model);
  const index = rendered.pop()!; // renderSite puts index.html last
  const files = [...rendered, ...extraFiles, index];
  const seen = new Set<string>();
  for (const f of files) {
    checkPath(f.path);
    if (seen.has(f.path)) throw new PkgtrackError({ code: 'SITE_PATH_DUPLICATE', kind: 'internal', message: `site file ${f.path} twice` });
    seen.add(f.path);
  }

  const staging = join(out, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
  try {
    for (const f of files) await writeSynced(join(staging, f.path), f.data);
    const dirs = new Set<string>();
    for (const f of files) {
      const dest = join(out, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await rename(join(staging, f.path), dest);
      dirs.add(dirname(dest));
    }
    for (const d of dirs) await fsyncDir(d);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const recordPath = join(out, REPO_META_DIR, SITE_RECORD);
  const old = parseRecord(await readTextIfExists(recordPath));
  const now = files.map((f) => f.path).sort();
  const current = new Set(now);
  const isAsset = (p: string) => p.startsWith(`${ASSET_DIR}/`);
  // Stale badges, keys and build files go now; the previous page's assets stay one round.
  const removed = [...old.files.filter((p) => !current.has(p) && !isAsset(p)), ...old.previous.filter((p) => !current.has(p))];
  const record: SiteRecord = { files: now, previous: old.files.filter((p) => !current.has(p) && isAsset(p)) };
  await writeFileAtomic(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  for (const p of removed) {
    checkPath(p);
    await rm(join(out, p), { force: true });
  }
  return { outputDir: out, files: now, removed };
}

function parseRecord(text: string | undefined): SiteRecord {
  if (!text) return { files: [], previous: [] };
  try {
    const r = JSON.parse(text) as Partial<SiteRecord>;
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { files: strings(r.files), previous: strings(r.previous) };
  } catch {
    return { files: [], previous: [] };
  }
}

export interface GenerateSiteOptions extends GatherOptions {
  /** Recipes repository root (default: found from the working directory). */
  repoRoot?: string;
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
export const outputDirOf = (repo: Repository, out?: string): string => resolve(repo.root, out ?? repo.config.output);

/** `pkgtrack site`, and what publish calls after every publish: gather, render, write. */
export async function generateSite(opts: GenerateSiteOptions = {}): Promise<GenerateSiteResult> {
  const progress = opts.progress ?? silentProgress;
  const repo = await loadRepository(await findRepositoryRoot(opts.repoRoot));
  const outputDir = outputDirOf(repo, opts.out);
  const store = StateStore.open(repo.root);
  try {
    progress.step(`reading what is published in ${outputDir}`);
    const { model, extraFiles } = await gatherSiteModel(repo, outputDir, store, opts);
    if (!model.url) progress.warn('pkgtrack.yaml has no `url:`; the install snippets show a placeholder URL');
    if (!model.key) progress.warn('no signing key configured; the page says the repository is unsigned');
    progress.step(`writing the web page to ${join(outputDir, 'index.html')}`);
    const written = await writeSite(outputDir, model, extraFiles);
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
  repository: Repository | undefined,
  outputDir: string,
  store: StateStore,
  progress: Progress,
  buildDirs: readonly string[] = [],
): Promise<WriteSiteResult | undefined> {
  if (!repository) return undefined; // no pkgtrack.yaml: no name, label or key to show
  try {
    const { model, extraFiles } = await gatherSiteModel(repository, outputDir, store, { buildDirs });
    const written = await writeSite(outputDir, model, extraFiles);
    progress.step(`updated the web page ${join(written.outputDir, 'index.html')}`);
    return written;
  } catch (e) {
    progress.warn(`the web page was not updated: ${(e as Error).message}; run \`pkgtrack site\` to retry`);
    return undefined;
  }
}
