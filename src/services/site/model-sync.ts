/**
 * The page model kept in the output dir's state store (migration 095-site-model), and what a
 * page write after a publish needs from it: which packages changed, with their rows, instead of
 * every suite read back and every package rendered and hashed.
 *
 * The stored rows of a suite hold while its stamp (stamp.ts) is the one they were taken at. A
 * publish hands over, per suite it changed, the binary names it touched and the stamps before
 * and after: when `before` is the stored stamp and `after` the current one, only those names
 * are read again (their stanzas, found by name in the plain Packages). A suite that changed
 * otherwise is read whole and compared with its stored rows; a new suite is read, a gone one
 * dropped. Everything else a package page shows (names, URL, targets, upstream observations,
 * builds, recipes, patch report, the day) is summed up in the context key: when that changed,
 * the whole model is gathered again and stored anew (the full pass).
 *
 * The stored model is updated before the files are written, with the names the write changes
 * marked pending; the mark goes once the site record is written, so a write cut short is
 * redone for those names by the next one.
 */
import { hash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ifExists, readFileIfExistsSync } from '../../core/fsutil.js';
import { listRecipeNames, type RecipesRepository, RECIPE_FILE } from '../../recipe/load.js';
import { ICON_SVG, STYLE_CSS } from '../../site/assets.js';
import { newestFirst, type SiteModel, type SiteSuite } from '../../site/model.js';
import { FIRST_PAGE_ROWS } from '../../site/render-page.js';
import { PACKAGE_INDEX, type PackageEntry, packageIndexJson, splicePackageIndex } from '../../site/render-package.js';
import { type SiteModelChange, type StoredBinary, siteModelTable } from '../../state/site-model-table.js';
import type { StateStore } from '../../state/store.js';
import { buildsTable, ObservationsTable, siteRecordTable } from '../../state/tables.js';
import {
  type GatherOptions,
  gatherSiteModel,
  groupBySource,
  modelFrame,
  namesWithBuildDirs,
  type PackageContext,
  PATCH_REPORT_HTML,
  PATCH_REPORT_JSON,
  packageContext,
  sitePackage,
  siteGenerator,
  siteUrl,
  suiteHeader,
} from './gather.js';
import {
  type IndexedBinary,
  listPublishedSuites,
  type PublishedSuite,
  readAptNames,
  readAptSuite,
  readPublishedSuite,
  type SuiteRef,
} from './read.js';
import type { SiteInput } from './site.js';
import { suiteStamp } from './stamp.js';

/** What one publish changed in one suite. */
export interface SuiteChange {
  kind: 'apt' | 'yum';
  /** Output-relative folder of the repository (`apt`, `yum`). */
  root: string;
  suite: string;
  /** Binary package names added or removed. */
  names: string[];
  /** The suite's stamp before and after the change (undefined: no metadata). */
  before: string | undefined;
  after: string | undefined;
}

/** Bump when what is stored (rows, headers) changes shape: every model is then gathered anew. */
const MODEL_VERSION = 1;

const sha256 = (data: string | Uint8Array) => hash('sha256', data, 'hex');
/** The (UTC) day a page is rendered on. */
const dayOf = (opts: GatherOptions) => (opts.now ?? new Date()).toISOString().slice(0, 10);
const suiteId = (kind: string, root: string, suite: string) => JSON.stringify([kind, root, suite]);

/** Everything a package's page depends on besides its own rows, as one key. */
async function contextKey(
  recipesRepo: RecipesRepository,
  outputDir: string,
  rootStore: StateStore,
  recipeNames: readonly string[],
  opts: GatherOptions,
): Promise<string> {
  const cfg = recipesRepo.config;
  // By content, not mtime: a CI job's fresh checkout dates every file anew, and would make each
  // of its publishes render every package again.
  // Read synchronously: small local files, one after the other through the thread pool (four
  // round trips each) kept a publish in a repository of 2,000 recipes waiting ~0.5 s.
  const recipes = recipeNames.map((name) => {
    const text = readFileIfExistsSync(join(recipesRepo.root, 'recipes', name, RECIPE_FILE));
    return `${name}:${text ? sha256(text) : ''}`;
  });
  const report = await ifExists(readFile(join(outputDir, PATCH_REPORT_JSON)));
  const reportHtml = await stat(join(outputDir, PATCH_REPORT_HTML)).then(
    () => true,
    () => false,
  );
  return sha256(
    JSON.stringify([
      MODEL_VERSION,
      cfg.label,
      siteGenerator(opts),
      cfg.url ? siteUrl(cfg.url) : '',
      sha256(STYLE_CSS + ICON_SVG),
      cfg.targets,
      cfg.channels,
      new ObservationsTable(rootStore).stamp(),
      buildsTable(rootStore).stamp(),
      report ? sha256(report) : '',
      reportHtml,
      recipes,
    ]),
  );
}

