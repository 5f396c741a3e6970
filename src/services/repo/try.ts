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
}

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
    const withDistro = !!(o.withDistro || o.upgrade);
    // Without the distro: only our repository, to prove it installs from what we published.
    const script = [
      'export DEBIAN_FRONTEND=noninteractive',
      'suite="$1"; pkg="$2"; shift 2',
      ...(withDistro ? [] : ['rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list']),
      ...(o.upgrade
        ? [
            // The distro's own version first, before our repository is known.
            'apt-get update -q',
            'apt-get install -y -q --no-install-recommends "$pkg"',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
            'dpkg-query -W -f "distro: \\${Package} \\${Version}\\n" "$pkg"',
          ]
        : []),
      'cp /try/pkgtrack.sources /etc/apt/sources.list.d/',
      'apt-get update -q',
      'apt-get install -y -q --no-install-recommends -t "$suite" "$pkg"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
      'dpkg-query -W -f "installed: \\${Package} \\${Version}\\n" "$pkg"',
      'if [ "$#" -gt 0 ]; then "$@"; fi',
      ...(o.upgrade
        ? [
            'apt-get remove -y -q "$pkg"',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
            'echo "removed: $(dpkg-query -W -f \'${db:Status-Abbrev}\' "$pkg" 2>/dev/null || echo un)"',
            'apt-get purge -y -q "$pkg"',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${Field} format, not a JS template
            'echo "purged: $(dpkg-query -W -f \'${db:Status-Abbrev}\' "$pkg" 2>/dev/null || echo un)"',
          ]
        : []),
    ].join(' && ');
    const r = await engine.run({
      image: base.ref,
      network: withDistro ? 'default' : 'none',
      ...(arch !== DEFAULT_ARCH ? { arch } : {}),
      mounts: [
        { host: aptRoot, container: '/repo', readOnly: true },
        { host: work, container: '/try', readOnly: true },
      ],
      argv: ['sh', '-ec', script, 'sh', suite, o.pkg, ...(o.run ?? [])],
    });
    const installed = /^installed: \S+ (\S+)$/m.exec(r.output)?.[1] ?? '';
    const result: TryResult = { package: o.pkg, target: o.target, arch, suite, installed, output: r.output, ok: r.code === 0 };
    if (o.upgrade) {
      const from = /^distro: \S+ (\S+)$/m.exec(r.output)?.[1] ?? '';
      // dpkg's abbreviated status: "rc" = removed with its conffiles kept, "un"/none = nothing left.
      const removed = /^removed: (rc|un|pn)?\s*$/m.test(r.output);
      const purged = /^purged: (un|pn)?\s*$/m.test(r.output);
      result.upgrade = { from, removed, purged };
      // An "upgrade" that did not go up is a failure: ours must sort above the distro's.
      if (!from || !installed || from === installed || !removed || !purged) result.ok = false;
    }
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
