import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { type ImageArchiveResult, saveBuilderImages } from '../../services/image/index.js';

export default class ImageSave extends PkgtrackCommand<typeof ImageSave> {
  static override summary = 'Save the images a build used (dependency image and its base) to one archive, for a CI cache.';
  static override description =
    'Reads the build manifests below --from (what `pkgtrack build --out` wrote) and saves the images they name, if this machine still has them under the same id. The workflows `pkgtrack init` writes cache the file per (target, recipe) so the next build cell loads it with `image load` instead of bootstrapping a base and reinstalling build dependencies.';
  static override examples = [
    '<%= config.bin %> image save --from out --out "$RUNNER_TEMP/pkgtrack-images.tar"',
    '<%= config.bin %> image save --out images.tar --json',
  ];
  static override flags = {
    from: Flags.string({ default: 'out', description: 'Build output folder whose manifests name the images.' }),
    out: Flags.string({ char: 'o', required: true, description: 'Archive file to write (replaced atomically).' }),
  };

  async run(): Promise<ImageArchiveResult> {
    const r = await saveBuilderImages({ from: this.flags.from, file: this.flags.out, progress: this.progress });
    this.show([
      `Saved ${r.images.length} image(s) to ${r.file} (${(r.bytes / 1048576).toFixed(1)} MiB):`,
      ...r.images.map((i) => `  ${i.kind} ${i.ref}`),
    ]);
    return r;
  }
}
