/**
 * The apt implementation of RepoFormat: pool + dists/<suite> with Packages/Sources in three
 * compressions, by-hash copies (SHA256, as Debian's archive), a signed
 * Release/InRelease/Release.gpg, retention, and identity guards.
 *
 * Layout of a suite (suite-link.ts, release-writer.ts):
 *
 *   dists/.generations/<suite>/<gen>/        one directory per generation, named after its
 *        InRelease, Release, Release.gpg        signed files; the indexes (unchanged ones hard
 *        <comp>/binary-<arch>/Packages{,.gz,.xz} linked from the previous generation) and
 *        <comp>/.../by-hash/SHA{256,512}/<hex>   their by-hash names, plus the by-hash files of
 *                                                the kept generations (clients mid-update)
 *   dists/<suite> -> .generations/<suite>/<gen>   THE switch: one symlink rename, so InRelease
 *                                                and every plain index name change together
 *                                                (apt with by-hash off never sees a new
 *                                                InRelease over old Packages, or the reverse)
 *   <root>/.pkgtrack/generations/dists__<suite>.json   the generations kept (pruning)
 *
 * A suite that is a plain directory (published before this layout, or a tree restored from a
 * static host: `cp -rL`, gh-pages) is adopted at the start of a publish once its InRelease
 * verifies with the repository's key: it becomes a generation and the link takes its place in
 * one atomic exchange (renameat2 RENAME_EXCHANGE).
 */
import { ifExists, isDurable } from '../../core/fsutil.js';
import { mapLimit } from '../../core/concurrency.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError, inputError, integrityError, notFound } from '../../core/errors.js';
import { getField } from '../../formats/deb822.js';
import type { TextEdit } from '../../formats/deb-contents.js';
import { gzipSegments } from '../../formats/gzip-segments.js';
import { compareDebVersions } from '../../formats/version-deb.js';
import {
  type ArtifactInput,
  applyRetention,
  checkDowngrades,
  findDowngrades,
  notPublishedError,
  type PackageRef,
  type PublishedPackage,
  type PublishReport,
  type PublishTransaction,
  type RepoContext,
  type RepoFormat,
  type VerifyReport,
} from '../format.js';
import { expandChanges, prepareDeb, prepareDsc, type ReadOptions } from './artifacts.js';
import { changelogPathFor, sourceChangelog } from './changelogs.js';
import { DebReadPool } from './deb-read-pool.js';
import { PackageIdentities } from './identities.js';
import { cutIndex, cutIndexAfter, gzipIndex, LINE, type PublishedIndex, STANZA, xzIndex } from './compress.js';
import { contentsIndexName, releaseHasContents, suiteContentsIndexes } from './contents.js';
import { debugSuiteOf, isDebugSuite, mainSuiteOf, refuseDebugInMainSuite } from '../debug-symbols.js';
import { binaryDir, byHashPaths, checkName, indexForms, sourceDir, suiteDir } from './layout.js';
import { checkIdentity, identityOf, type ParsedRelease, type ReleaseFile, type SuiteIdentity } from './release.js';
import { type GenerationIndex, releaseStands, signAndStageGeneration } from './release-writer.js';
import { adoptPlainSuite, liveGeneration } from './suite-link.js';
import {
  type BinaryEntry,
  emptyComponent,
  listSuites,
  otherSuitesPoolRecord,
  readSuite,
  releaseFiles,
  referencedFiles,
  referencedIn,
  renderPackages,
  renderSources,
  type SuiteContents,
} from './suite-contents.js';

export interface AptSuiteConfig {
  codename?: string;
  notAutomatic?: boolean;
  butAutomaticUpgrades?: boolean;
}

export interface ChannelRule {
  suiteSuffix: string;
  notAutomatic: boolean;
  butAutomaticUpgrades: boolean;
}

