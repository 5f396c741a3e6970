import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { archFlag, repoFlag } from '../../cli/flags.js';
import { table } from '../../core/text-table.js';
import { type PrepareImagesResult, prepareBaseImages } from '../../services/image/index.js';

export default class ImageBuild extends PkgtrackCommand<typeof ImageBuild> {
  static override summary =
    'Make the base images of each target and architecture (Debian-style: the buildd chroot builds start from, and a minimal one to install into): pulled when a registry answers, else bootstrapped from the mirror.';
  static override examples = [
    '<%= config.bin %> image build',
    '<%= config.bin %> image build -t debian:bookworm -t debian:trixie --json',
    '<%= config.bin %> image build -t debian:bookworm -a arm64 -a armhf',
  ];
  static override flags = {
    target: Flags.string({
      char: 't',
      multiple: true,
      multipleNonGreedy: true,
      description:
        "Target, e.g. debian:bookworm (repeatable). Default: every target of the recipes repository's recipes; outside one, debian:bookworm and debian:trixie.",
    }),
    arch: archFlag,
    repo: repoFlag,
  };

  async run(): Promise<PrepareImagesResult> {
    const result = await prepareBaseImages({
      targets: this.flags.target,
      arches: this.flags.arch,
      recipesDir: this.flags.repo,
      progress: this.progress,
    });
    this.show([
      table(
        ['TARGET', 'ARCH', 'IMAGE', 'HOW', 'FROM', 'TIME'],
        result.images.map((i) => [
          i.target,
          i.arch,
          i.ref,
          i.reused ? `${i.origin} (already there)` : i.origin.toUpperCase(),
          i.source,
          `${i.seconds}s`,
        ]),
      ),
      ...(result.workarounds.length
        ? ['', `${result.engine} workarounds on this host:`, ...result.workarounds.map((w) => `  - ${w}`)]
        : []),
    ]);
    return result;
  }
}
