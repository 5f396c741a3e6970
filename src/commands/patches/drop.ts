import * as Args from '@oclif/core/args';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { type DropResult, dropPatch } from '../../services/patches/index.js';

export default class PatchesDrop extends PkgtrackCommand<typeof PatchesDrop> {
  static override summary = "Remove one patch from a recipe's queue: its series line and its file.";
  static override description =
    'As `gbp pq drop` or `quilt delete -r`: comments and the other lines of patches/series are kept as written. A name not in the series fails, with the closest one.';
  static override examples = ['<%= config.bin %> patches drop hello readme-packaging-contact.patch'];
  static override args = {
    recipe: Args.string({ description: 'Recipe name', required: true }),
    patch: Args.string({ description: 'Patch name as the series lists it', required: true }),
  };
  static override flags = { repo: repoFlag };

  async run(): Promise<DropResult> {
    const r = await dropPatch(this.args.recipe, this.args.patch, this.flags.repo ? { recipesDir: this.flags.repo } : {});
    this.show(`${r.recipe}: dropped ${r.dropped}; ${r.remaining.length} patch(es) left`);
    return r;
  }
}