export interface AptRepoConfig {
  origin: string;
  label: string;
  description?: string;
  architectures: string[];
  components: string[];
  /** Explicit per-suite identity; otherwise codename = suite name and the channel rule below. */
  suites?: Record<string, AptSuiteConfig>;
  /** Suites ending in this suffix are trunk channels (NotAutomatic/ButAutomaticUpgrades). */
  trunk?: ChannelRule;
  /**
   * The stable channel: its suites (ending in its suffix; every non-trunk suite when the suffix
   * is empty) get its NotAutomatic/ButAutomaticUpgrades, e.g. a backports channel.
   */
  stable?: ChannelRule;
  /** Write Contents-<arch>.gz for every suite (contents.ts). */
  contents?: boolean;
  /** Release `Changelogs:` template; set, each published source's debian/changelog is served for `apt changelog` (changelogs.ts). */
  changelogs?: string;
}

const hex = (h: string, b: Uint8Array) => createHash(h).update(b).digest('hex');
const seconds = (since: bigint) => `${(Number(process.hrtime.bigint() - since) / 1e9).toFixed(2)}s`;

export class AptFormat implements RepoFormat {
  readonly kind = 'apt' as const;
  /** Reader threads started by `warm` for the next publish. */
  private warmPool: DebReadPool | undefined;

  constructor(readonly config: AptRepoConfig) {}

  accepts(file: string): boolean {
    return /\.(deb|dsc|changes)$/.test(file);
  }

  /**
   * A debug suite (`bookworm-debug`) is its main suite's: same Origin, Label + " (debug)",
   * Codename `<codename>-debug`, and its NotAutomatic/ButAutomaticUpgrades, as Debian's archives.
   */
  identityFor(suite: string): SuiteIdentity {
    if (isDebugSuite(suite)) {
      const main = this.identityFor(mainSuiteOf(suite));
      return { ...main, label: `${main.label} (debug)`, suite, codename: debugSuiteOf(main.codename) };
    }
    const s = this.config.suites?.[suite] ?? {};
    const { trunk, stable } = this.config;
    const isTrunk = trunk && trunk.suiteSuffix !== '' && suite.endsWith(trunk.suiteSuffix);
    const channel = isTrunk ? trunk : stable && suite.endsWith(stable.suiteSuffix) ? stable : undefined;
    return {
      origin: this.config.origin,
      label: this.config.label,
      suite,
      codename: s.codename ?? suite,
      notAutomatic: s.notAutomatic ?? channel?.notAutomatic ?? false,
      butAutomaticUpgrades: s.butAutomaticUpgrades ?? channel?.butAutomaticUpgrades ?? false,
    };
  }

  warm(add: readonly ArtifactInput[]): void {
    // Before .changes are expanded: each counts as one read.
    this.warmPool ??= DebReadPool.forMany(add.filter((a) => /\.(deb|changes)$/.test(a.path)).length);
  }

  async cool(): Promise<void> {
    const pool = this.warmPool;
    this.warmPool = undefined;
    await pool?.close();
  }

  async publish(ctx: RepoContext, change: { add: ArtifactInput[]; remove: PackageRef[] }): Promise<PublishReport> {
    // Reader threads take 50-80 ms to start: `warm` started them while the caller loaded keys.
    const warmed = this.warmPool;
    this.warmPool = undefined;
    try {
      return await this.publishWith(ctx, change, warmed);
    } finally {
      await warmed?.close(); // if publishWith failed before it read anything
    }
  }

