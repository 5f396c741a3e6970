import { PkgtrackCommand } from '../../cli/base-command.js';
import { table } from '../../core/text-table.js';
import { type ImageListResult, listImages } from '../../services/image/index.js';

export default class ImageList extends PkgtrackCommand<typeof ImageList> {
  static override summary = 'List the builder images pkgtrack made (base and dependency images).';
  static override examples = ['<%= config.bin %> image list', '<%= config.bin %> image list --json'];

  async run(): Promise<ImageListResult> {
    const result = await listImages();
    if (result.images.length === 0) this.show('No pkgtrack images yet. `pkgtrack image build` or `pkgtrack build` makes them.');
    else
      this.show(
        table(
          ['IMAGE', 'KIND', 'TARGET', 'ORIGIN', 'ID', 'SIZE', 'CREATED'],
          result.images.map((i) => [
            i.ref,
            i.kind,
            i.target,
            i.labels['org.pkgtrack.origin'] ?? '-',
            i.id.replace(/^sha256:/, '').slice(0, 12),
            i.size,
            i.created,
          ]),
        ),
      );
    return result;
  }
}
