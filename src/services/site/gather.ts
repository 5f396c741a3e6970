/**
 * Gathering the web page's model: published suites (site-read.ts), upstream observations and
 * build records from the state store, recipe summaries and homepages, and the signing key's
 * public facts. Build manifests and logs are collected here as files to copy into the site,
 * so that every link on the page resolves on any static host.
 */
import { PKGTRACK_VERSION } from '../../core/version.js';
import { isDebugSuite, mainSuiteOf } from '../../repo/debug-symbols.js';
import { type BuildRow, buildsTable, type ObservationRow, ObservationsTable } from '../../state/tables.js';
import { ifExists } from '../../core/fsutil.js';
import { keyringFileName } from '../../formats/user-files.js';
import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type * as openpgp from 'openpgp';
import { notFound } from '../../core/errors.js';
import { compareUpstreamVersions, compareVersions } from '../../formats/versions.js';
import { listRecipeNames, loadRecipe, type RecipesRepository } from '../../recipe/load.js';
import { resolveTargets } from '../../recipe/load.js';
import type { Target } from '../../recipe/targets.js';
import { armorPublicKeys, readKeys } from '../../sign/keys.js';
import type { PatchReport } from '../../report/model.js';
import { keyFacts } from '../../sign/policy.js';
import {
  type Channel,
  compareCodeUnits,
  compareNames,
  computeFreshness,
  type PatchSummary,
  SAFE_SEGMENT,
  type SiteKey,
  type SiteLink,
  type SiteModel,
  type SitePackage,
  type SiteSuite,
} from '../../site/model.js';
import type { SiteFile } from '../../site/render-site.js';
import type { StateStore } from '../../state/store.js';
import { type IndexedBinary, listPublishedSuites, type PublishedSuite, readPublishedSuite } from './read.js';

export interface GatherOptions {
  now?: Date;
  /** `pkgtrack <version>`, for the page footer. */
  generator?: string;
  /** Patch report summary of a package; default: read from a published report (publishedPatchSummaries). */
  patchSummary?: (pkg: string) => PatchSummary | undefined;
  /** Build folders (with manifest.json) just published: their manifests and logs go on the page. */
  buildDirs?: readonly string[];
}

export interface GatheredSite {
  model: SiteModel;
  /** Files to copy into the site alongside the rendered ones (build manifests and logs). */
  extraFiles: SiteFile[];
}

/** Site path of the armored public key. */
export const keyHref = (repoName: string) => `keys/${keyringFileName(repoName)}`;

/** The public key file a repository publishes (what users verify against), in its output dir. */
export const publishedKeyPath = (recipesRepo: RecipesRepository, output?: string) =>
  join(resolve(recipesRepo.root, output ?? recipesRepo.config.output), keyHref(recipesRepo.config.name));

/** Public facts and the armored public key of the configured signing key(s); undefined when unsigned. */
export async function readSiteKey(recipesRepo: RecipesRepository): Promise<SiteKey | undefined> {
  const signing = recipesRepo.config.signing;
  if (!signing) return undefined;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(recipesRepo.root, p));
  const keys: openpgp.Key[] = [];
  for (const file of [signing.key, ...signing.extraKeys]) {
    const bytes = await readFile(abs(file)).catch((e: NodeJS.ErrnoException) => {
      throw notFound(
        'SITE_KEY_MISSING',
        `cannot read the signing key (${e.code ?? e.message}); the page shows its fingerprint and public key`,
        `Create it (\`pkgtrack key generate --out ${file}\`) or fix signing.key / signing.extraKeys in pkgtrack.yaml.`,
        { file: abs(file), field: 'signing.key' },
      );
    });
    // Public parts of an encrypted private key are readable without the passphrase.
    keys.push(...(await readKeys(bytes, abs(file))).map((k) => k.toPublic()));
  }
  const facts = await keyFacts(keys[0]!);
  const rotation = [];
  for (const k of keys.slice(1)) {
    const f = await keyFacts(k);
    rotation.push({ fingerprint: f.fingerprint.toUpperCase(), expires: f.expires });
  }
  return {
    fingerprint: facts.fingerprint.toUpperCase(),
    ...(rotation.length ? { rotation } : {}),
    expires: facts.expires,
    userIds: facts.userIds,
    href: keyHref(recipesRepo.config.name),
    armored: armorPublicKeys(keys),
  };
}