  private async publishWith(
    ctx: RepoContext,
    change: { add: ArtifactInput[]; remove: PackageRef[] },
    warmed: DebReadPool | undefined,
  ): Promise<PublishReport> {
    const { root, tx, options } = ctx;
    const suite = checkName('suite', options.suite);
    const component = checkName('component', options.component ?? this.config.components[0] ?? 'main');
    const identity = this.identityFor(suite);
    await this.adopt(ctx, suite);
    const contents = await readSuite(root, suite);
    if (contents.release) checkIdentity(identityOf(contents.release), identity);
    const comp = contents.components.get(component) ?? emptyComponent();
    contents.components.set(component, comp);
    const report: PublishReport = { kind: 'apt', suite, added: [], unchanged: [], removed: [], indexes: [] };
    // With Contents, each .deb read now is listed in the same read (not read again for it later).
    const rd: ReadOptions = { cache: ctx.cache, rebuild: options.rebuild, listFiles: this.withContents(ctx, contents) };
    /** Pool path → the files of a package read now (rd.listFiles). */
    const listedNow = new Map<string, string[]>();
    const pkg = (e: { name: string; version: string }, arch: string, files: string[], c = component): PublishedPackage => ({
      suite,
      component: c,
      name: e.name,
      version: e.version,
      arch,
      files,
    });

    // The entries this change puts into the suite: every other entry was there before, and an
    // added version below one of those is a downgrade (checked after reading).
    const addedNow = new Set<object>();
    /** Pool paths this publish adds → the input file with their bytes (Contents reads them before commit). */
    const unpublished = new Map<string, string>();
    const identities = await PackageIdentities.load(root, { suite, contents });
    tx.useRecord(otherSuitesPoolRecord(root, suite));
    const t0 = process.hrtime.bigint();
    // 1. Inputs: .changes expand to the files they list; then .debs and .dscs.
    const items: Array<{ path: string; sha256?: string }> = [];
    for (const a of change.add) {
      if (a.path.endsWith('.changes')) items.push(...(await expandChanges(a.path, rd)).map((path) => ({ path })));
      else items.push(a);
    }
    // .debs are independent: read, hash and copy several at once (IO latency, not CPU, is
    // what a cold publish of thousands of small files waits on).
    const addDeb = async ({ path, sha256 }: { path: string; sha256?: string }) => {
      const p = await prepareDeb(path, component, rd);
      if (sha256 && sha256 !== p.entry.sha256) {
        if (p.staged) await rm(p.staged, { force: true });
        throw integrityError(
          'ARTIFACT_CHANGED',
          `${path} changed since its build manifest was written (SHA-256 differs)`,
          'Rebuild it, or publish the file directly if the change is intended.',
          {
            file: path,
          },
        );
      }
      try {
        refuseDebugInMainSuite(suite, path, p.entry.fields);
      } catch (e) {
        if (p.staged) await rm(p.staged, { force: true });
        throw e;
      }
      const prior = comp.binaries.get(p.entry.filename);
      ctx.progress.debug(`${p.entry.name} ${p.entry.version} ${p.entry.arch}`);
      // Published here already with these bytes (the suite's index says so) and still in the
      // pool: nothing to place, and no need to hash the pool file to know it is the same.
      const published = prior?.sha256 === p.entry.sha256 && !tx.dryRun && tx.poolHas(p.entry.filename);
      if (published && p.staged) await rm(p.staged, { force: true });
      const state = published
        ? 'present'
        : p.staged
          ? await tx.adoptPoolFile(p.entry.filename, p.staged, p.entry.sha256, p.local)
          : await tx.placePoolFile(p.entry.filename, p.local, p.entry.sha256);
      // After the pool's own check (same pool path, other bytes: POOL_IMMUTABLE names the path).
      identities.claim(p.entry, path);
      if (prior && prior.sha256 === p.entry.sha256 && state === 'present')
        report.unchanged.push(pkg(p.entry, p.entry.arch, [p.entry.filename]));
      else report.added.push(pkg(p.entry, p.entry.arch, [p.entry.filename]));
      if (state === 'added') unpublished.set(p.entry.filename, p.local);
      if (p.files) listedNow.set(p.entry.filename, p.files);
      comp.binaries.set(p.entry.filename, p.entry);
      addedNow.add(p.entry);
    };
    const debs = items.filter((i) => i.path.endsWith('.deb'));
    // Many packages: read them on worker threads (one per core) while this thread places files.
    const readPool = warmed ?? DebReadPool.forMany(debs.length);
    rd.pool = readPool;
    if (readPool && !tx.dryRun) {
      rd.stage = { root, tag: tx.tag, component, ...(isDurable(root) ? {} : { link: true }) };
      rd.madeDir = (d, from) => tx.madeDir(d, from);
    }
    try {
      // With reader threads, many in flight: each thread always has a queue (a window of 16 left
      // them idle a quarter of a cold publish, waiting for this thread's next batch).
      await mapLimit(debs, readPool ? 256 : 8, addDeb);
    } finally {
      rd.pool = undefined;
      rd.stage = undefined;
      rd.madeDir = undefined;
      await readPool?.close(); // the threads are not needed for the indexes
    }
    for (const { path } of items) {
      if (path.endsWith('.deb')) {
      } else if (path.endsWith('.dsc')) {
        const p = await prepareDsc(path, component, rd);
        const key = `${p.entry.name}_${p.entry.version}`;
        const prior = comp.sources.get(key);
        if (prior && prior.files[0] !== p.entry.files[0]) {
          throw conflictError('APT_SOURCE_CONFLICT', `${key} is already published with other files`, 'Publish a new version instead.', {
            file: path,
          });
        }
        let fresh = false;
        for (const [local, poolPath, sha] of p.files) fresh = (await tx.placePoolFile(poolPath, local, sha)) === 'added' || fresh;
        if (this.config.changelogs) await placeChangelog(tx, p.files, path);
        (prior && !fresh ? report.unchanged : report.added).push(pkg(p.entry, 'source', p.entry.files));
        comp.sources.set(key, p.entry);
        addedNow.add(p.entry);
      } else {
        throw inputError(
          'APT_UNSUPPORTED_ARTIFACT',
          `${path}: not a .deb, .dsc or .changes`,
          'Pass Debian packages to the apt repository.',
          { file: path },
        );
      }
    }

    checkDowngrades(ctx, findDowngrades(publishedBefore(contents, report.added, addedNow), report.added, compareDebVersions));
    for (const list of [report.added, report.unchanged])
      list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compareDebVersions(a.version, b.version)));
    ctx.progress.debug(`read ${items.length} artifact(s) in ${seconds(t0)}`);
    // 2. Removals, then retention; collect pool files the dropped entries used.
    if (change.remove.length) this.removeRefs(contents, change.remove, suite, report);
    if (options.keepVersions > 0) {
      for (const [cname, c] of contents.components) {
        // Only (name, arch) pairs with more versions than kept can lose one: the others are not
        // handed to the retention at all. Not a spread: an entry read back from the index parses
        // its fields only when they are read.
        const pair = (e: { name: string; arch: string }) => `${e.name}\u0000${e.arch}`;
        const versions = new Map<string, number>();
        for (const e of c.binaries.values()) versions.set(pair(e), (versions.get(pair(e)) ?? 0) + 1);
        const crowded = (e: { name: string; arch: string }) => versions.get(pair(e))! > options.keepVersions;
        const bins = [...c.binaries.values()].filter(crowded).map((e) => ({
          name: e.name,
          version: e.version,
          arch: e.arch,
          filename: e.filename,
          files: [e.filename],
        }));
        for (const d of applyRetention(bins, options.keepVersions, compareDebVersions).drop) {
          c.binaries.delete(d.filename);
          report.removed.push(pkg(d, d.arch, d.files, cname));
        }
        const srcs = [...c.sources.entries()].map(([k, e]) => ({ ...e, key: k, arch: '' }));
        for (const d of applyRetention(srcs, options.keepVersions, compareDebVersions).drop) {
          c.sources.delete(d.key);
          report.removed.push(pkg(d, 'source', d.files, cname));
        }
      }
    }
    // Files no entry uses any more can only be files of the entries just removed: the suite's
    // whole file list is built only when there are some (100,000 paths, twice, on every publish).
    const removedFiles = new Set(report.removed.flatMap((r) => r.files));
    const after = removedFiles.size ? referencedFiles(contents) : new Set<string>();
    const gone = [...removedFiles].filter((f) => !after.has(f));
    if (gone.length) {
      const elsewhere = await this.referencedByOtherSuites(root, suite, gone);
      for (const f of gone) {
        if (elsewhere.has(f)) continue;
        tx.removeAfterCommit(f);
        // The source's changelog leaves with its .dsc (removeAfterCommit ignores a missing file).
        const changelog = changelogPathFor(f);
        if (changelog) tx.removeAfterCommit(changelog);
      }
    }

    // 3. --rebuild: re-read every pool file the suite uses, not trusting its indexes (those of
    //    this change were just read from their inputs: their pool files are not named yet).
    if (options.rebuild) await this.rebuildEntries(ctx, contents, addedNow);

    const t1 = process.hrtime.bigint();
    tx.startDataSync(); // pool bytes reach the disk while the indexes are made
    const written = await this.writeSuite(ctx, suite, identity, contents, component, { unpublished, listed: listedNow });
    if (!written.noChange) await identities.save(tx);
    report.indexes = written.files;
    if (written.noChange) report.noChange = true;
    ctx.progress.debug(`indexes, by-hash and signatures staged in ${seconds(t1)}`);
    return report;
  }

  /** Take what `refs` name out of the suite, in one pass over it; every ref must match something. */
  private removeRefs(contents: SuiteContents, refs: readonly PackageRef[], suite: string, report: PublishReport): void {
    const byName = new Map<string, PackageRef[]>();
    for (const r of refs) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    const matched = new Set<PackageRef>();
    // Every ref the entry fits counts as matched (two refs may name the same package).
    const take = (name: string, version: string, fits: (r: PackageRef) => boolean) => {
      let hit = false;
      for (const r of byName.get(name) ?? []) {
        if ((!r.version || version === r.version) && fits(r)) {
          matched.add(r);
          hit = true;
        }
      }
      return hit;
    };
    for (const [cname, c] of contents.components) {
      for (const [k, e] of c.binaries) {
        if (!take(e.name, e.version, (r) => !r.arch || e.arch === r.arch)) continue;
        c.binaries.delete(k);
        report.removed.push({ suite, component: cname, name: e.name, version: e.version, arch: e.arch, files: [e.filename] });
      }
      for (const [k, e] of c.sources) {
        if (!take(e.name, e.version, (r) => !r.arch || r.arch === 'source')) continue;
        c.sources.delete(k);
        report.removed.push({ suite, component: cname, name: e.name, version: e.version, arch: 'source', files: e.files });
      }
    }
    const missing = refs.filter((r) => !matched.has(r));
    if (missing.length > 0) throw notPublishedError('APT_PACKAGE_NOT_PUBLISHED', missing, suite);
  }

  private async rebuildEntries(ctx: RepoContext, contents: SuiteContents, readNow: ReadonlySet<object>): Promise<void> {
    const all = [...contents.components].flatMap(([cname, c]) =>
      [...c.binaries].filter(([, e]) => !readNow.has(e)).map(([k, e]) => ({ cname, c, k, e })),
    );
    // Many at once, on reader threads when there are many: one after the other on this thread,
    // a --rebuild of 10,000 packages spent ~5 s here.
    const pool = DebReadPool.forMany(all.length);
    try {
      await mapLimit(all, pool ? 256 : 8, async ({ cname, c, k, e }) => {
        const p = await prepareDeb(join(ctx.root, e.filename), cname, { cache: ctx.cache, rebuild: true, pool });
        if (p.entry.filename !== e.filename) {
          throw conflictError(
            'APT_POOL_MISPLACED',
            `${e.filename} holds ${p.entry.filename}`,
            'Remove the stray file from the pool and republish it.',
            { file: e.filename },
          );
        }
        c.binaries.set(k, p.entry);
      });
    } finally {
      await pool?.close();
    }
  }

  /** Which of `files` another suite than `suite` references (those stay in the pool). */
  private async referencedByOtherSuites(root: string, suite: string, files: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const s of await listSuites(root)) {
      const open = files.filter((f) => !out.has(f));
      if (s === suite || open.length === 0) continue;
      for (const f of await referencedIn(root, s, open)) out.add(f);
    }
    return out;
  }

  /** Whether the suite gets Contents indexes (contents.ts): asked for, or already there. */
  private withContents(ctx: RepoContext, contents: SuiteContents): boolean {
    return !!(this.config.contents || ctx.options.contents || releaseHasContents(contents.release));
  }

  /** Render, compress, hash, stage every index of the suite; then Release + signatures. */
  private async writeSuite(
    ctx: RepoContext,
    suite: string,
    identity: SuiteIdentity,
    contents: SuiteContents,
    component: string,
    read: { unpublished: ReadonlyMap<string, string>; listed: ReadonlyMap<string, string[]> },
  ): Promise<{ files: string[]; noChange: boolean }> {
    const archs = new Set([...this.config.architectures, ...contents.architectures]);
    for (const c of contents.components.values()) for (const b of c.binaries.values()) if (b.arch !== 'all') archs.add(b.arch);
    const architectures = [...archs].sort();
    const components = [...new Set([...this.config.components, ...contents.components.keys(), component])];
    const jobs: Array<{
      dir: string;
      name: string;
      text: string | Buffer;
      sha256?: string;
      edits?: TextEdit[];
      previous?: PublishedIndex;
      contents?: boolean;
    }> = [];
    for (const cname of components) {
      const c = contents.components.get(cname) ?? emptyComponent();
      for (const a of architectures) jobs.push({ dir: binaryDir(cname, a), name: 'Packages', text: renderPackages(c, a) });
      jobs.push({ dir: sourceDir(cname), name: 'Sources', text: renderSources(c) });
    }
    const listed = this.withContents(ctx, contents)
      ? await suiteContentsIndexes({ root: ctx.root, suite, contents, components, architectures, ...read, progress: ctx.progress })
      : undefined;
    for (const x of listed?.indexes ?? [])
      jobs.push({
        dir: x.component,
        name: contentsIndexName(x.arch),
        text: x.text,
        sha256: x.sha256,
        contents: true,
        ...(x.edits ? { edits: x.edits } : {}),
        ...(x.previous ? { previous: x.previous } : {}),
      });
    const base = suiteDir(suite);
    // Compress all indexes concurrently: gzip runs on libuv's pool, xz in child processes. Once
    // xz has its input this thread would only wait: the keys unlock (sign/deferred-signer.ts)
    // and, once the change can be signed, the new pool files get their names (tx.placePool).
    let meanwhile: Promise<void> | undefined;
    const whileXz = () => {
      meanwhile ??= (async () => {
        await ctx.signer?.ready?.();
        await ctx.tx.placePool();
      })();
      meanwhile.catch(() => {}); // awaited below
    };
    const compressed = await Promise.all(
      jobs.map(async (j) => {
        const plain = typeof j.text === 'string' ? Buffer.from(j.text, 'utf8') : j.text;
        const plainSha256 = j.sha256 ?? hex('sha256', plain);
        const forms = indexForms(!!j.contents);
        const kept = await publishedVariants(ctx.root, base, contents.release, `${j.dir}/${j.name}`, plain, plainSha256, forms);
        if (kept) return { j, variants: kept };
        const withXz = forms.some((f) => f.suffix === '.xz');
        // A spliced Contents brings the published .gz it was spliced from, already checked.
        const previous = j.previous ?? (await publishedIndex(ctx.root, base, contents.release, `${j.dir}/${j.name}`, withXz));
        // Spliced Contents: cut again only around its changes (the published .gz knows the rest).
        const segments = j.edits && previous.gz ? gzipSegments(previous.gz) : undefined;
        const cut = (segments && cutIndexAfter(plain, segments, j.edits!, LINE)) ?? cutIndex(plain, j.contents ? LINE : STANZA);
        const [gz, xz] = await Promise.all([gzipIndex(plain, previous, cut), withXz ? xzIndex(plain, previous, cut, whileXz) : undefined]);
        const bytesOf = { '': plain, '.gz': gz, '.xz': xz };
        const variants: IndexVariant[] = forms.map(({ suffix, served }) => {
          const bytes = bytesOf[suffix]!;
          const sha256 = suffix === '' ? plainSha256 : hex('sha256', bytes);
          return { bytes, served, file: { path: `${j.dir}/${j.name}${suffix}`, size: bytes.length, sha256 } };
        });
        return { j, variants };
      }),
    );
    const files: ReleaseFile[] = compressed.flatMap((c) => c.variants.map((v) => v.file));
    const release = { identity, architectures, components, files };
    await ctx.signer?.ready?.(); // the Release names the keys
    await meanwhile;
    // Nothing to write only if every index on disk is what the Release lists (publishedVariants
    // checked each): after a kill mid-switch an index can be newer than its Release.
    const onDisk = compressed.every((c) => c.variants.every((v) => !v.bytes));
    if (onDisk && releaseStands(ctx, this.config, contents, release)) {
      ctx.progress.debug(`${suite}: indexes and Release unchanged, still valid: nothing to write`);
      return { files: [], noChange: true };
    }
    const written: string[] = [];
    const indexes: GenerationIndex[] = [];
    for (const { variants } of compressed) {
      for (const { bytes, served, file } of variants) {
        if (!served) continue;
        indexes.push({ file, ...(bytes ? { bytes } : {}) });
        if (bytes) written.push(`${base}/${file.path}`);
      }
    }
    for (const f of listed?.listFiles ?? []) await ctx.tx.stage(f.path, f.data);
    await signAndStageGeneration(ctx, this.config, suite, release, indexes);
    return { files: written, noChange: false };
  }

  async refresh(ctx: RepoContext, suites?: string[]): Promise<PublishReport[]> {
    const out: PublishReport[] = [];
    for (const suite of suites?.length ? suites : await listSuites(ctx.root)) {
      await this.adopt(ctx, checkName('suite', suite));
      const contents = await readSuite(ctx.root, suite);
      if (!contents.release)
        throw notFound('APT_SUITE_NOT_FOUND', `suite ${suite} is not published in ${ctx.root}`, 'Publish something to it first.', {
          field: 'suite',
        });
      const rel = contents.release;
      const base = suiteDir(suite);
      const live = (await liveGeneration(ctx.root, suite)) ?? base;
      // Every index the Release lists and the suite serves, linked into the new generation as it is.
      const indexes = releaseFiles(rel)
        .filter((f) => existsSync(join(ctx.root, live, f.path)))
        .map((file) => ({ file }));
      const list = (n: string) => (getField(rel.fields, n) ?? '').split(/\s+/).filter(Boolean);
      await signAndStageGeneration(
        ctx,
        this.config,
        suite,
        { identity: identityOf(rel), architectures: list('Architectures'), components: list('Components'), files: releaseFiles(rel) },
        indexes,
      );
      out.push({ kind: 'apt', suite, added: [], unchanged: [], removed: [], indexes: [`${base}/Release`] });
    }
    return out;
  }

  /** A suite published as a plain directory (before the link layout, or restored from a static host) becomes a generation. */
  private async adopt(ctx: RepoContext, suite: string): Promise<void> {
    const gen = await adoptPlainSuite(ctx.root, suite, signingKeys(ctx), ctx.tx.dryRun);
    if (gen) ctx.progress.debug(`${suite}: the suite directory is now generation ${gen}`);
  }

  async list(root: string, suite?: string): Promise<PublishedPackage[]> {
    const out: PublishedPackage[] = [];
    for (const s of suite ? [suite] : await listSuites(root)) {
      const contents = await readSuite(root, checkName('suite', s));
      for (const [cname, c] of contents.components) {
        for (const b of c.binaries.values())
          out.push({ suite: s, component: cname, name: b.name, version: b.version, arch: b.arch, files: [b.filename] });
        for (const src of c.sources.values())
          out.push({ suite: s, component: cname, name: src.name, version: src.version, arch: 'source', files: src.files });
      }
    }
    return out;
  }

  async verify(target: string, opts: { keyring?: string; fingerprints?: string[] }): Promise<VerifyReport> {
    // Loaded here: it brings openpgp.js, which a publish loads only with its key (services/keys).
    return (await import('./verify.js')).verifyAptRepo(target, opts);
  }
}

