/**
 * The rpm builder: the recipe's `<name>.spec` template rendered with this build's version,
 * release, sources and the shared patch queue (spec-template.ts), then `rpmbuild -ba` as the
 * build user without network, producing the SRPM and the binary RPMs.
 *
 * Work dir layout (host, mounted at /work):
 *   rpmbuild/SPECS/<name>.spec      the rendered spec
 *   rpmbuild/SOURCES/               upstream tarball + patches (flattened names)
 *   rpmbuild/SRPMS/, rpmbuild/RPMS/ what rpmbuild writes, collected into the output dir
 *   home/                           $HOME of the build, so no ~/.rpmmacros leaks in
 * Untrusted bytes (the tarball) are only unpacked inside the container, by rpmbuild's %prep.
 */
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { inputError } from '../../core/errors.js';
import { exists, ifExists } from '../../core/fsutil.js';
import { parseSpecOutline, specBuildRequires } from '../../formats/spec.js';
import type { Recipe } from '../../recipe/load.js';
import type { Target } from '../../recipe/targets.js';
import type { Artifact, Builder, BuildContext, BuildPhase, ContainerStep, LintFailOn, LintReport, PreparedSource } from '../builder.js';
import { runRpmlint } from './rpmlint.js';
import { applySpecTemplate, type SpecPatch } from './spec-template.js';
import { checkSourceFileName } from './spec-values.js';
import { dependencyInstallStep, NODEPS_MARKER, RPM_HOME, RPM_TOPDIR, rpmBuildStep } from './steps.js';
import { makeDirs } from '../../core/dirs.js';

const TARBALL_EXT = /\.tar\.(gz|xz|bz2|zst|lzma)$|\.tgz$/;

/** The note a build on the "rpm on Debian" image carries into the manifest and summary. */
export const NODEPS_NOTE = 'built with rpmbuild --nodeps on the rpm-on-Debian image: BuildRequires were not verified for this target';

function specPath(recipe: Recipe): string {
  if (!recipe.specFile) {
    throw inputError(
      'RECIPE_SPEC_MISSING',
      `recipe ${recipe.name} has rpm targets but no ${recipe.name}.spec`,
      `Add recipes/${recipe.name}/${recipe.name}.spec (\`pkgtrack init\` writes a template), or remove the rpm targets.`,
      { file: recipe.file, field: 'targets' },
    );
  }
  return recipe.specFile;
}

/**
 * Source1..N of the template: files shipped in the recipe folder (a .desktop file, a unit). Only
 * %{name} and %{version} are expanded; the file name must be plain (no other macros, no path).
 */
export function extraSources(
  specText: string,
  name: string,
  version: string,
  file: string,
): { number: number; file: string; line: number }[] {
  const out: { number: number; file: string; line: number }[] = [];
  for (const t of parseSpecOutline(specText).preamble) {
    if (t.tag !== 'source' || (t.number ?? 0) === 0) continue;
    const value = t.value.replace(/%\{name\}/g, name).replace(/%\{version\}/g, version);
    const base = value.slice(value.lastIndexOf('/') + 1);
    checkSourceFileName(base, { field: `Source${t.number}`, file });
    out.push({ number: t.number!, file: base, line: t.index + 1 });
  }
  return out;
}

/** rpm keeps only the day of a changelog entry; SOURCE_DATE_EPOCH is that day, 00:00 UTC. */
export function changelogEpoch(timestamp: number): number {
  return Math.floor(timestamp / 86_400) * 86_400;
}

export class RpmBuilder implements Builder {
  readonly format = 'rpm' as const;

  /** rpmbuild announces each spec section it runs. */
  readonly buildPhases: readonly BuildPhase[] = [
    { when: /^Executing\(%prep\)/, phase: 'unpacking and patching (%prep)' },
    { when: /^Executing\(%build\)/, phase: 'compiling (%build)' },
    { when: /^Executing\(%install\)/, phase: 'installing into the buildroot (%install)' },
    { when: /^Executing\(%check\)/, phase: 'running the test suite (%check)' },
    { when: /^Wrote: .*\.rpm$/, phase: 'writing the packages' },
  ];

  async buildDependencies(recipe: Recipe): Promise<string[]> {
    return specBuildRequires(await readFile(specPath(recipe), 'utf8'));
  }

  dependencyInstall(_target: Target, deps: string[]): ContainerStep {
    return dependencyInstallStep(deps);
  }

