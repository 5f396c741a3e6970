/**
 * The Builder port: one implementation per package format (deb, rpm). A builder knows its
 * packaging tools but never starts containers itself: it describes the commands to run as
 * `ContainerStep`s and the build service (src/services/build.ts) runs them through the
 * ContainerEngine. That keeps builders/ and containers/ apart (they meet in services/), and lets
 * a builder be unit-tested without an engine.
 *
 * Flow for one (recipe, target):
 *   1. buildDependencies(recipe)             → package names for the dependency image
 *   2. dependencyInstall(deps)               → run as root WITH network on the base image, committed
 *   3. prepare(ctx)                          → lay out sources in ctx.workDir on the host
 *   4. buildStep(ctx, prepared)              → run as the build user, NO network, workDir at /work
 *   5. collect(ctx, prepared, outDir)        → copy artifacts out, with sha256
 *   6. lint?(ctx, artifacts)                 → lintian / rpmlint findings (host or container)
 */
import type { Recipe } from '../recipe/load.js';
import type { PackageFormat, Target } from '../recipe/targets.js';

/** Where the build work dir is mounted inside the container. */
export const CONTAINER_WORK_DIR = '/work';

/** A command run inside a container. argv only; never a shell string built from values. */
export interface ContainerStep {
  argv: string[];
  /** Extra environment (no secrets; the service refuses secret-looking names). */
  env: Record<string, string>;
  /** Working directory inside the container. */
  cwd: string;
}

/** An apt repository build dependencies may also come from (sbuild --extra-repository), with its keyring's bytes. */
export interface ExtraAptRepository {
  url: string;
  suite: string;
  components: readonly string[];
  /** apt pin priority of the suite for the install. */
  priority: number;
  /** The keyring that signs it (armored or binary); absent: the distro's archive keyring in the image. */
  key?: { bytes: Buffer; armored: boolean };
}

/** What else goes into the dependency install besides the toolchain and the Build-Depends. */
export interface DependencyExtras {
  /** Build profiles the Build-Depends restrictions (`<!nocheck>`) are evaluated with. */
  profiles?: readonly string[];
  /** Repositories apt also installs from, for this install only. */
  repositories?: readonly ExtraAptRepository[];
  /**
   * Packages built earlier in the same run that these build dependencies may come from: their
   * file names and sha256, mounted read-only at LOCAL_PACKAGES_DIR and checked against these.
   */
  localPackages?: ReadonlyArray<{ name: string; sha256: string }>;
}

/** Where the install step finds the packages built earlier in the run (a read-only mount). */
export const LOCAL_PACKAGES_DIR = '/run/pkgtrack-local';

/** One patch of the recipe's queue, in series order. */
export interface QueuedPatch {
  name: string;
  /** Absolute host path of the patch file. */
  path: string;
  /** Leading path components to strip (quilt -pN); 1 when absent. */
  strip?: number;
  /** The DEP-3 Description/Subject summary, when the header has one (the spec's comment line). */
  description?: string;
}

/** Everything a builder needs to build one recipe for one target. */
export interface BuildContext {
  recipe: Recipe;
  target: Target;
  /** Upstream version, e.g. `2.12.1`. */
  upstreamVersion: string;
  /** Full package version with revision and target suffix, e.g. `2.12.1-1~deb12u1` (deb) or `2.12.1-1.fc41` (rpm). */
  packageVersion: string;
  /** The upstream tarball on the host, verified; and upstream's verified signature of it, armored, when there is one. */
  orig: { path: string; sha256: string; signature?: string };
  /** The patch queue (recipes/<name>/patches/series), in order. */
  patches: QueuedPatch[];
  /** `Full Name <email>` from pkgtrack.yaml `maintainer`. */
  maintainer: string;
  /** Lines for the changelog entry (upstream version, patch changes ...). */
  changes: string[];
  /** Build timestamp (seconds since epoch) written in the changelog; SOURCE_DATE_EPOCH derives from it. */
  timestamp: number;
  /** Empty host directory this build owns; mounted read-write at CONTAINER_WORK_DIR. */
  workDir: string;
  /** The suite the build is published to (bookworm, bookworm-backports): the changelog's distribution. */
  suite?: string;
  /**
   * A version the target already has (the distro's own, or our previous upload): the .changes
   * covers every changelog entry after it (dpkg-buildpackage -v), when it sorts below this build.
   */
  changesSince?: string;
}

/** What prepare() produced: paths relative to workDir, plus anything the builder wants to remember. */
export interface PreparedSource {
  /** Directory (relative to workDir) holding the unpacked, buildable source tree. */
  sourceDir: string;
  /** SOURCE_DATE_EPOCH used for the build. */
  sourceDateEpoch: number;
  /** Builder-specific notes (e.g. the generated changelog entry) for the manifest and tests. */
  notes: Record<string, string>;
}