/** One form of an index: `bytes` to write, or none when the published file is kept as it is. */
interface IndexVariant {
  bytes?: Uint8Array;
  served: boolean;
  file: ReleaseFile;
}

/** The repository's armored public keys, asked for only when needed (the keys may still be unlocking); undefined: unsigned. */
function signingKeys(ctx: RepoContext): (() => Promise<string | undefined>) | undefined {
  const signer = ctx.signer;
  if (!signer) return undefined;
  return async () => {
    await signer.ready?.();
    return signer.publicKeysArmored?.();
  };
}

/**
 * The published forms of an index whose text has not changed, when every one of them is on
 * disk as the current Release lists it (and its by-hash copies are there): republishing then
 * neither recompresses it (xz -6 of a big Packages is most of a republish) nor rewrites it.
 * The files are checked, not trusted: after a publisher was killed mid-switch the index on
 * disk can be newer than the Release that lists it.
 */
async function publishedVariants(
  root: string,
  base: string,
  release: ParsedRelease | undefined,
  path: string,
  plain: Buffer,
  plainSha256: string,
  forms: ReturnType<typeof indexForms>,
): Promise<IndexVariant[] | undefined> {
  const listed = release?.files.get(path);
  if (!listed?.sha256 || listed.size !== plain.length || plainSha256 !== listed.sha256) return undefined;
  const dir = path.slice(0, path.lastIndexOf('/'));
  const out: IndexVariant[] = [];
  for (const { suffix, served } of forms) {
    if (suffix === '') {
      if (served && !(await ifExists(readFile(join(root, base, path))))?.equals(plain)) return undefined;
      out.push({ served, file: { path, size: plain.length, sha256: plainSha256 } });
      continue;
    }
    const f = release!.files.get(`${path}${suffix}`);
    if (!f?.sha256) return undefined;
    const bytes = await ifExists(readFile(join(root, base, `${path}${suffix}`)));
    if (!bytes || bytes.length !== f.size || hex('sha256', bytes) !== f.sha256) return undefined;
    if (byHashPaths(dir, { sha256: f.sha256 }).some((p) => !existsSync(join(root, base, p)))) return undefined;
    out.push({ served, file: { path: `${path}${suffix}`, size: f.size, sha256: f.sha256 } });
  }
  return out;
}

