import * as Args from '@oclif/core/args';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { type ImageArchiveResult, loadBuilderImages } from '../../services/image/index.js';

export default class ImageLoad extends PkgtrackCommand<typeof ImageLoad> {
  static override summary = 'Load builder images from an archive `pkgtrack image save` wrote (a CI cache).';
  static override examples = ['<%= config.bin %> image load "$RUNNER_TEMP/pkgtrack-images.tar"'];
  static override args = { file: Args.string({ description: 'Archive to load.', required: true }) };

  async run(): Promise<ImageArchiveResult> {
    const r = await loadBuilderImages({ file: this.args.file, progress: this.progress });
    this.show(
      r.images.length
        ? [`Loaded ${r.images.length} image(s) from ${r.file}:`, ...r.images.map((i) => `  ${i.kind} ${i.ref}`)]
        : [`${r.file}: every image in it was already here.`],
    );
    return r;
  }
}
