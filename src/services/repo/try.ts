/**
 * `pkgtrack repo try`: what a user of the published repository does, in a clean container of
 * the target: add the repository with a deb822 .sources file whose Signed-By holds our public
 * key, `apt-get update`, install the package, run a command. No network: the repository is
 * mounted read-only, so this proves the published files alone are enough.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBaseImage } from '../../containers/base-image.js';
import { detectEngine } from '../../containers/detect.js';
import { inputError, notFound } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { requireArchSupport } from '../../containers/emulation.js';
import { archProblem, DEFAULT_ARCH, debArch } from '../../recipe/arches.js';
import { resolveTargets } from '../../recipe/load.js';
import { withArch } from '../../recipe/targets.js';
import { debSources } from '../../formats/user-files.js';

export interface TryOptions {
  output: string;
  /** Armored public key file (default: the key published with the repository site). */
  keyFile: string;
  pkg: string;
  target: string;
  /** Architecture of the container (Debian or rpm name; default amd64): a foreign one runs under qemu-user. */
  arch?: string;
  /** Suite to install from (default: the target's release). */
  suite?: string;
  /** Command to run after installing (default: none). */
  run?: string[];
  /** Keep the distro's own archive (network): dependencies our repository does not carry install from it. */
  withDistro?: boolean;
  /**
   * Upgrade test, piuparts-style (implies withDistro): install the distro's own version first,
   * then add our repository and upgrade to ours, then remove and purge.
   */
  upgrade?: boolean;
  /**
   * Run the package's autopkgtests (implies withDistro): the real `autopkgtest` tool, installed
   * from the distro into the container, over the source package our pool holds
   * (`autopkgtest -B <dsc> -- null`), against the installed binaries.
   */
  autopkgtest?: boolean;
  progress: Progress;
}

export interface TryResult {
  package: string;
  target: string;
  arch: string;
  suite: string;
  installed: string;
  output: string;
  ok: boolean;
  /** With `upgrade`: the distro version installed first, and whether remove and purge left nothing behind. */
  upgrade?: { from: string; removed: boolean; purged: boolean };
  /** Each step that ran, in order, and how it ended; the first that failed is the last one. */
  steps: TryStep[];
  /** With `autopkgtest`: each test's verdict as autopkgtest printed it (no Testsuite: `tests` is empty). */
  autopkgtest?: { testsuite: boolean; tests: Array<{ name: string; result: string; detail?: string }> };
}

export type TryStepName = 'install-distro' | 'install' | 'run' | 'remove' | 'purge' | 'autopkgtest';
export interface TryStep {
  step: TryStepName;
  ok: boolean;
  /** Exit code of the step's command when it failed. */
  code?: number;
}

/** Step markers the script prints, one line each: `pkgtrack-step: <name> ok|failed <code>`. */
const STEP_LINE = /^pkgtrack-step: ([a-z-]+) (ok|failed (\d+))$/gm;

const PKG = /^[a-z0-9][a-z0-9+.-]+$/;