/**
 * The published .gz of an index (and its .xz with the plain text), when on disk as the current
 * Release lists them: the pieces of the text that did not change are taken from them (compress.ts).
 */
async function publishedIndex(
  root: string,
  base: string,
  release: ParsedRelease | undefined,
  path: string,
  withXz: boolean,
): Promise<PublishedIndex> {
  const read = async (p: string) => {
    const listed = release?.files.get(p);
    const bytes = listed?.sha256 ? await ifExists(readFile(join(root, base, p))) : undefined;
    return bytes && bytes.length === listed!.size && hex('sha256', bytes) === listed!.sha256 ? bytes : undefined;
  };
  // The .gz names its segments' text, and so the .xz blocks cut at the same places (compress.ts):
  // the old plain text is read only when there is no usable .gz.
  const [gz, xz] = await Promise.all([read(`${path}.gz`), withXz ? read(`${path}.xz`) : undefined]);
  const plain = xz && !(gz && gzipSegments(gz)) ? await read(path) : undefined;
  return { ...(gz ? { gz } : {}), ...(xz ? { xz } : {}), ...(plain ? { plain } : {}) };
}

export { listSuites };
export type { BinaryEntry };

/**
 * Serve the debian/changelog of a source package being published at its `apt changelog` path
 * (changelogs.ts), unless it is there already. A source whose changelog cannot be read (1.0
 * diff.gz, bzip2) is published without one: apt then says "Changelog unavailable", as before.
 */
