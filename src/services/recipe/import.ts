/**
 * `pkgtrack recipe import <source>`: a recipe from existing packaging. Sources: a .dsc, an
 * unpacked Debian source tree, a debian/ directory, an RPM .spec, or debian:<package>[/<suite>]
 * (downloaded from the archive, checked against the signed Sources index). debian/patches
 * become patches/ byte for byte, debian/watch becomes the upstream section, spec PatchN lines
 * and the comments above them become series entries with DEP-3 headers. The recipe folder is
 * built aside and renamed into place, so a failed import leaves nothing behind.
 */
import { cp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { conflictError, inputError, notFound } from '../../core/errors.js';
import { exists, ifExists } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { findRecipesRepositoryRoot, loadRecipe, loadRecipesRepository, resolveTargets } from '../../recipe/load.js';
import type { UpstreamConfig } from '../../recipe/schema.js';
import { parseDsc } from '../../formats/deb-control.js';
import { firstStanzaRecord } from '../../formats/deb822.js';
import { extractArchive } from '../../patches/extract.js';
import { parsePatchHeader } from '../../patches/header.js';
import { rewriteStrip } from '../../patches/normalize.js';
import { formatSeries, parseSeries } from '../../patches/series.js';
import { parseSpec } from '../../patches/spec-import.js';
import { importSpecAsTemplate } from '../../builders/rpm/spec-init.js';
import { importDebianWatch } from '../../upstream/watch-import.js';
import { downloadDebianSource } from '../fetch/fetch.js';
import { debianSourcesIndex, findDebianSources } from '../fetch/source-cache-debian.js';
import { cacheDir } from '../fetch/source-cache.js';
import { makeDirs } from '../../core/dirs.js';

export interface ImportOptions {
  recipesDir?: string;
  /** Recipe name (default: the source package name). */
  name?: string;
  /** Replace an existing recipe of that name. */
  force?: boolean;
  /**
   * Backport targets (`debian:bookworm`): the recipe builds for them only, records the version
   * each one ships (the build's .changes starts there), and follows the suite the packaging
   * came from, so the packaging and the upstream version stay together.
   */
  for?: string[];
  /** Accept a Release past its Valid-Until (a frozen mirror), as apt's Check-Valid-Until=false; written into the recipe. */
  checkValidUntil?: boolean;
  progress?: Progress;
}

export interface ImportResult {
  recipe: string;
  dir: string;
  from: 'dsc' | 'source-tree' | 'debian-dir' | 'spec' | 'debian-archive';
  upstream: UpstreamConfig;
  patches: string[];
  /** The targets the recipe names, when the import chose them (--for, or no spec for rpm ones). */
  targets?: string[];
  notes: string[];
}

interface Draft {
  name: string;
  config: Record<string, unknown>;
  /** Files to place: relative path in the recipe → absolute source path (copied). */
  copies: { from: string; to: string; filter?: (src: string) => boolean }[];
  writes: { to: string; data: string | Buffer }[];
  patches: string[];
  notes: string[];
}

/**
 * The binary package a summary comes from: the one named like the source, else the first that
 * is not a -dev, -doc, -dbg or -data companion, else the first.
 */
function mainBinary(binaries: Record<string, string>[], source: string): Record<string, string> | undefined {
  return (
    binaries.find((b) => b.Package === source) ??
    binaries.find((b) => !/-(dev|doc|dbg|dbgsym|data|common|tests?)$/.test(b.Package ?? '') && !/^lib.*-dev$/.test(b.Package ?? '')) ??
    binaries[0]
  );
}

function packageName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9+.-]/g, '-');
  return /^[a-z0-9][a-z0-9+.-]+$/.test(n) ? n : `pkg-${n}`;
}

