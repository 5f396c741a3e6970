/**
 * What decides whether a build is up to date: a hash over the recipe's files, the upstream
 * tarball, the target and the pkgtrack version; plus the build records kept in the state store
 * (`builds` table of migration 001-core) and the changelog text derived from them.
 */
import { type BuildRow, buildsTable } from '../../state/tables.js';
import { ifExists } from '../../core/fsutil.js';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Artifact } from '../../builders/builder.js';
import { run } from '../../core/exec.js';
import type { Recipe } from '../../recipe/load.js';
import type { Target } from '../../recipe/targets.js';
import type { StateStore } from '../../state/store.js';

/** sha256 over every file of the recipe folder (path + bytes), in sorted order. */
export async function recipeHash(recipe: Recipe): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() || e.isSymbolicLink()) {
        h.update(relative(recipe.dir, p)).update('\0');
        h.update(await readFile(p)).update('\0');
      }
    }
  };
  await walk(recipe.dir);
  return h.digest('hex');
}

export interface BuildInputs {
  recipe: string;
  target: string;
  format: string;
  upstreamVersion: string;
  packageVersion: string;
  upstreamSha256: string;
  recipeHash: string;
  maintainer: string;
  pkgtrackVersion: string;
  image: string;
  versionSuffix: string;
  /** deb: the chroot the build starts from, and what the dependency install adds (build/dependencies.ts). */
  [more: string]: unknown;
}

export function inputHash(i: BuildInputs): string {
  return createHash('sha256')
    .update(JSON.stringify(i, Object.keys(i).sort()))
    .digest('hex');
}

/**
 * The changelog timestamp: the last git commit touching the recipe, else the newest file in it.
 * Stable for unchanged inputs, so two builds of the same inputs give the same bytes.
 */
export async function recipeTimestamp(recipe: Recipe): Promise<number> {
  const r = await run('git', ['log', '-1', '--format=%ct', '--', '.'], { cwd: recipe.dir, check: false }).catch(() => undefined);
  const dirty = await run('git', ['status', '--porcelain', '--', '.'], { cwd: recipe.dir, check: false }).catch(() => undefined);
  const t = Number(r?.stdout.trim());
  if (r?.code === 0 && Number.isInteger(t) && t > 0 && dirty?.code === 0 && dirty.stdout.trim() === '') return t;
  let newest = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else newest = Math.max(newest, Math.floor((await stat(p)).mtimeMs / 1000));
    }
  };
  await walk(recipe.dir);
  return newest;
}

export interface BuildManifest {
  recipe: string;
  target: string;
  /** Debian architecture name (absent in manifests written before architectures existed: amd64). */
  arch?: string;
  /** Publish suite (apt) or repository path (yum), channel suffix included. */
  suite: string;
  channel?: 'stable' | 'trunk';
  /** Upstream commit built (git and trunk sources). */
  commit?: string;
  /** Trunk: the upstream branch the commit is on. */
  branch?: string;
  format: string;
  upstreamVersion: string;
  packageVersion: string;
  upstream: { sha256: string; url?: string; method?: string };
  recipeHash: string;
  inputHash: string;
  image: { ref: string; id: string; base: string; baseId: string; baseOrigin: string };
  engine: string;
  pkgtrackVersion: string;
  sourceDateEpoch: number;
  patches: string[];
  artifacts: Artifact[];
  lint?: { tool: string; errors: number; warnings: number; failed: boolean };
  builtAt: string;
}

export interface BuildRecord {
  id: number;
  recipe: string;
  target: string;
  version: string;
  inputHash: string;
  result: string;
  outDir: string | null;
  manifest: BuildManifest | null;
}

const toRecord = (r: BuildRow): BuildRecord => ({
  id: r.id,
  recipe: r.recipe,
  target: r.target,
  version: r.version,
  inputHash: r.input_hash,
  result: r.result,
  outDir: r.out_dir,
  manifest: r.manifest ? (JSON.parse(r.manifest) as BuildManifest) : null,
});

export function lastSuccessfulBuild(store: StateStore, recipe: string, target: string, hash?: string): BuildRecord | undefined {
  const row = buildsTable(store).lastOk(recipe, target, hash);
  return row ? toRecord(row) : undefined;
}

export function recordBuild(
  store: StateStore,
  r: {
    recipe: string;
    target: string;
    version: string;
    inputHash: string;
    result: 'ok' | 'failed';
    outDir?: string;
    manifest?: BuildManifest;
    startedAt: Date;
  },
): void {
  buildsTable(store).insert({
    recipe: r.recipe,
    target: r.target,
    version: r.version,
    inputHash: r.inputHash,
    result: r.result,
    outDir: r.outDir ?? null,
    manifest: r.manifest ? JSON.stringify(r.manifest) : null,
    startedAt: r.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  });
}

/** True when every artifact of the record is still in its out dir with the recorded size and hash. */
export async function artifactsIntact(rec: BuildRecord): Promise<boolean> {
  if (!rec.outDir || !rec.manifest) return false;
  for (const a of rec.manifest.artifacts) {
    const bytes = await ifExists(readFile(join(rec.outDir, a.name)));
    if (!bytes || bytes.length !== a.size || createHash('sha256').update(bytes).digest('hex') !== a.sha256) return false;
  }
  return true;
}

/** Changelog lines: the upstream version, the target, and how the patch queue changed since the last build. */
export function changelogChanges(upstreamVersion: string, target: Target, patches: string[], previous?: BuildManifest | null): string[] {
  const lines: string[] = [];
  if (previous && previous.upstreamVersion !== upstreamVersion)
    lines.push(`New upstream version ${upstreamVersion} (was ${previous.upstreamVersion}).`);
  else lines.push(`Upstream version ${upstreamVersion}.`);
  lines.push(`Built by pkgtrack for ${target.id}.`);
  if (patches.length) lines.push(`Patch queue (${patches.length}): ${patches.join(', ')}.`);
  else lines.push('No distribution patches.');
  if (previous) {
    const added = patches.filter((p) => !previous.patches.includes(p));
    const dropped = previous.patches.filter((p) => !patches.includes(p));
    if (added.length) lines.push(`Added patches: ${added.join(', ')}.`);
    if (dropped.length) lines.push(`Dropped patches: ${dropped.join(', ')}.`);
  }
  return lines;
}

/** Lines of a failed build log that show it tried to reach the network. */
export function networkAttempt(log: string): string | undefined {
  const re =
    /(Could not resolve host|Temporary failure in name resolution|Name or service not known|Network is unreachable|No address associated with hostname|getaddrinfo|unable to resolve host|Couldn't resolve host|Failed to establish a new connection|nodename nor servname)/i;
  for (const line of log.split('\n').reverse()) if (re.test(line)) return line.trim().slice(0, 300);
  return undefined;
}