async function placeChangelog(tx: PublishTransaction, files: ReadonlyArray<readonly [string, string, string]>, dsc: string): Promise<void> {
  const rel = changelogPathFor(files[0]![1]);
  if (!rel || tx.poolHas(rel)) return;
  const text = sourceChangelog(files.slice(1).map(([local, poolPath]) => ({ name: poolPath, bytes: () => readFileSync(local) })));
  if (text === undefined) return;
  const tmp = await tx.poolTempFor(rel);
  const bytes = Buffer.from(text, 'utf8');
  await writeFile(tmp, bytes);
  await tx.adoptPoolFile(rel, tmp, createHash('sha256').update(bytes).digest('hex'), dsc);
}

/**
 * The entries of the suite's own names that were there before this change (`addedNow` holds the
 * entries it put in): what an added version is compared with for a downgrade. Only names being
 * added matter, so the suite's other entries are not copied.
 */
function publishedBefore(
  contents: SuiteContents,
  added: ReadonlyArray<{ name: string }>,
  addedNow: ReadonlySet<object>,
): Array<{ name: string; arch: string; version: string }> {
  const names = new Set(added.map((a) => a.name));
  const out: Array<{ name: string; arch: string; version: string }> = [];
  if (names.size === 0) return out;
  for (const c of contents.components.values()) {
    for (const e of c.binaries.values())
      if (names.has(e.name) && !addedNow.has(e)) out.push({ name: e.name, arch: e.arch, version: e.version });
    for (const e of c.sources.values())
      if (names.has(e.name) && !addedNow.has(e)) out.push({ name: e.name, arch: 'source', version: e.version });
  }
  return out;
}