async function fromDebianDir(debianDir: string, notes: string[]): Promise<Draft> {
  const control = await readFile(join(debianDir, 'control'), 'utf8').catch(() => {
    throw notFound(
      'IMPORT_NO_CONTROL',
      `${debianDir}/control does not exist`,
      'Point recipe import at a Debian source tree, its debian/ folder or a .dsc.',
    );
  });
  const src = firstStanzaRecord(control, join(debianDir, 'control'));
  const stanzas = control.split(/\n\s*\n/).filter((t) => t.trim() !== '');
  const binaries = stanzas.slice(1).map((t) => firstStanzaRecord(t, join(debianDir, 'control')));
  const source = src.Source;
  if (!source)
    throw inputError('IMPORT_NO_SOURCE', `${debianDir}/control has no Source field`, 'Fix debian/control.', {
      file: join(debianDir, 'control'),
      field: 'Source',
    });
  const watchText = await ifExists(readFile(join(debianDir, 'watch'), 'utf8'));
  // upstream, versions and the signature URL from the watch importer (src/upstream/watch-import.ts).
  let watch: { upstream: UpstreamConfig; tagPattern?: string; mangle: { from: string; to: string }[]; signatureUrl?: string } | undefined;
  if (watchText) {
    try {
      const w = importDebianWatch(watchText, { packageName: source, file: join(debianDir, 'watch') });
      notes.push(...w.warnings);
      watch = {
        upstream: w.upstream,
        mangle: w.versions.mangle,
        ...(w.versions.tagPattern ? { tagPattern: w.versions.tagPattern } : {}),
        ...(w.signatureUrl ? { signatureUrl: w.signatureUrl } : {}),
      };
    } catch (e) {
      notes.push(`debian/watch not imported: ${(e as Error).message}`);
    }
  }
  if (!watch) notes.push('no usable debian/watch: the recipe follows the Debian archive (sid)');
  const upstream: UpstreamConfig = watch?.upstream ?? {
    kind: 'debian',
    package: source,
    suite: 'sid',
    component: 'main',
    archive: 'http://deb.debian.org/debian',
  };
  const config: Record<string, unknown> = { name: packageName(source) };
  const summary = mainBinary(binaries, source)?.Description?.split('\n')[0]?.trim();
  if (summary) config.summary = summary;
  if (src.Homepage && /^https?:\/\//.test(src.Homepage)) config.homepage = src.Homepage;
  config.upstream = upstream;
  if (watch?.tagPattern && upstream.kind !== 'debian') {
    config.versions = { tagPattern: watch.tagPattern, ...(watch.mangle.length ? { mangle: watch.mangle } : {}) };
  } else if (upstream.kind === 'debian') {
    config.versions = { tagPattern: '^(?<version>.+)$' };
  }
  const hasKey = await exists(join(debianDir, 'upstream', 'signing-key.asc'));
  // The watch file's signature template belongs to the watch file's URLs: only an http upstream
  // keeps them (a Debian archive upstream has its own .asc; GitHub's are release assets).
  if (hasKey && watch?.signatureUrl && upstream.kind === 'http')
    config.source = { signatureUrl: watch.signatureUrl, upstreamKey: 'debian/upstream/signing-key.asc' };
  else if (hasKey)
    notes.push('debian/upstream/signing-key.asc kept, but no signature URL is known: set source.signatureUrl to verify upstream');
  const patchesDir = join(debianDir, 'patches');
  const draft: Draft = { name: config.name as string, config, copies: [], writes: [], patches: [], notes };
  draft.copies.push({ from: debianDir, to: 'debian', filter: (p) => !p.startsWith(`${patchesDir}/`) && p !== patchesDir });
  if (await exists(patchesDir)) {
    draft.copies.push({ from: patchesDir, to: 'patches' });
    const series = (await ifExists(readFile(join(patchesDir, 'series'), 'utf8'))) ?? '';
    draft.patches = series
      .split('\n')
      .map(
        (l) =>
          l
            .replace(/(?:^|\s+)#.*$/, '')
            .trim()
            .split(/\s+/)[0] ?? '',
      )
      .filter(Boolean);
  }
  return draft;
}

async function fromSpec(specFile: string, notes: string[]): Promise<Draft> {
  const text = await readFile(specFile, 'utf8');
  const spec = parseSpec(text);
  if (!spec.name) throw inputError('IMPORT_SPEC_NO_NAME', `${specFile} has no Name:`, 'Fix the spec.', { file: specFile, field: 'Name' });
  const name = packageName(spec.name);
  const config: Record<string, unknown> = { name };
  if (spec.summary) config.summary = spec.summary;
  if (spec.url && /^https?:\/\//.test(spec.url)) config.homepage = spec.url;
  if (spec.license) config.license = spec.license;
  const s0 = spec.source0 ?? '';
  const gh = /^https?:\/\/github\.com\/([^/]+)\/([^/]+)\//.exec(s0);
  if (gh) config.upstream = { kind: 'github', repo: `${gh[1]}/${gh[2]}`, use: 'tags' };
  else if (/^https?:\/\//.test(s0) && spec.version && s0.includes(spec.version)) {
    const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const file = basename(s0);
    config.upstream = {
      kind: 'http',
      url: s0.slice(0, s0.length - file.length),
      pattern: esc(file).replace(esc(spec.version), '(?<version>[0-9][0-9A-Za-z.+~]*)'),
    };
    config.source = { url: s0.replaceAll(spec.version, '{version}') };
  } else {
    config.upstream = { kind: 'debian', package: name, suite: 'sid', component: 'main', archive: 'http://deb.debian.org/debian' };
    notes.push(
      `Source0 (${s0 || 'none'}) is not an http(s) URL with the version in it; the recipe follows the Debian archive: fix upstream by hand`,
    );
  }
  if (spec.release && /^[0-9][A-Za-z0-9.+~]*$/.test(spec.release)) config.revision = spec.release;
  // The spec becomes a pkgtrack template: PatchN lines move to the series, %setup + %patch → %autosetup -p1.
  const template = importSpecAsTemplate(text, specFile);
  notes.push(...template.notes.map((n) => `${name}.spec: ${n}`));
  const draft: Draft = { name, config, copies: [], writes: [{ to: `${name}.spec`, data: template.template }], patches: [], notes };
  const entries: { name: string; strip: number }[] = [];
  for (const p of spec.patches) {
    const path = join(dirname(specFile), p.file);
    const bytes = await readFile(path).catch(() => {
      throw notFound(
        'IMPORT_PATCH_MISSING',
        `Patch${p.number}: ${p.file} is not next to ${basename(specFile)}`,
        'Put the patch files beside the spec (as in SOURCES/), then import again.',
        { file: specFile, line: p.line },
      );
    });
    let out: Buffer = bytes;
    const header = parsePatchHeader(bytes.toString('utf8'));
    if (header.style === 'none' && p.comment.length) {
      // The spec comment becomes the patch's DEP-3 header, so deb and rpm share one description.
      const [first, ...rest] = p.comment;
      const dep3 = `Description: ${first}\n${rest.map((r) => ` ${r.trim() === '' ? '.' : r}\n`).join('')}Origin: ${basename(specFile)} Patch${p.number}\n---\n`;
      out = Buffer.concat([Buffer.from(dep3, 'utf8'), bytes]);
    }
    draft.writes.push({ to: join('patches', p.file), data: out });
    entries.push({ name: p.file, strip: p.strip });
    draft.patches.push(p.file);
  }
  if (entries.length) draft.writes.push({ to: join('patches', 'series'), data: formatSeries(entries) });
  return draft;
}

export async function importRecipe(source: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const recipesRepo = await loadRecipesRepository(await findRecipesRepositoryRoot(opts.recipesDir));
  const notes: string[] = [];
  const tmpRoot = join(recipesRepo.root, '.pkgtrack', 'work', `import-${process.pid}-${Date.now()}`);
  await makeDirs(tmpRoot);
  try {
    let from: ImportResult['from'];
    let draft: Draft;
    const archive = /^debian:([a-z0-9][a-z0-9+.-]+)(?:\/([a-z0-9-]+))?$/.exec(source);
    let dscPath: string | undefined;
    if (archive) {
      opts.progress?.step(`downloading ${archive[1]} from the Debian archive`);
      const got = await downloadDebianSource(archive[1]!, join(tmpRoot, 'download'), {
        suite: archive[2] ?? 'sid',
        cacheDir: await cacheDir(recipesRepo.root),
        ...(opts.checkValidUntil === false ? { checkValidUntil: false } : {}),
        ...(opts.progress ? { progress: opts.progress } : {}),
      });
      dscPath = got.dsc;
      from = 'debian-archive';
    } else if (source.endsWith('.dsc')) {
      dscPath = resolve(source);
      from = 'dsc';
    }
    if (dscPath) {
      const dscText = await readFile(dscPath, 'utf8').catch(() => {
        throw notFound('IMPORT_SOURCE_NOT_FOUND', `${source} does not exist`, 'Give the path of a .dsc whose files sit beside it.');
      });
      const dsc = parseDsc(dscText, dscPath);
      const debianTar = dsc.files.find((f) => /\.debian\.tar\.[a-z0-9]+$/.test(f.name));
      if (!debianTar)
        throw inputError(
          'IMPORT_DSC_FORMAT',
          `${basename(dscPath)} (format ${dsc.format}) has no debian tarball`,
          'Only 3.0 (quilt) source packages can be imported: native packages have no separate upstream.',
          { file: dscPath },
        );
      await extractArchive(join(dirname(dscPath), debianTar.name), join(tmpRoot, 'debian-tar'));
      draft = await fromDebianDir(join(tmpRoot, 'debian-tar', 'debian'), notes);
      from ??= 'dsc';
    } else if (source.endsWith('.spec')) {
      draft = await fromSpec(resolve(source), notes);
      from = 'spec';
    } else {
      const dir = resolve(source);
      const st = await ifExists(stat(dir));
      if (!st?.isDirectory())
        throw notFound(
          'IMPORT_SOURCE_NOT_FOUND',
          `${source} is not a .dsc, .spec, directory or debian:<package>`,
          'Give a .dsc, an unpacked Debian source tree, a debian/ folder, a .spec, or debian:<package>[/<suite>].',
        );
      if (await exists(join(dir, 'debian', 'control'))) {
        draft = await fromDebianDir(join(dir, 'debian'), notes);
        from = 'source-tree';
      } else {
        draft = await fromDebianDir(dir, notes);
        from = 'debian-dir';
      }
    }
    if (archive) followSuite(draft, archive[2] ?? 'sid', opts);
    if (opts.for?.length) await backportTargets(draft, recipesRepo.root, opts);
    if (!(draft.config.targets as unknown[] | undefined) && !draft.writes.some((w) => w.to.endsWith('.spec'))) {
      // No spec: rpm targets could not build, and the recipe would not validate.
      const rpm = resolveTargets(recipesRepo.config.targets).filter((t) => t.format === 'rpm');
      if (rpm.length) {
        draft.config.targets = resolveTargets(recipesRepo.config.targets)
          .filter((t) => t.format === 'deb')
          .map((t) => t.id);
        draft.notes.push(
          `no ${draft.name}.spec: the recipe builds only the deb targets (not ${rpm.map((t) => t.id).join(', ')}); add a spec (\`pkgtrack recipe import foo.spec\` or write one) to build rpms`,
        );
      }
    }
    // Notes name files as the recipe holds them, not the import's temporary folder.
    draft.notes = draft.notes.map((n) => n.replaceAll(`${join(tmpRoot, 'debian-tar')}/`, '').replaceAll(`${tmpRoot}/`, ''));
    const name = opts.name ? packageName(opts.name) : draft.name;
    draft.config.name = name;
    const dest = join(recipesRepo.root, 'recipes', name);
    if ((await exists(dest)) && !opts.force)
      throw conflictError(
        'RECIPE_EXISTS',
        `recipes/${name} already exists`,
        'Pass --force to replace it, or --name to import under another name.',
      );
    const stage = join(tmpRoot, 'recipe');
    await makeDirs(stage);
    for (const c of draft.copies)
      await cp(c.from, join(stage, c.to), { recursive: true, verbatimSymlinks: true, ...(c.filter ? { filter: c.filter } : {}) });
    for (const w of draft.writes) {
      await makeDirs(dirname(join(stage, w.to)));
      await writeFile(join(stage, w.to), w.data);
    }
    await writeFile(
      join(stage, 'recipe.yaml'),
      `# Imported by pkgtrack recipe import from ${archive ? source : basename(source)}\n${stringify(draft.config)}`,
    );
    // Validate in place before it becomes visible: a staged copy under a temporary repository.
    await makeDirs(join(tmpRoot, 'check', 'recipes'));
    await writeFile(join(tmpRoot, 'check', 'pkgtrack.yaml'), await readFile(recipesRepo.configFile));
    await cp(stage, join(tmpRoot, 'check', 'recipes', name), { recursive: true, verbatimSymlinks: true });
    await loadRecipe(await loadRecipesRepository(join(tmpRoot, 'check')), name);
    await rm(dest, { recursive: true, force: true });
    await makeDirs(dirname(dest));
    await rename(stage, dest);
    return {
      recipe: name,
      dir: dest,
      from,
      upstream: draft.config.upstream as UpstreamConfig,
      patches: draft.patches,
      ...(draft.config.targets ? { targets: draft.config.targets as string[] } : {}),
      notes: draft.notes,
    };
  } finally {
    await rm(tmpRoot, { recursive: true, force: true });
  }
}

/**
 * An import from the archive follows the suite the packaging came from when that is what it
 * will be built with (a backport), or when debian/watch gave nothing better.
 */
function followSuite(draft: Draft, suite: string, opts: ImportOptions): void {
  const up = draft.config.upstream as UpstreamConfig;
  if (opts.for?.length && up.kind !== 'debian') {
    draft.notes.push(
      `debian/watch points at ${up.kind} upstream; the backport follows Debian ${suite} instead (its packaging matches its version): put the watch's upstream back to follow upstream releases`,
    );
  }
  if (opts.for?.length || up.kind === 'debian') {
    draft.config.upstream = {
      kind: 'debian',
      package: up.kind === 'debian' ? up.package : draft.name,
      suite,
      component: 'main',
      archive: 'http://deb.debian.org/debian',
      ...(opts.checkValidUntil === false ? { checkValidUntil: false } : {}),
    };
    draft.config.versions = { tagPattern: '^(?<version>.+)$' };
    // The orig tarball now comes from the archive: its signature is Debian's orig.tar.*.asc
    // (checked with debian/upstream/signing-key.asc), not upstream's URL.
    const source = draft.config.source as { signatureUrl?: string; upstreamKey?: string } | undefined;
    if (source?.signatureUrl) {
      delete source.signatureUrl;
      if (!source.upstreamKey) delete draft.config.source;
    }
    draft.notes = draft.notes.filter((n) => !n.startsWith('no usable debian/watch'));
  }
}

/** `--for`: the targets, and the version each one ships (from its archive's signed Sources index). */
async function backportTargets(draft: Draft, root: string, opts: ImportOptions): Promise<void> {
  const targets = resolveTargets(opts.for!);
  draft.config.targets = targets.map((t) => t.id);
  const distroVersions: Record<string, string> = {};
  const pkg = (draft.config.upstream as UpstreamConfig & { package?: string }).package ?? draft.name;
  for (const t of targets) {
    if (t.format !== 'deb' || t.distro !== 'debian') {
      draft.notes.push(`${t.id}: the version it ships is not looked up (only Debian's archive is); set backport.distroVersions by hand`);
      continue;
    }
    opts.progress?.step(`${t.id}: which ${pkg} it ships`);
    const index = await debianSourcesIndex(
      { suite: t.release, ...(opts.checkValidUntil === false ? { checkValidUntil: false } : {}) },
      await cacheDir(root),
      opts.progress ? { progress: opts.progress } : {},
    );
    const have = (await findDebianSources(index, pkg))[0];
    if (have) distroVersions[t.id] = have.version;
    else draft.notes.push(`${t.id} has no ${pkg}: the backport is a new package there`);
  }
  if (Object.keys(distroVersions).length) draft.config.backport = { distroVersions };
}

/**
 * The debian/ directory a recipe produces for a 3.0 (quilt) source package: the recipe's debian/
 * plus patches/ as debian/patches (-pN patches rewritten to -p1, which dpkg-source requires).
 */
export async function exportDebianDir(recipeDir: string, dest: string): Promise<void> {
  await makeDirs(dest);
  if (await exists(join(recipeDir, 'debian'))) await cp(join(recipeDir, 'debian'), dest, { recursive: true, verbatimSymlinks: true });
  const patches = join(recipeDir, 'patches');
  if (!(await exists(patches))) return;
  await cp(patches, join(dest, 'patches'), { recursive: true, verbatimSymlinks: true });
  const seriesFile = join(patches, 'series');
  const text = await ifExists(readFile(seriesFile, 'utf8'));
  if (text === undefined) return;
  const entries = parseSeries(text, seriesFile);
  if (entries.every((e) => e.strip === 1)) return;
  const lines = text.split('\n');
  for (const e of entries) {
    if (e.strip === 1) continue;
    await writeFile(join(dest, 'patches', e.name), rewriteStrip(await readFile(join(patches, e.name)), e.strip));
    lines[e.line - 1] = e.name;
  }
  await writeFile(join(dest, 'patches', 'series'), lines.join('\n'));
}
