/**
 * The deb builder: a 3.0 (quilt) source package from the upstream orig tarball, the recipe's
 * debian/ and its patch queue (patches/series → debian/patches, applied by dpkg-source inside
 * the container), then dpkg-buildpackage with fakeroot as the build user, without network.
 *
 * Work dir layout (host, mounted at /work):
 *   build/<name>_<upstream>.orig.tar.<ext>    the upstream tarball, as dpkg-source wants it
 *   packaging/debian/                          recipe debian/ + changelog entry + patches
 *   build/<name>-<upstream>/                   unpacked in the container, as the build user
 * Untrusted bytes (the tarball) are only unpacked inside the container, never on the host.
 */
import { ifExists } from '../../core/fsutil.js';
import { createHash } from 'node:crypto';
import { copyFile, cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../../core/errors.js';
import type { Recipe } from '../../recipe/load.js';
import { buildsIndep, type Target } from '../../recipe/targets.js';
import {
  type Artifact,
  type ArtifactKind,
  type Builder,
  type BuildContext,
  CONTAINER_WORK_DIR,
  LOCAL_PACKAGES_DIR,
  type ContainerStep,
  type BuildPhase,
  type DependencyExtras,
  type ExtraAptRepository,
  type LintFailOn,
  type LintReport,
  type PreparedSource,
} from '../builder.js';
import { changelogHead, debPackageVersion, renderChangelogEntry } from './changelog.js';
import { compareDebVersions } from '../../formats/version-deb.js';
import { binaryPackages, onlyArchIndependent, parseBuildDepends, relationPackageNames } from './control.js';
import { runLintian } from './lintian.js';
import { debSources } from '../../formats/user-files.js';
import { buildSettingsFor, mergeBuildOptions, parallelJobs } from '../../recipe/build-settings.js';
import { makeDirs } from '../../core/dirs.js';

/**
 * DEB_BUILD_OPTIONS pkgtrack adds: none, so dh_strip makes the automatic -dbgsym packages
 * (published to <suite>-debug); `noddebs` when the recipe or pkgtrack.yaml says `debugSymbols: false`.
 */
const pkgtrackBuildOptions = (recipe: Recipe): string[] => (recipe.debugSymbols === false ? ['noddebs'] : []);

/** The toolchain every deb dependency image has on top of the recipe's Build-Depends. */
export const DEB_TOOLCHAIN = ['build-essential', 'fakeroot', 'debhelper', 'dpkg-dev'];

/**
 * Installs toolchain + build deps with apt-get satisfy (full relation syntax, alternatives and
 * profile restrictions included). Arguments: `PATH BASE64` pairs (extra repositories' .sources and
 * keyrings, written for this install and removed after it), `--`, then apt options and relations,
 * never spliced into the script.
 */
const INSTALL_SCRIPT = [
  'export DEBIAN_FRONTEND=noninteractive',
  'written=',
  'while [ "$1" != -- ]; do printf %s "$2" | base64 -d > "$1"; written="$written $1"; shift 2; done',
  'shift',
  // Packages built earlier in this run: copied, checked against the sums the step carries, a flat repository.
  `if [ -f /etc/apt/pkgtrack-local.sha256sums ]; then`,
  `  mkdir /var/lib/pkgtrack-local && cp ${LOCAL_PACKAGES_DIR}/*.deb /var/lib/pkgtrack-local/`,
  '  (cd /var/lib/pkgtrack-local && sha256sum --check --quiet --strict /etc/apt/pkgtrack-local.sha256sums && dpkg-scanpackages -m . > Packages)',
  "  echo 'deb [trusted=yes] file:/var/lib/pkgtrack-local ./' > /etc/apt/sources.list.d/pkgtrack-local.list",
  '  written="$written /etc/apt/sources.list.d/pkgtrack-local.list /var/lib/pkgtrack-local"',
  'fi',
  'apt-get update -q',
  'apt-get satisfy -y -q --no-install-recommends "$@"',
  'rm -rf $written',
  'apt-get clean',
  'rm -rf /var/lib/apt/lists/*',
].join('\n');

/** Unpacks the orig tarball as the build user and builds source + binaries, unsigned. */
const BUILD_SCRIPT = [
  'src="$1"; orig="$2"; shift 2',
  'mkdir -p "$src"',
  'tar -xf "build/$orig" -C "$src" --strip-components=1 --no-same-owner --no-same-permissions',
  'cp -R packaging/debian "$src/debian"',
  'cd "$src"',
  'exec dpkg-buildpackage --no-sign --build="$PKGTRACK_BUILD" --jobs="$PKGTRACK_JOBS" "$@"',
].join('\n');

const ORIG_EXT = /\.tar\.(gz|xz|bz2|zst|lzma)$/;

/**
 * dpkg-buildpackage's upload options for a build over a distro's version (a backport): `-v` so
 * the .changes covers every entry since that version, and `-sa` when the upstream version is new
 * to the distro (its archive lacks this orig tarball, so the upload must carry it), as Debian's
 * backporters upload a new upstream to <release>-backports.
 */
export function uploadOptions(since: string | undefined, upstreamVersion: string | undefined): string[] {
  if (!since) return [];
  const upstreamOf = (v: string) => v.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
  const sameUpstream = !!upstreamVersion && upstreamOf(since) === upstreamVersion.replace(/^\d+:/, '');
  return [`-v${since}`, ...(sameUpstream ? [] : ['-sa'])];
}

export class DebBuilder implements Builder {
  readonly format = 'deb' as const;

  async packageVersion(recipe: Recipe, target: Target, upstreamVersion: string): Promise<string> {
    return debPackageVersion(upstreamVersion, recipe.config.revision, target.versionSuffix, changelogHead(await readChangelog(recipe)));
  }

  async archIndependentOnly(recipe: Recipe): Promise<boolean> {
    if (!recipe.debianDir) return false;
    const file = join(recipe.debianDir, 'control');
    const text = await readFile(file, 'utf8').catch(() => '');
    return text ? onlyArchIndependent(text, file) : false;
  }

  async packageNames(recipe: Recipe): Promise<{ binaries: string[]; buildDepends: string[] }> {
    const file = join(recipe.debianDir ?? join(recipe.dir, 'debian'), 'control');
    const text = (await ifExists(readFile(file, 'utf8'))) ?? '';
    return text
      ? { binaries: binaryPackages(text, file), buildDepends: relationPackageNames(await this.buildDependencies(recipe)) }
      : { binaries: [], buildDepends: [] };
  }

  async buildDependencies(recipe: Recipe): Promise<string[]> {
    if (!recipe.debianDir) {
      throw inputError(
        'RECIPE_DEBIAN_MISSING',
        `recipe ${recipe.name} has no debian/ folder`,
        `Add recipes/${recipe.name}/debian/ (control, rules, source/format).`,
        {
          file: recipe.dir,
        },
      );
    }
    const file = join(recipe.debianDir, 'control');
    const text = await readFile(file, 'utf8').catch(() => {
      throw inputError('RECIPE_DEBIAN_MISSING', `${file} is missing`, 'Add debian/control with a Source paragraph and Build-Depends.', {
        file,
      });
    });
    return parseBuildDepends(text, file);
  }

  dependencyInstall(target: Target, deps: string[], extras: DependencyExtras = {}): ContainerStep {
    const profiles = extras.profiles?.length ? [`--build-profiles=${extras.profiles.join(',')}`] : [];
    return {
      argv: [
        'sh',
        '-ec',
        INSTALL_SCRIPT,
        'sh',
        ...extraRepositoryFiles(target, extras.repositories ?? []),
        ...localPackageSums(extras.localPackages ?? []),
        '--',
        ...profiles,
        ...DEB_TOOLCHAIN,
        ...deps,
      ],
      env: {},
      cwd: '/',
    };
  }

  /** DEB_BUILD_OPTIONS: pkgtrack's own words, then the recipe's and target's (a word of the same name replaces ours). */
  buildOptions(ctx: BuildContext): { options: string[]; profiles: string[] } {
    const settings = buildSettingsFor(ctx.recipe, ctx.target);
    return { options: mergeBuildOptions(pkgtrackBuildOptions(ctx.recipe), settings.options), profiles: settings.profiles };
  }

  async prepare(ctx: BuildContext): Promise<PreparedSource> {
    const { recipe, workDir } = ctx;
    const ext = ORIG_EXT.exec(ctx.orig.path)?.[0];
    if (!ext) {
      throw inputError(
        'ORIG_FORMAT',
        `${basename(ctx.orig.path)} is not a .tar.{gz,xz,bz2,zst,lzma} tarball`,
        'Point the recipe at an upstream source tarball.',
      );
    }
    const origName = `${recipe.name}_${ctx.upstreamVersion}.orig${ext}`;
    await makeDirs(join(workDir, 'build'));
    await copyFile(ctx.orig.path, join(workDir, 'build', origName));
    // dpkg-source -b puts `<orig>.asc` beside the orig into the .dsc, as Debian's uploads carry it.
    if (ctx.orig.signature) await copyFile(ctx.orig.signature, join(workDir, 'build', `${origName}.asc`));

    const debian = join(workDir, 'packaging', 'debian');
    await cp(recipe.debianDir!, debian, { recursive: true, dereference: false, errorOnExist: false });
    await makeDirs(join(debian, 'source'));
    const fmtFile = join(debian, 'source', 'format');
    const fmt = ((await ifExists(readFile(fmtFile, 'utf8'))) ?? '').trim();
    if (fmt && fmt !== '3.0 (quilt)') {
      throw inputError(
        'SOURCE_FORMAT',
        `debian/source/format is "${fmt}"; pkgtrack builds 3.0 (quilt)`,
        'Write "3.0 (quilt)" in debian/source/format.',
        {
          file: join(recipe.debianDir!, 'source', 'format'),
          line: 1,
        },
      );
    }
    await writeFile(fmtFile, '3.0 (quilt)\n');

    // The patch queue becomes debian/patches; dpkg-source applies it in the container.
    if (ctx.patches.length) {
      await makeDirs(join(debian, 'patches'));
      for (const p of ctx.patches) {
        const dest = join(debian, 'patches', p.name);
        await makeDirs(dirname(dest));
        await copyFile(p.path, dest);
      }
      await writeFile(
        join(debian, 'patches', 'series'),
        `${ctx.patches.map((p) => (p.strip !== undefined && p.strip !== 1 ? `${p.name} -p${p.strip}` : p.name)).join('\n')}\n`,
      );
    }

    // As `dch --bpo` does: the packaging's changelog is kept (apt changelog, apt-listchanges,
    // every Closes: and CVE line) and one entry for this build goes on top.
    const history = await readChangelog(recipe);
    const distribution = ctx.suite ?? ctx.target.bootstrap?.suite ?? ctx.target.release;
    const entry = renderChangelogEntry({
      source: changelogHead(history)?.source ?? recipe.name,
      version: ctx.packageVersion,
      distribution,
      changes: history ? [`Rebuild for ${distribution}.`, ...ctx.changes] : ctx.changes,
      maintainer: ctx.maintainer,
      timestamp: ctx.timestamp,
    });
    await writeFile(join(debian, 'changelog'), history ? `${entry}\n${history.replace(/^\s*\n/, '')}` : entry);
    const since = history && ctx.changesSince && compareDebVersions(ctx.changesSince, ctx.packageVersion) < 0 ? ctx.changesSince : '';
    return {
      sourceDir: `build/${recipe.name}-${ctx.upstreamVersion}`,
      sourceDateEpoch: ctx.timestamp,
      notes: { changelog: entry, orig: origName, ...(since ? { since } : {}) },
    };
  }

  /**
   * The target's first architecture builds the source and every binary (`full`); the others
   * only their architecture-dependent binaries (`any`), as Debian's buildds do.
   */
  buildStep(ctx: BuildContext, prepared: PreparedSource): ContainerStep {
    const { options, profiles } = this.buildOptions(ctx);
    return {
      argv: [
        'sh',
        '-ec',
        BUILD_SCRIPT,
        'sh',
        prepared.sourceDir,
        prepared.notes.orig!,
        ...uploadOptions(prepared.notes.since, ctx.upstreamVersion),
      ],
      env: {
        SOURCE_DATE_EPOCH: String(prepared.sourceDateEpoch),
        HOME: '/tmp',
        LC_ALL: 'C.UTF-8',
        TZ: 'UTC',
        DEB_BUILD_OPTIONS: options.join(' '),
        ...(profiles.length ? { DEB_BUILD_PROFILES: profiles.join(' ') } : {}),
        DEB_BUILD_MAINT_OPTIONS: 'hardening=+all',
        PKGTRACK_JOBS: String(parallelJobs(options) ?? 2),
        PKGTRACK_BUILD: buildsIndep(ctx.target) ? 'full' : 'any',
      },
      cwd: CONTAINER_WORK_DIR,
    };
  }

  async collect(ctx: BuildContext, _prepared: PreparedSource, outDir: string): Promise<Artifact[]> {
    const built = join(ctx.workDir, 'build');
    const prefix = `${ctx.recipe.name}_`;
    const out: Artifact[] = [];
    for (const name of (await readdir(built)).sort()) {
      if (!name.startsWith(prefix) && !name.endsWith('.deb') && !name.endsWith('.ddeb')) continue;
      const kind = artifactKind(name);
      // An architecture-only build made no source package: the orig belongs to the one that did.
      if (!kind || (kind === 'orig' && !buildsIndep(ctx.target))) continue;
      const src = join(built, name);
      if (!(await stat(src)).isFile()) continue;
      const bytes = await readFile(src);
      await writeFile(join(outDir, name), bytes);
      out.push({ name, kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    return out;
  }

  async lint(
    _ctx: BuildContext,
    outDir: string,
    artifacts: Artifact[],
    failOn: LintFailOn,
    early: ReadonlyArray<LintReport | undefined> = [],
  ): Promise<LintReport> {
    const changes = artifacts.find((a) => a.kind === 'changes');
    const [source, binary] = early;
    if (!changes) return { tool: 'lintian', findings: [], failed: false };
    if (!source && !binary) return runLintian(outDir, [changes.name], failOn);
    // Stages that did not run during the build (output not recognised) run now.
    const names = (kind: ArtifactKind) => artifacts.filter((a) => a.kind === kind).map((a) => a.name);
    const lintNow = async (kind: ArtifactKind) =>
      names(kind).length ? runLintian(outDir, names(kind), failOn) : { tool: 'lintian', findings: [], failed: false };
    const parts = [source ?? (await lintNow('dsc')), binary ?? (await lintNow('deb'))];
    return { tool: 'lintian', findings: parts.flatMap((p) => p.findings), failed: parts.some((p) => p.failed) };
  }

  /**
   * lintian's source checks are most of its time (unpacking and reading the whole tree): they
   * run while the binaries build. dpkg-buildpackage runs debian/rules build|binary only after
   * dpkg-source -b has written the .dsc and its tarballs, and dpkg-genbuildinfo only after
   * debian/rules binary has written every .deb.
   */
  readonly lintStages = [
    {
      readyWhen: /^ debian\/rules (build|binary)/,
      what: 'the source package',
      run: (ctx: BuildContext, failOn: LintFailOn) => lintBuilt(ctx, '.dsc', failOn),
    },
    {
      readyWhen: /^ dpkg-genbuildinfo/,
      what: 'the binary packages',
      run: (ctx: BuildContext, failOn: LintFailOn) => lintBuilt(ctx, '.deb', failOn),
    },
  ];

  /**
   * dpkg-buildpackage's steps (its own lines start with one space) and debhelper's (three). A
   * rootless build (Rules-Requires-Root: no, bookworm's default) runs `debian/rules binary`
   * straight away and dh configures, compiles and tests inside it, so the compile is announced
   * from dh's own lines; packages without dh still get dpkg-buildpackage's.
   */
  readonly buildPhases: readonly BuildPhase[] = [
    { when: /^ dpkg-source (.* )?-b /, phase: 'building the source package (dpkg-source -b)' },
    { when: /^ (fakeroot )?debian\/rules build/, phase: 'running debian/rules build' },
    { when: /^ (fakeroot )?debian\/rules binary/, phase: 'running debian/rules binary' },
    { when: /^ {3}dh_auto_configure\b/, phase: 'configuring (dh_auto_configure)' },
    { when: /^ {3}dh_auto_build\b/, phase: 'compiling (dh_auto_build)' },
    { when: /^ {3}dh_auto_test\b/, phase: 'running the test suite (dh_auto_test)' },
    { when: /^ {3}dh_auto_install\b/, phase: 'installing into the package tree (dh_auto_install)' },
    { when: /^ {3}dh_builddeb\b/, phase: 'making the .deb files (dh_builddeb)' },
    { when: /^ dpkg-genchanges/, phase: 'writing the .changes' },
  ];
}

/**
 * The files an extra repository needs in the install container, as `PATH BASE64` argv pairs:
 * its keyring (when the recipe gives one), a deb822 .sources naming it in Signed-By, and its pin
 * (by suite or codename: bookworm-backports is both `n=bookworm-backports` and `a=oldstable-backports`).
 */
export function extraRepositoryFiles(target: Target, repos: readonly ExtraAptRepository[]): string[] {
  const out: string[] = [];
  repos.forEach((r, i) => {
    let keyring = target.bootstrap?.keyring ?? `/usr/share/keyrings/${target.distro}-archive-keyring.gpg`;
    if (r.key) {
      keyring = `/etc/apt/keyrings/pkgtrack-extra-${i + 1}.${r.key.armored ? 'asc' : 'gpg'}`;
      out.push(keyring, r.key.bytes.toString('base64'));
    }
    const sources = debSources({ uri: r.url, suites: [r.suite], components: r.components, signedBy: { kind: 'path', path: keyring } });
    out.push(`/etc/apt/sources.list.d/pkgtrack-extra-${i + 1}.sources`, Buffer.from(sources).toString('base64'));
    const pin = ['a', 'n'].map((f) => `Package: *\nPin: release ${f}=${r.suite}\nPin-Priority: ${r.priority}\n`).join('\n');
    out.push(`/etc/apt/preferences.d/pkgtrack-extra-${i + 1}.pref`, Buffer.from(pin).toString('base64'));
  });
  return out;
}

/** The sha256sum list of the packages built earlier in the run, as a `PATH BASE64` argv pair (none: nothing). */
function localPackageSums(pkgs: ReadonlyArray<{ name: string; sha256: string }>): string[] {
  if (!pkgs.length) return [];
  const sums = [...pkgs]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((p) => `${p.sha256}  ${p.name}\n`)
    .join('');
  return ['/etc/apt/pkgtrack-local.sha256sums', Buffer.from(sums).toString('base64')];
}

/** The recipe's debian/changelog ('' when it has none: the build writes the only entry). */
async function readChangelog(recipe: Recipe): Promise<string> {
  return recipe.debianDir ? readFile(join(recipe.debianDir, 'changelog'), 'utf8').catch(() => '') : '';
}

/** lintian over the recipe's `ext` files in the work dir's build/ (undefined when there are none). */
async function lintBuilt(ctx: BuildContext, ext: '.dsc' | '.deb', failOn: LintFailOn): Promise<LintReport | undefined> {
  const dir = join(ctx.workDir, 'build');
  const names = (await readdir(dir)).filter((n) => n.endsWith(ext) && (ext === '.deb' || n.startsWith(`${ctx.recipe.name}_`))).sort();
  return names.length ? runLintian(dir, names, failOn, { background: true }) : undefined;
}

export function artifactKind(name: string): ArtifactKind | undefined {
  if (name.endsWith('.dsc')) return 'dsc';
  if (/\.orig(-[A-Za-z0-9-]+)?\.tar\.[a-z0-9]+(\.asc)?$/.test(name)) return 'orig';
  if (/\.debian\.tar\.[a-z0-9]+$/.test(name)) return 'debian-tar';
  if (name.endsWith('.ddeb')) return 'ddeb';
  if (name.endsWith('.deb')) return 'deb';
  if (name.endsWith('.buildinfo')) return 'buildinfo';
  if (name.endsWith('.changes')) return 'changes';
  return undefined;
}