/** Where `pkgtrack report patches` output is picked up from (both files, inside the output dir). */
export const PATCH_REPORT_JSON = 'reports/patches.json';
export const PATCH_REPORT_HTML = 'reports/patches.html';

/**
 * Per-recipe patch summaries from a published patch report (`pkgtrack report patches --format
 * json` and `--format html` written to reports/ in the output dir), linking to each recipe's
 * section of the HTML report. Undefined when either file is missing or unreadable.
 */
export async function publishedPatchSummaries(outputDir: string): Promise<((pkg: string) => PatchSummary | undefined) | undefined> {
  const json = await ifExists(readFile(join(outputDir, PATCH_REPORT_JSON), 'utf8'));
  const htmlExists = await readFile(join(outputDir, PATCH_REPORT_HTML)).then(
    () => true,
    () => false,
  );
  if (!json || !htmlExists) return undefined;
  let report: Pick<PatchReport, 'recipes'>;
  try {
    report = JSON.parse(json) as PatchReport;
    if (!Array.isArray(report.recipes)) return undefined;
  } catch {
    return undefined;
  }
  const byRecipe = new Map<string, PatchSummary>();
  for (const r of report.recipes) {
    if (typeof r?.recipe !== 'string' || typeof r.counts !== 'object' || r.counts === null) continue;
    const counts = Object.fromEntries(Object.entries(r.counts).filter(([, n]) => typeof n === 'number' && n > 0));
    // The anchor report/render.ts gives each recipe's section.
    byRecipe.set(r.recipe, { counts, reportHref: `${PATCH_REPORT_HTML}#r-${r.recipe.replace(/[^A-Za-z0-9_-]+/g, '-')}` });
  }
  return (pkg) => byRecipe.get(pkg);
}

/** Which target and channel an apt suite or yum path belongs to. */
function placeSuite(s: PublishedSuite, targets: Target[], trunkSuffix: string): { target?: string; channel: Channel } {
  for (const t of targets) {
    if (s.kind === 'apt' && t.format === 'deb') {
      if (s.suite === t.publishPath) return { target: t.id, channel: 'stable' };
      if (trunkSuffix && s.suite === `${t.publishPath}${trunkSuffix}`) return { target: t.id, channel: 'trunk' };
    }
    if (s.kind === 'yum' && t.format === 'rpm') {
      if (s.suite === t.publishPath || s.suite.startsWith(`${t.publishPath}/`)) return { target: t.id, channel: 'stable' };
      const trunk = `${t.publishPath}${trunkSuffix}`;
      if (trunkSuffix && (s.suite === trunk || s.suite.startsWith(`${trunk}/`))) return { target: t.id, channel: 'trunk' };
    }
  }
  const trunk = trunkSuffix !== '' && s.suite.split('/').some((seg) => seg.endsWith(trunkSuffix));
  return { channel: trunk ? 'trunk' : 'stable' };
}

/** Newest binaries per source package (by name, then architecture): what the page's row shows. */
export function groupBySource(kind: 'apt' | 'yum', binaries: readonly IndexedBinary[]): Map<string, IndexedBinary[]> {
  const scheme = kind === 'apt' ? 'deb' : 'rpm';
  const cmp = (a: string, b: string) => {
    try {
      return compareVersions(scheme, a, b);
    } catch {
      return a.localeCompare(b);
    }
  };
  const bySource = new Map<string, IndexedBinary[]>();
  for (const b of binaries) {
    const list = bySource.get(b.source);
    if (list) list.push(b);
    else bySource.set(b.source, [b]);
  }
  for (const [src, list] of bySource) {
    if (list.length === 1) continue;
    // In an order of their own, not the index's: the stored model keeps rows in another order.
    list.sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.arch, b.arch) || compareCodeUnits(a.version, b.version));
    const newest = list
      .map((b) => b.version)
      .sort(cmp)
      .at(-1)!;
    bySource.set(
      src,
      list.filter((b) => b.version === newest),
    );
  }
  return bySource;
}

const LOG_FILE = /\.(log|txt)$/;

/** Site folder of a package's build manifest and logs in one suite. */
export const buildFilesDir = (pkg: string, suite: string) => `builds/${pkg}/${suite.replace(/[^A-Za-z0-9_.-]/g, '_')}`;

export interface BuildDirManifest {
  recipe?: string;
  suite?: string;
  packageVersion?: string;
  builtAt?: string;
}