interface CurrentSuite extends SuiteRef {
  id: string;
  stamp: string;
}

/** The suites published now, in page order, with their stamps. */
async function currentSuites(outputDir: string): Promise<CurrentSuite[]> {
  const out: CurrentSuite[] = [];
  for (const ref of await listPublishedSuites(outputDir)) {
    const stamp = suiteStamp(join(outputDir, ref.root), ref.kind, ref.dir);
    if (stamp) out.push({ ...ref, id: suiteId(ref.kind, ref.root, ref.suite), stamp });
  }
  return out;
}

const toStored = (suite: string, b: IndexedBinary): StoredBinary => ({ suite, name: b.name, source: b.source, row: JSON.stringify(b) });

/**
 * The same rows, in any order: a partial write stores a changed name's rows after the others
 * (the table keeps them in insertion order), a whole read has them in the index's order. Compared
 * in order, every whole pass after a publish stored the suite's rows again (100,000 at 100,000).
 */
function sameRows(a: readonly StoredBinary[], b: readonly StoredBinary[]): boolean {
  if (a.length !== b.length) return false;
  const byNameRow = (x: StoredBinary, y: StoredBinary) =>
    x.name < y.name ? -1 : x.name > y.name ? 1 : x.row < y.row ? -1 : x.row > y.row ? 1 : 0;
  const [sa, sb] = [[...a].sort(byNameRow), [...b].sort(byNameRow)];
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x.row !== y.row || x.name !== y.name || x.source !== y.source || x.suite !== y.suite) return false;
  }
  return true;
}