  async prepare(ctx: BuildContext): Promise<PreparedSource> {
    const { recipe, workDir } = ctx;
    const templateFile = specPath(recipe);
    const ext = TARBALL_EXT.exec(ctx.orig.path)?.[0];
    if (!ext) {
      throw inputError(
        'ORIG_FORMAT',
        `${basename(ctx.orig.path)} is not a .tar.{gz,xz,bz2,zst,lzma} tarball`,
        'Point the recipe at an upstream source tarball.',
      );
    }
    const sources = join(workDir, RPM_TOPDIR, 'SOURCES');
    const specs = join(workDir, RPM_TOPDIR, 'SPECS');
    await makeDirs(sources);
    await makeDirs(specs);
    await makeDirs(join(workDir, RPM_HOME));

    const patches = await this.specPatches(ctx);
    const sourceFile = `${recipe.name}-${ctx.upstreamVersion}${ext}`;
    const rel = (p: string) => relative(process.cwd(), p) || p;
    const release = ctx.packageVersion.slice(ctx.packageVersion.lastIndexOf('-') + 1);
    const rendered = applySpecTemplate({
      template: await readFile(templateFile, 'utf8'),
      templateFile: rel(templateFile),
      recipeFile: rel(recipe.file),
      repositoryFile: 'pkgtrack.yaml',
      name: recipe.name,
      version: ctx.upstreamVersion,
      revision: recipe.config.revision,
      distSuffix: ctx.target.versionSuffix,
      summary: recipe.config.summary,
      license: recipe.config.license,
      homepage: recipe.config.homepage,
      sourceFile,
      patches,
      changelog: {
        date: new Date(ctx.timestamp * 1000),
        maintainer: ctx.maintainer,
        ...(ctx.changes.length ? { items: ctx.changes } : {}),
      },
    });
    if (`${recipe.config.revision}${ctx.target.versionSuffix}` !== release) {
      // The service's version and ours must agree, or the manifest would name another package.
      throw inputError(
        'RPM_RELEASE_MISMATCH',
        `package version ${ctx.packageVersion} does not end in the rpm release ${rendered.evr}`,
        'Report this as a pkgtrack bug.',
      );
    }
    await copyFile(ctx.orig.path, join(sources, sourceFile));
    for (const p of rendered.patchFiles) {
      const queued = ctx.patches.find((q) => q.name === p.name)!;
      await copyFile(queued.path, join(sources, p.file));
    }
    for (const extra of extraSources(rendered.text, recipe.name, ctx.upstreamVersion, rel(templateFile))) {
      const from = join(recipe.dir, extra.file);
      if (!(await exists(from))) {
        throw inputError(
          'RPM_SOURCE_MISSING',
          `Source${extra.number}: ${extra.file} is not in ${rel(recipe.dir)}`,
          `Put ${extra.file} next to the spec template in ${rel(recipe.dir)}.`,
          {
            file: rel(templateFile),
            line: extra.line,
          },
        );
      }
      await copyFile(from, join(sources, extra.file));
    }
    const spec = `${RPM_TOPDIR}/SPECS/${recipe.name}.spec`;
    await writeFile(join(workDir, spec), rendered.text);
    return {
      sourceDir: RPM_TOPDIR,
      sourceDateEpoch: changelogEpoch(ctx.timestamp),
      notes: { spec, evr: rendered.evr, source0: sourceFile, dist: ctx.target.versionSuffix },
    };
  }

  /** The queue with its strip levels and DEP-3 summaries (read by the build service). */
  private specPatches(ctx: BuildContext): SpecPatch[] {
    return ctx.patches.map((p) => ({ name: p.name, strip: p.strip ?? 1, ...(p.description ? { description: p.description } : {}) }));
  }

  buildStep(_ctx: BuildContext, prepared: PreparedSource): ContainerStep {
    return rpmBuildStep({ spec: prepared.notes.spec!, dist: prepared.notes.dist ?? '', sourceDateEpoch: prepared.sourceDateEpoch });
  }

  async collect(ctx: BuildContext, prepared: PreparedSource, outDir: string): Promise<Artifact[]> {
    const top = join(ctx.workDir, RPM_TOPDIR);
    const found: { path: string; kind: 'srpm' | 'rpm' }[] = [];
    for (const name of (await ifExists(readdir(join(top, 'SRPMS')))) ?? []) {
      if (name.endsWith('.src.rpm')) found.push({ path: join(top, 'SRPMS', name), kind: 'srpm' });
    }
    for (const arch of (await ifExists(readdir(join(top, 'RPMS')))) ?? []) {
      for (const name of (await ifExists(readdir(join(top, 'RPMS', arch)))) ?? []) {
        if (name.endsWith('.rpm')) found.push({ path: join(top, 'RPMS', arch, name), kind: 'rpm' });
      }
    }
    const out: Artifact[] = [];
    for (const f of found.sort((a, b) => basename(a.path).localeCompare(basename(b.path)))) {
      if (!(await stat(f.path)).isFile()) continue;
      const bytes = await readFile(f.path);
      const name = basename(f.path);
      await writeFile(join(outDir, name), bytes);
      out.push({ name, kind: f.kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    if (await exists(join(ctx.workDir, NODEPS_MARKER))) prepared.notes.buildRequires = NODEPS_NOTE;
    return out;
  }

  async lint(ctx: BuildContext, outDir: string, artifacts: Artifact[], failOn: LintFailOn): Promise<LintReport> {
    const files = artifacts.filter((a) => a.kind === 'rpm' || a.kind === 'srpm').map((a) => join(outDir, a.name));
    if (!files.length) return { tool: 'rpmlint', findings: [], failed: false };
    const recipeRc = join(ctx.recipe.dir, `${ctx.recipe.name}.rpmlintrc`);
    const report = await runRpmlint(files, { recipeRc: (await exists(recipeRc)) ? recipeRc : undefined, failOn });
    if (await exists(join(ctx.workDir, NODEPS_MARKER))) {
      // Said in the summary, next to the lint findings: this target's BuildRequires were not checked.
      report.findings.unshift({ severity: 'warning', tag: 'buildrequires-not-verified', subject: ctx.target.id, detail: NODEPS_NOTE });
    }
    return report;
  }
}