const readManifestIn = async (dir: string): Promise<BuildDirManifest | undefined> => {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
  try {
    return text ? (JSON.parse(text) as BuildDirManifest) : undefined;
  } catch {
    return undefined;
  }
};

/** Whether any of buildDirFor's three places could hold a build of `pkg` (else it finds none). */
const mayHaveBuildDir = (row: BuildRow | undefined, pkg: string, buildDirs: readonly unknown[], withBuildFiles: ReadonlySet<string>) =>
  !!row?.out_dir || buildDirs.length > 0 || withBuildFiles.has(pkg);

/**
 * Where the manifest and logs of `pkg` `version` in `suite` are — only a build of the version
 * the published index lists, so the page never links a build whose artifacts are not in the
 * pool: the build this machine ran (state store), else a build folder just published (CI fan-out: the artifacts of other
 * runners), else what the site already holds for that version (a restored site: builds of
 * earlier runs keep their files).
 */
async function buildDirFor(
  row: BuildRow | undefined,
  pkg: string,
  suite: string,
  version: string,
  outputDir: string,
  buildDirs: ReadonlyArray<{ dir: string; manifest: BuildDirManifest }>,
  /** Packages with a folder under <output>/builds (one listing, not a failed open per package). */
  withBuildFiles: ReadonlySet<string>,
): Promise<{ dir: string; builtAt?: string } | undefined> {
  const fits = (m: BuildDirManifest) =>
    m.recipe === pkg && m.packageVersion === version && !!m.suite && (m.suite === suite || suite.startsWith(`${m.suite}/`));
  // The build folder of the state's row is reused by the next build of the recipe: its manifest
  // goes on the page only while it is still the build of the version the pool holds.
  if (row?.out_dir) {
    const m = await readManifestIn(row.out_dir);
    if (m && fits(m)) return { dir: row.out_dir };
  }
  const fresh = buildDirs.find((b) => fits(b.manifest));
  if (fresh) return { dir: fresh.dir, ...(fresh.manifest.builtAt ? { builtAt: fresh.manifest.builtAt } : {}) };
  if (!withBuildFiles.has(pkg)) return undefined;
  const published = join(outputDir, buildFilesDir(pkg, suite));
  const m = await readManifestIn(published);
  if (m && fits(m)) return { dir: published, ...(m.builtAt ? { builtAt: m.builtAt } : {}) };
  return undefined;
}

/** Copy a build's manifest and logs into the site. */
async function buildFiles(dir: string | undefined, pkg: string, suite: string): Promise<{ links: SiteLink[]; files: SiteFile[] }> {
  if (!dir || !SAFE_SEGMENT.test(pkg)) return { links: [], files: [] };
  const names = await readdir(dir).catch(() => [] as string[]);
  const wanted = names
    .filter((n) => n === 'manifest.json' || LOG_FILE.test(n))
    .sort((a, b) => (a === 'manifest.json' ? -1 : a.localeCompare(b)));
  const links: SiteLink[] = [];
  const files: SiteFile[] = [];
  const base = buildFilesDir(pkg, suite);
  for (const n of wanted) {
    if (!SAFE_SEGMENT.test(n)) continue;
    const data = await ifExists(readFile(join(dir, n)));
    if (!data) continue;
    files.push({ path: `${base}/${n}`, data });
    links.push({ label: n === 'manifest.json' ? 'manifest' : basename(n).replace(LOG_FILE, ' log'), href: `${base}/${n}` });
  }
  return { links, files };
}

/** What every package row of the page is built with, besides the package's own binaries. */
export interface PackageContext {
  now: Date;
  targets: Target[];
  trunkSuffix: string;
  outputDir: string;
  recipeNames: ReadonlySet<string>;
  observationsOf(name: string): ObservationRow[];
  buildsOf(name: string): BuildRow[];
  patchSummary?: (pkg: string) => PatchSummary | undefined;
  buildDirs: ReadonlyArray<{ dir: string; manifest: BuildDirManifest }>;
  /** Packages with a folder under <output>/builds (one listing, not a failed open per package). */
  withBuildFiles: ReadonlySet<string>;
  recipesRepo: RecipesRepository;
  recipeInfo: Map<string, { summary?: string; homepage?: string }>;
  /** Build manifests and logs to copy into the site, collected while rows are built. */
  extraFiles: SiteFile[];
}

/** Packages a page context asks the state store about one by one before it reads each table whole. */
const PER_NAME_QUERIES = 64;

