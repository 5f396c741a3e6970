import { resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { repoFlag } from '../../cli/flags.js';
import { openRecipesRepository } from '../../services/shared/index.js';
import { tryInstall } from '../../services/repo/index.js';
import { publishedKeyPath } from '../../services/site/index.js';

export default class RepoTry extends PkgtrackCommand<typeof RepoTry> {
  static override summary = 'Install a published package in a clean container of a target, as a user would.';
  static override description =
    'Adds the published apt repository with a deb822 .sources file whose Signed-By holds the published key, runs apt-get update and install from the suite, then an optional command. No network: only what was published is used. Exit 1 when the install or the command fails.';
  static override examples = [
    '<%= config.bin %> repo try hello --target debian:bookworm -- hello',
    '<%= config.bin %> repo try hello --target debian:bookworm --arch arm64 -- hello',
    '<%= config.bin %> repo try hello --target debian:trixie --suite trixie-trunk --json',
    '<%= config.bin %> repo try hello --target debian:bookworm --suite bookworm-backports --upgrade',
    '<%= config.bin %> repo try jq --target debian:bookworm --suite bookworm-backports --autopkgtest --json',
  ];
  static override strict = false;
  static override args = { package: Args.string({ description: 'Binary package to install', required: true }) };
  static override flags = {
    repo: repoFlag,
    target: Flags.string({ char: 't', default: 'debian:bookworm', description: 'Target whose clean image to use' }),
    suite: Flags.string({ description: "Suite to install from (default: the target's release)" }),
    arch: Flags.string({
      char: 'a',
      description: 'Architecture of the container (default amd64); a foreign one (arm64, armhf, ...) runs under qemu-user',
    }),
    output: Flags.string({ description: 'Published output directory (default: pkgtrack.yaml output)' }),
    key: Flags.string({ description: 'Armored public key (default: the one published with the repository)' }),
    'with-distro': Flags.boolean({
      description: "Keep the distro's own archive (uses the network): dependencies not in our repository install from it",
    }),
    upgrade: Flags.boolean({
      description:
        "Upgrade test (implies --with-distro): install the distro's own version, upgrade to ours, remove, purge; fails unless each step does",
    }),
    autopkgtest: Flags.boolean({
      description:
        "Run the package's autopkgtests (implies --with-distro): the real autopkgtest tool, installed from the distro, runs the tests of the source package in our pool against the installed binaries (autopkgtest -B <dsc> -- null); a source without Testsuite: runs nothing and says so",
    }),
  };

  async run() {
    const f = this.flags;
    const recipesRepo = await openRecipesRepository(f.repo);
    const output = resolve(recipesRepo.root, f.output ?? recipesRepo.config.output);
    const dashdash = this.argv.indexOf('--');
    const result = await tryInstall({
      output,
      keyFile: f.key ?? publishedKeyPath(recipesRepo, f.output),
      pkg: this.args.package,
      target: f.target,
      ...(f.suite ? { suite: f.suite } : {}),
      ...(f.arch ? { arch: f.arch } : {}),
      ...(dashdash >= 0 ? { run: this.argv.slice(dashdash + 1) } : {}),
      ...(f['with-distro'] ? { withDistro: true } : {}),
      ...(f.upgrade ? { upgrade: true } : {}),
      ...(f.autopkgtest ? { autopkgtest: true } : {}),
      progress: this.progress,
    });
    const tests = result.autopkgtest;
    this.show([
      result.output.trimEnd(),
      '',
      ...(result.upgrade
        ? [
            `upgrade: ${result.upgrade.from || '(distro version not installed)'} → ${result.installed || '?'}; remove ${result.upgrade.removed ? 'ok' : 'FAILED'}; purge ${result.upgrade.purged ? 'ok' : 'FAILED'}`,
          ]
        : []),
      `steps: ${result.steps.map((s) => `${s.step} ${s.ok ? 'ok' : `FAILED (exit ${s.code})`}`).join(', ') || 'none ran'}`,
      ...(tests
        ? [
            tests.testsuite
              ? `autopkgtest: ${tests.tests.map((t) => `${t.name} ${t.result}`).join(', ') || 'no verdicts'}`
              : 'autopkgtest: the source package declares no Testsuite; nothing to run',
          ]
        : []),
      result.ok
        ? `${result.package} ${result.installed} installs from ${result.suite} on ${result.target} ${result.arch}`
        : `failed: see the output above`,
    ]);
    if (!result.ok) this.setExitCode(ExitCode.failure);
    return result;
  }
}