export type ArtifactKind = 'dsc' | 'orig' | 'debian-tar' | 'deb' | 'ddeb' | 'buildinfo' | 'changes' | 'srpm' | 'rpm' | 'log' | 'other';

export interface Artifact {
  /** File name inside the output directory. */
  name: string;
  kind: ArtifactKind;
  size: number;
  sha256: string;
}

export type LintSeverity = 'error' | 'warning' | 'info' | 'pedantic' | 'experimental' | 'overridden' | 'classification';

export interface LintFinding {
  severity: LintSeverity;
  tag: string;
  /** Package or file the finding is about. */
  subject: string;
  detail: string;
}

/** One finding as a line of the build summary: `W: hello source: tag detail`. */
export function formatLintFinding(f: LintFinding): string {
  return `${f.severity[0]!.toUpperCase()}: ${f.subject}: ${f.tag}${f.detail ? ` ${f.detail}` : ''}`;
}

/** The recipe's build.lintianFailOn / rpmlintFailOn: the finding severity that fails a build. */
export type LintFailOn = 'error' | 'warning' | 'never';

/** True when a finding reaches the fail level. Pure. */
export function lintFailed(findings: readonly LintFinding[], failOn: LintFailOn): boolean {
  if (failOn === 'never') return false;
  return findings.some((f) => f.severity === 'error' || (failOn === 'warning' && f.severity === 'warning'));
}

export interface LintReport {
  tool: string;
  findings: LintFinding[];
  /** True when a finding reaches the recipe's fail level (build.lintianFailOn / rpmlintFailOn). */
  failed: boolean;
}

export interface Builder {
  readonly format: PackageFormat;
  /**
   * The full package version a build of `upstreamVersion` gets (revision, target suffix);
   * default `<upstream>-<recipe revision><target suffix>`.
   */
  packageVersion?(recipe: Recipe, target: Target, upstreamVersion: string): Promise<string>;
  /**
   * True when the recipe makes only architecture-independent binaries (`Architecture: all`,
   * noarch): they are built once, on the target's first architecture, and the others skip.
   */
  archIndependentOnly?(recipe: Recipe): Promise<boolean>;
  /**
   * The binary packages the recipe makes and the package names its build depends on: a build of
   * several recipes builds one before another that build-depends on its packages.
   */
  packageNames?(recipe: Recipe): Promise<{ binaries: string[]; buildDepends: string[] }>;
  /** Build dependencies declared by the recipe's packaging (debian/control, the spec). */
  buildDependencies(recipe: Recipe): Promise<string[]>;
  /**
   * Installs the toolchain plus `deps` on top of the base image. Run as root with network;
   * the result is committed as the dependency image and reused while (base, deps) is unchanged.
   */
  dependencyInstall(target: Target, deps: string[], extras?: DependencyExtras): ContainerStep;
  /** Assemble the source tree (orig + packaging + patch queue) in ctx.workDir, on the host. */
  prepare(ctx: BuildContext): Promise<PreparedSource>;
  /** The build itself: run as the non-root build user with no network, workDir at CONTAINER_WORK_DIR. */
  buildStep(ctx: BuildContext, prepared: PreparedSource): ContainerStep;
  /** Copy the artifacts from ctx.workDir into outDir (created by the caller) and describe them. */
  collect(ctx: BuildContext, prepared: PreparedSource, outDir: string): Promise<Artifact[]>;
  /**
   * Lint the collected artifacts in outDir; `failOn` comes from the recipe. `early`: what each
   * of `lintStages` reported during the build, by index (undefined: that stage did not run and
   * its artifacts are linted now).
   */
  lint?(
    ctx: BuildContext,
    outDir: string,
    artifacts: Artifact[],
    failOn: LintFailOn,
    early?: ReadonlyArray<LintReport | undefined>,
  ): Promise<LintReport>;
  /**
   * Lint parts of the result while the build still runs (the source package while the binaries
   * build, ...): each stage starts when a line of the build's output matches `readyWhen`.
   */
  lintStages?: ReadonlyArray<{
    readyWhen: RegExp;
    /** What the stage lints, for the progress line ("the source package"). */
    what: string;
    run(ctx: BuildContext, failOn: LintFailOn): Promise<LintReport | undefined>;
  }>;
  /**
   * The phases of `buildStep` as its output shows them, in order: each is announced on stderr
   * the first time a line matches, so a long build says where it is.
   */
  buildPhases?: ReadonlyArray<BuildPhase>;
}

/** A phase of the container build: `phase` is announced when an output line matches `when`. */
export interface BuildPhase {
  when: RegExp;
  phase: string;
}