export async function tryInstall(o: TryOptions): Promise<TryResult> {
  if (!PKG.test(o.pkg))
    throw inputError('TRY_BAD_PACKAGE', `"${o.pkg}" is not a Debian package name`, 'Pass the binary package name, e.g. hello.');
  const problem = o.arch ? archProblem(o.arch) : undefined;
  if (problem) throw inputError('ARCH_UNKNOWN', problem, 'Pass a known architecture to --arch.', { field: 'arch' });
  const arch = o.arch ? debArch(o.arch) : DEFAULT_ARCH;
  // A near miss (`debian:bookwrm`) is refused with did-you-mean, not bootstrapped.
  const target = withArch(resolveTargets([o.target], { arches: [arch] })[0]!, arch);
  if (target.format !== 'deb') {
    throw inputError(
      'TRY_TARGET',
      `repo try installs from apt repositories; ${o.target} is not a deb target`,
      'Pass a deb target, e.g. --target debian:bookworm.',
    );
  }
  const suite = o.suite ?? target.publishPath;
  const aptRoot = join(resolve(o.output), 'apt');
  const key = await readFile(o.keyFile, 'utf8').catch(() => {
    throw notFound(
      'TRY_NO_KEY',
      `cannot read the public key ${o.keyFile}`,
      'Publish first (the key is published with the repository), or pass --key.',
    );
  });
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-try-'));
  try {
    await writeFile(
      join(work, 'pkgtrack.sources'),
      debSources({ uri: 'file:/repo', suites: [suite], components: ['main'], signedBy: { kind: 'embedded', armoredKey: key } }),
    );
    const engine = await detectEngine();
    await requireArchSupport(target);
    const base = await ensureBaseImage(engine, target, o.progress);
    o.progress.step(`installing ${o.pkg} from ${suite} in a clean ${target.id} container (${base.origin} base image)`);
    const withDistro = !!(o.withDistro || o.upgrade || o.autopkgtest);
    const r = await engine.run({
      image: base.ref,
      network: withDistro ? 'default' : 'none',
      ...(arch !== DEFAULT_ARCH ? { arch } : {}),
      mounts: [
        { host: aptRoot, container: '/repo', readOnly: true },
        { host: work, container: '/try', readOnly: true },
      ],
      argv: ['sh', '-ec', tryScript(o, withDistro), 'sh', suite, o.pkg, ...(o.run ?? [])],
    });
    const installed = /^installed: \S+ (\S+)$/m.exec(r.output)?.[1] ?? '';
    const steps: TryStep[] = [...r.output.matchAll(STEP_LINE)].map((m) => ({
      step: m[1] as TryStepName,
      ok: m[2] === 'ok',
      ...(m[3] ? { code: Number(m[3]) } : {}),
    }));
    const result: TryResult = { package: o.pkg, target: o.target, arch, suite, installed, output: r.output, ok: r.code === 0, steps };
    if (o.upgrade) {
      const from = /^distro: \S+ (\S+)$/m.exec(r.output)?.[1] ?? '';
      // dpkg's abbreviated status: "rc" = removed with its conffiles kept, "un"/none = nothing left.
      const removed = /^removed: (rc|un|pn)?\s*$/m.test(r.output);
      const purged = /^purged: (un|pn)?\s*$/m.test(r.output);
      result.upgrade = { from, removed, purged };
      // An "upgrade" that did not go up is a failure: ours must sort above the distro's.
      if (!from || !installed || from === installed || !removed || !purged) result.ok = false;
    }
    if (o.autopkgtest) result.autopkgtest = autopkgtestVerdicts(r.output);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The script run in the clean container. Every step prints a `pkgtrack-step:` line and the first
 * failing one stops the run, so the result lists what ran and where it stopped.
 */
function tryScript(o: TryOptions, withDistro: boolean): string {
  const query = (label: string) => `dpkg-query -W -f "${label}: \\\${Package} \\\${Version}\\n" "$pkg"`;
  return [
    'export DEBIAN_FRONTEND=noninteractive',
    'suite="$1"; pkg="$2"; shift 2',
    'step() { name="$1"; shift; if "$@"; then echo "pkgtrack-step: $name ok"; else rc=$?; echo "pkgtrack-step: $name failed $rc"; exit 1; fi; }',
    // A user's system installs the documentation (changelog.Debian.gz, what `apt changelog` and
    // apt-listchanges show): drop the image's dpkg path-excludes, which only slim the builder.
    "sed -i '/^path-\\(exclude\\|include\\)=/d' /etc/dpkg/dpkg.cfg.d/* 2>/dev/null || true",
    // Without the distro: only our repository, to prove it installs from what we published.
    ...(withDistro ? [] : ['rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list']),
    ...(o.upgrade
      ? [
          // The distro's own version first, before our repository is known.
          'apt-get update -q',
          'step install-distro apt-get install -y -q --no-install-recommends "$pkg"',
          query('distro'),
        ]
      : []),
    'cp /try/pkgtrack.sources /etc/apt/sources.list.d/',
    'apt-get update -q',
    'step install apt-get install -y -q --no-install-recommends -t "$suite" "$pkg"',
    query('installed'),
    'if [ "$#" -gt 0 ]; then step run "$@"; fi',
    ...(o.autopkgtest ? AUTOPKGTEST : []),
    ...(o.upgrade
      ? [
          'step remove apt-get remove -y -q "$pkg"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
          'echo "removed: $(dpkg-query -W -f \'${db:Status-Abbrev}\' "$pkg" 2>/dev/null || echo un)"',
          'step purge apt-get purge -y -q "$pkg"',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
          'echo "purged: $(dpkg-query -W -f \'${db:Status-Abbrev}\' "$pkg" 2>/dev/null || echo un)"',
        ]
      : []),
  ].join('\n');
}

/**
 * autopkgtest over the source package of the installed binary, from our pool (`-B`: the tests
 * use the installed binaries, nothing is rebuilt). A source without `Testsuite:` says so and
 * runs nothing. autopkgtest exits 2 when some tests were skipped: that is a pass.
 */
const AUTOPKGTEST = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
  'src=$(dpkg-query -W -f \'${source:Package}\' "$pkg"); srcver=$(dpkg-query -W -f \'${source:Version}\' "$pkg")',
  // The pool file name has no epoch.
  'dscname="$src"_$(echo "$srcver" | sed "s/^[0-9]*://").dsc; dsc=$(find /repo/pool -name "$dscname" | head -n 1)',
  'if [ -z "$dsc" ]; then echo "autopkgtest: no $dscname in the pool"; step autopkgtest false; fi',
  'if ! grep -q "^Testsuite:" "$dsc"; then echo "autopkgtest: $(basename "$dsc") declares no Testsuite"; else',
  '  apt-get install -y -q --no-install-recommends autopkgtest dpkg-dev >/dev/null',
  '  atp() { autopkgtest -B --summary-file=/tmp/autopkgtest-summary "$dsc" -- null; rc=$?; sed "s/^/autopkgtest-summary: /" /tmp/autopkgtest-summary; [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ]; }',
  '  step autopkgtest atp',
  'fi',
];

/** The tests and verdicts of autopkgtest's summary file (`name PASS|FAIL|SKIP|FLAKY [detail]`). */
function autopkgtestVerdicts(output: string): NonNullable<TryResult['autopkgtest']> {
  const testsuite = !/^autopkgtest: .* declares no Testsuite$/m.test(output);
  const tests = [...output.matchAll(/^autopkgtest-summary: (\S+)[ \t]+(PASS|FAIL|SKIP|FLAKY|ERROR)\b[ \t]*(.*)$/gm)].map((m) => ({
    name: m[1]!,
    result: m[2]!,
    ...(m[3] ? { detail: m[3] } : {}),
  }));
  return { testsuite, tests };
}