/**
 * The context for building package rows. `all`: every recipe's observations and builds in one
 * query each (a page of every package); otherwise a query per package asked for (a few changed).
 */
export async function packageContext(
  recipesRepo: RecipesRepository,
  outputDir: string,
  store: StateStore,
  opts: GatherOptions,
  all: boolean,
  /** The recipes' names, when the caller has listed them already. */
  recipeNames?: readonly string[],
): Promise<PackageContext> {
  const cfg = recipesRepo.config;
  const observations = new ObservationsTable(store);
  const builds = buildsTable(store);
  // Per package asked for, a query each; past PER_NAME_QUERIES names (a publish that changed
  // thousands, e.g. a new suite), each table in one query instead: 10,000 queries were 1.5 s.
  let allObservations = all ? observations.byRecipe() : undefined;
  let allBuilds = all ? builds.finishedOkByRecipe() : undefined;
  let observationQueries = 0;
  let buildQueries = 0;
  const buildDirs: Array<{ dir: string; manifest: BuildDirManifest }> = [];
  for (const dir of opts.buildDirs ?? []) {
    const manifest = await readManifestIn(dir);
    if (manifest) buildDirs.push({ dir, manifest });
  }
  const patchSummary = opts.patchSummary ?? (await publishedPatchSummaries(outputDir));
  return {
    now: opts.now ?? new Date(),
    targets: resolveTargets(cfg.targets, { backports: cfg.channels.stable.backports }),
    trunkSuffix: cfg.channels.trunk.suiteSuffix,
    outputDir,
    recipeNames: new Set(recipeNames ?? (await listRecipeNames(recipesRepo))),
    observationsOf: (name) => {
      if (!allObservations && ++observationQueries > PER_NAME_QUERIES) allObservations = observations.byRecipe();
      return allObservations ? (allObservations.get(name) ?? []) : observations.ofRecipe(name);
    },
    buildsOf: (name) => {
      if (!allBuilds && ++buildQueries > PER_NAME_QUERIES) allBuilds = builds.finishedOkByRecipe();
      return allBuilds ? (allBuilds.get(name) ?? []) : builds.finishedOk(name);
    },
    ...(patchSummary ? { patchSummary } : {}),
    buildDirs,
    withBuildFiles: new Set((await ifExists(readdir(join(outputDir, 'builds')))) ?? []),
    recipesRepo,
    recipeInfo: new Map(),
    extraFiles: [],
  };
}

/** Recipes whose build folders this publish brought (their rows may change with no index change). */
export const namesWithBuildDirs = (ctx: PackageContext): string[] =>
  ctx.buildDirs.map((b) => b.manifest.recipe).filter((r): r is string => typeof r === 'string');

/** A published suite as the page shows it, without its packages. */
export function suiteHeader(s: PublishedSuite, ctx: Pick<PackageContext, 'targets' | 'trunkSuffix'>): SiteSuite {
  const debugFor = isDebugSuite(s.suite) ? mainSuiteOf(s.suite) : undefined;
  const example = debugFor ? firstBinary(s.binaries) : undefined;
  const place = placeSuite(debugFor ? { ...s, suite: debugFor } : s, ctx.targets, ctx.trunkSuffix);
  return {
    kind: s.kind,
    repoPath: s.root,
    suite: s.suite,
    ...(place.target ? { target: place.target } : {}),
    channel: place.channel,
    components: s.components,
    architectures: s.architectures,
    ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
    ...(s.notAutomatic ? { notAutomatic: true } : {}),
    ...(debugFor ? { debugFor } : {}),
    metadataHref: s.metadataPath,
    packages: [],
    ...(example ? { binaryExample: example } : {}),
  };
}

/** The alphabetically first binary name a suite lists (the debug-symbols install example). */
export const firstBinary = (binaries: readonly IndexedBinary[]): string | undefined =>
  binaries.reduce<string | undefined>((min, b) => (min === undefined || b.name < min ? b.name : min), undefined);

/** A suite's package rows, one per source, by name. */
export async function suitePackages(suite: SiteSuite, binaries: readonly IndexedBinary[], ctx: PackageContext): Promise<SitePackage[]> {
  const out: SitePackage[] = [];
  for (const [name, bins] of [...groupBySource(suite.kind, binaries)].sort(([a], [b]) => compareNames(a, b)))
    out.push(await sitePackage(suite, name, bins, ctx));
  return out;
}