/** Sources whose rows differ between two row sets of one suite. */
function changedSources(before: readonly StoredBinary[], after: readonly StoredBinary[]): string[] {
  const group = (rows: readonly StoredBinary[]) => {
    const m = new Map<string, string[]>();
    for (const r of rows) {
      const list = m.get(r.source);
      if (list) list.push(r.row);
      else m.set(r.source, [r.row]);
    }
    return new Map([...m].map(([k, v]) => [k, v.sort().join('\n')]));
  };
  const a = group(before);
  const b = group(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((n) => a.get(n) !== b.get(n));
}

export interface SiteSyncOptions extends GatherOptions {
  /** What the publish just changed; without it (or when it does not line up) suites are compared whole. */
  changes?: readonly SuiteChange[];
}

/**
 * The input of the page write after a publish, with the stored model brought up to date: the
 * changed packages only when the stored model and the site's files allow it, else the whole model.
 */
export async function syncSite(
  recipesRepo: RecipesRepository,
  outputDir: string,
  rootStore: StateStore,
  outStore: StateStore,
  opts: SiteSyncOptions,
): Promise<SiteInput> {
  const table = siteModelTable(outStore);
  const suites = await currentSuites(outputDir);
  const recipeNames = await listRecipeNames(recipesRepo);
  const context = await contextKey(recipesRepo, outputDir, rootStore, recipeNames, opts);
  const packageIndex = await ifExists(readFile(join(outputDir, PACKAGE_INDEX), 'utf8'));
  const recordedIndex = siteRecordTable(outStore).files().get(PACKAGE_INDEX);
  const partialOk =
    !opts.patchSummary &&
    table.context() === context &&
    packageIndex !== undefined &&
    recordedIndex !== undefined &&
    !recordedIndex.previous &&
    recordedIndex.hash === sha256(packageIndex);
  if (!partialOk) return fullPass(recipesRepo, outputDir, rootStore, outStore, opts, suites, context);

  const ctx = await packageContext(recipesRepo, outputDir, rootStore, opts, false, recipeNames);
  const stored = table.suites();
  const change: SiteModelChange = {
    pending: [],
    suitesCleared: [],
    suitesRemoved: [],
    suitesUpserted: [],
    namesCleared: [],
    rowsInserted: [],
  };
  const changed = new Set<string>([...table.pending(), ...namesWithBuildDirs(ctx)]);
  // Freshness counts whole days behind upstream: on a new day the pages of packages upstream is
  // tracked for are rendered again (a package without observations shows no date).
  const day = dayOf(opts);
  if (table.day() !== day) for (const n of new ObservationsTable(rootStore).recipes()) changed.add(n);
  change.day = day;
  const headers = new Map<string, SiteSuite>();
  const readAgain = (s: CurrentSuite, read: PublishedSuite) => {
    const header = suiteHeader(read, ctx);
    headers.set(s.id, header);
    change.suitesUpserted.push([s.id, s.stamp, JSON.stringify(header)]);
  };
  const current = new Set(suites.map((s) => s.id));
  for (const [id] of stored) {
    if (current.has(id)) continue;
    for (const r of table.rowsOfSuite(id)) changed.add(r.source);
    change.suitesRemoved.push(id);
  }
  for (const s of suites) {
    const old = stored.get(s.id);
    if (old?.stamp === s.stamp) {
      headers.set(s.id, JSON.parse(old.header) as SiteSuite);
      continue;
    }
    const hint = opts.changes?.find((c) => c.kind === s.kind && c.root === s.root && c.suite === s.suite);
    const fresh =
      old && hint && hint.before === old.stamp && hint.after === s.stamp ? await readNames(outputDir, s, hint.names) : undefined;
    if (fresh) {
      for (const n of table.sourcesOfNames(s.id, hint!.names)) changed.add(n);
      for (const b of fresh.binaries) changed.add(b.source);
      change.namesCleared.push([s.id, hint!.names]);
      change.rowsInserted.push(...fresh.binaries.map((b) => toStored(s.id, b)));
      readAgain(s, fresh.header);
      continue;
    }
    const whole = await readPublishedSuite(outputDir, s);
    if (!whole) return fullPass(recipesRepo, outputDir, rootStore, outStore, opts, suites, context);
    const rows = whole.binaries.map((b) => toStored(s.id, b));
    for (const n of changedSources(old ? table.rowsOfSuite(s.id) : [], rows)) changed.add(n);
    change.suitesCleared.push(s.id);
    change.rowsInserted.push(...rows);
    readAgain(s, whole);
  }
  change.pending = [...changed];
  table.apply(change);
  // Debug suites show their first binary name, which the stored rows now tell.
  for (const s of suites) {
    const h = headers.get(s.id)!;
    if (!h.debugFor) continue;
    const example = table.firstName(s.id);
    if (example) h.binaryExample = example;
    else delete h.binaryExample;
  }

  const ordered = suites.map((s) => ({ id: s.id, header: headers.get(s.id)! }));
  const rowsOf = rowsBuilder(ordered, ctx);
  const changedRows = await rowsOf(table.rowsOfSources([...changed]));
  const entries = new Map<string, PackageEntry | undefined>();
  for (const n of changed) entries.set(n, undefined);
  for (const [n, e] of changedRows) entries.set(n, e);
  const spliced = splicePackageIndex(packageIndex, entries);
  // No package left (or a file it could not read): the whole pass, which writes no packages.json then.
  if (spliced === undefined || spliced === packageIndexJson([]))
    return fullPass(recipesRepo, outputDir, rootStore, outStore, opts, suites, context);
  const frame = await modelFrame(
    recipesRepo,
    ordered.map((o) => o.header),
    opts,
  );
  return {
    extraFiles: ctx.extraFiles,
    partial: {
      changed: entries,
      packageIndex: spliced,
      frame,
      async indexModel(changedAt) {
        // The rows of listed packages that did not change: built again for the page, their build files already in place.
        const listedCtx: PackageContext = { ...ctx, extraFiles: [] };
        const listedRows = rowsBuilder(ordered, listedCtx);
        const out: SiteSuite[] = [];
        const listedAt = new Map<string, string>();
        for (const { id, header } of ordered) {
          const total = table.sourceCount(id);
          const recent = table
            .recentSources(id, FIRST_PAGE_ROWS + changed.size, total <= 4 * FIRST_PAGE_ROWS)
            .filter((r) => !changed.has(r.name));
          for (const e of changedRows.values()) {
            const place = e.places.find((p) => p.suite === header);
            if (place) recent.push({ name: e.name, at: changedAt.get(e.name) ?? '' });
          }
          recent.sort(newestFirst);
          const shown = recent.slice(0, FIRST_PAGE_ROWS);
          for (const r of shown) listedAt.set(r.name, r.at);
          const others = await listedRows(table.rowsOfSources(shown.map((r) => r.name).filter((n) => !changed.has(n))));
          const pkgs = shown.map((r) => (changedRows.get(r.name) ?? others.get(r.name))?.places.find((p) => p.suite === header)?.pkg);
          out.push({ ...header, packages: pkgs.filter((p) => p !== undefined), total });
        }
        return { model: { ...frame, suites: out }, changedAt: listedAt };
      },
    },
    done: () => table.clearPending(),
  };
}

/** Rows of a few binaries of one suite: the named ones. */
async function readNames(
  outputDir: string,
  s: CurrentSuite,
  names: readonly string[],
): Promise<{ header: PublishedSuite; binaries: IndexedBinary[] } | undefined> {
  const wanted = new Set(names);
  if (s.kind === 'apt') {
    const header = await readAptSuite(outputDir, s.root, s.suite, true);
    const binaries = header && (await readAptNames(outputDir, header, names));
    if (header && binaries) return { header, binaries };
  }
  // yum (its header counts every binary) and apt without plain Packages: the suite whole.
  const whole = await readPublishedSuite(outputDir, s);
  return whole && { header: whole, binaries: whole.binaries.filter((b) => wanted.has(b.name)) };
}

/** Turns stored rows into package entries (one per source, places in suite order). */
function rowsBuilder(ordered: ReadonlyArray<{ id: string; header: SiteSuite }>, ctx: PackageContext) {
  return async (rows: readonly StoredBinary[]): Promise<Map<string, PackageEntry>> => {
    const bySuite = new Map<string, IndexedBinary[]>();
    for (const r of rows) {
      const list = bySuite.get(r.suite);
      const b = JSON.parse(r.row) as IndexedBinary;
      if (list) list.push(b);
      else bySuite.set(r.suite, [b]);
    }
    const out = new Map<string, PackageEntry>();
    for (const { id, header } of ordered) {
      const bins = bySuite.get(id);
      if (!bins) continue;
      for (const [name, group] of groupBySource(header.kind, bins)) {
        let e = out.get(name);
        if (!e) out.set(name, (e = { name, places: [] }));
        e.places.push({ suite: header, pkg: await sitePackage(header, name, group, ctx) });
      }
    }
    return out;
  };
}

/** The whole model (every suite read back), stored anew: `pkgtrack site`. */
export async function wholeSite(
  recipesRepo: RecipesRepository,
  outputDir: string,
  rootStore: StateStore,
  outStore: StateStore,
  opts: GatherOptions,
): Promise<SiteInput & { model: SiteModel }> {
  const suites = await currentSuites(outputDir);
  const context = await contextKey(recipesRepo, outputDir, rootStore, await listRecipeNames(recipesRepo), opts);
  return fullPass(recipesRepo, outputDir, rootStore, outStore, opts, suites, context);
}

/** Gather the whole model and store it anew. */
async function fullPass(
  recipesRepo: RecipesRepository,
  outputDir: string,
  rootStore: StateStore,
  outStore: StateStore,
  opts: GatherOptions,
  suites: readonly CurrentSuite[],
  context: string,
): Promise<SiteInput & { model: SiteModel }> {
  const { model, extraFiles, published } = await gatherSiteModel(recipesRepo, outputDir, rootStore, opts);
  const table = siteModelTable(outStore);
  const stamps = new Map(suites.map((s) => [s.id, s.stamp]));
  const stored = table.suites();
  // No context until the files are written: a pass cut short is done whole again.
  const change: SiteModelChange = {
    context: '',
    pending: [],
    suitesCleared: [],
    suitesRemoved: [],
    suitesUpserted: [],
    namesCleared: [],
    rowsInserted: [],
  };
  const kept = new Set<string>();
  for (const [i, s] of published.entries()) {
    const id = suiteId(s.kind, s.root, s.suite);
    const stamp = stamps.get(id);
    if (!stamp) continue; // gone while read: the next write reads it again
    const { packages: _, ...header } = model.suites[i]!;
    change.suitesUpserted.push([id, stamp, JSON.stringify({ ...header, packages: [] })]);
    const rows = s.binaries.map((b) => toStored(id, b));
    // The same signed metadata, read into the same rows: they stay (a whole pass over 100,000
    // packages spent 0.4 s deleting and inserting them again; reading and comparing, a third).
    if (stored.get(id)?.stamp === stamp && sameRows(table.rowsOfSuite(id), rows)) kept.add(id);
    else change.rowsInserted.push(...rows);
  }
  change.suitesRemoved = [...stored.keys()].filter((id) => !kept.has(id));
  table.apply(change);
  // A patch summary handed in (not the published report's) is no context a later write can trust.
  return { model, extraFiles, done: () => table.setContext(opts.patchSummary ? '' : context, dayOf(opts)) };
}
