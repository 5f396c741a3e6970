import { repoFlag } from '../../cli/flags.js';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { table } from '../../core/text-table.js';
import { listRecipes } from '../../services/recipe/index.js';

export default class RecipeList extends PkgtrackCommand<typeof RecipeList> {
  static override summary = 'List the recipes in the repository.';
  static override examples = [
    '<%= config.bin %> recipe list',
    '<%= config.bin %> recipe list --json',
    '<%= config.bin %> recipe list -C ~/my-recipes',
  ];
  static override flags = { repo: repoFlag };

  async run() {
    const result = await listRecipes(this.flags.repo);
    if (result.recipes.length === 0)
      this.show(`No recipes in ${result.repository}/recipes. Add one with \`pkgtrack recipe import\` or copy an example.`);
    else
      this.show(
        table(
          ['RECIPE', 'UPSTREAM', 'TARGETS', 'CHANNELS', 'PATCHES'],
          result.recipes.map((r) => [r.name, r.upstream, r.targets.join(','), r.channels.join(','), String(r.patches)]),
        ),
      );
    return result;
  }
}