/** The page's row of source `name` in `suite`, from its newest binaries there. */
export async function sitePackage(
  suite: SiteSuite,
  name: string,
  bins: readonly IndexedBinary[],
  ctx: PackageContext,
): Promise<SitePackage> {
  const first = bins[0]!;
  if (ctx.recipeNames.has(name) && !ctx.recipeInfo.has(name)) {
    const r = await loadRecipe(ctx.recipesRepo, name).catch(() => undefined);
    ctx.recipeInfo.set(name, {
      ...(r?.config.summary ? { summary: r.config.summary } : {}),
      ...(r?.config.homepage ? { homepage: r.config.homepage } : {}),
    });
  }
  const info = ctx.recipeInfo.get(name) ?? {};
  const obs = ctx.observationsOf(name).map((o) => ({ version: o.version, observedAt: o.observed_at }));
  const build = ctx
    .buildsOf(name)
    .find(
      (r) =>
        (r.target === suite.target || r.target === suite.suite) && (r.version === first.version || r.version === first.upstreamVersion),
    );
  // Most packages have no build files anywhere: no async call (and its promises) for them.
  const from = mayHaveBuildDir(build, name, ctx.buildDirs, ctx.withBuildFiles)
    ? await buildDirFor(build, name, suite.suite, first.version, ctx.outputDir, ctx.buildDirs, ctx.withBuildFiles)
    : undefined;
  const { links, files } = from ? await buildFiles(from.dir, name, suite.suite) : { links: [], files: [] };
  ctx.extraFiles.push(...files);
  const builtAt = build?.finished_at ?? from?.builtAt ?? bins.map((b) => b.builtAt).find(Boolean);
  const summary = info.summary ?? bins.find((b) => b.name === name)?.summary ?? first.summary;
  const patches = ctx.patchSummary?.(name);
  return {
    name,
    binaries: [...new Set(bins.map((b) => b.name))].sort(),
    version: first.version,
    upstreamVersion: first.upstreamVersion,
    architectures: [...new Set(bins.map((b) => b.arch))].sort(),
    channel: suite.channel,
    ...(builtAt ? { builtAt } : {}),
    ...(summary ? { summary } : {}),
    ...(info.homepage ? { homepage: info.homepage } : {}),
    freshness: computeFreshness(first.upstreamVersion, obs, compareUpstreamVersions, ctx.now),
    ...(patches ? { patches } : {}),
    buildLinks: links,
  };
}

/** The model around the suites: names, key, dates. */
export async function modelFrame(recipesRepo: RecipesRepository, suites: SiteSuite[], opts: GatherOptions): Promise<SiteModel> {
  const cfg = recipesRepo.config;
  const key = await readSiteKey(recipesRepo);
  return {
    name: cfg.name,
    label: cfg.label,
    ...(cfg.description ? { description: cfg.description } : {}),
    maintainer: cfg.maintainer,
    ...(cfg.url ? { url: siteUrl(cfg.url) } : {}),
    ...(key ? { key } : {}),
    suites,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    generator: siteGenerator(opts),
  };
}

/** The configured URL as the page links it: no trailing slash. */
export const siteUrl = (url: string): string => url.replace(/\/+$/, '');

/**
 * The page's generator: one name for every writer of the page (publish and `pkgtrack site`); a
 * different one would make each of them re-render every package page the other wrote.
 */
export const siteGenerator = (opts: GatherOptions): string => opts.generator ?? `pkgtrack ${PKGTRACK_VERSION}`;

/** The whole model, every suite read back from its published indexes. */
export async function gatherSiteModel(
  recipesRepo: RecipesRepository,
  outputDir: string,
  store: StateStore,
  opts: GatherOptions = {},
): Promise<GatheredSite & { published: PublishedSuite[] }> {
  const ctx = await packageContext(recipesRepo, outputDir, store, opts, true);
  const published: PublishedSuite[] = [];
  for (const ref of await listPublishedSuites(outputDir)) {
    const s = await readPublishedSuite(outputDir, ref);
    if (s) published.push(s);
  }
  const suites: SiteSuite[] = [];
  for (const s of published) {
    const header = suiteHeader(s, ctx);
    suites.push({ ...header, packages: await suitePackages(header, s.binaries, ctx) });
  }
  return { model: await modelFrame(recipesRepo, suites, opts), extraFiles: ctx.extraFiles, published };
}
