import * as Args from '@oclif/core/args';
import { stringify } from 'yaml';
import { repoFlag } from '../../cli/flags.js';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { showRecipe } from '../../services/recipe/index.js';

export default class RecipeShow extends PkgtrackCommand<typeof RecipeShow> {
  static override summary = 'Show one recipe with every default filled in.';
  static override examples = ['<%= config.bin %> recipe show hello', '<%= config.bin %> recipe show hello --json'];
  static override args = { name: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = { repo: repoFlag };

  async run() {
    const result = await showRecipe(this.args.name, this.flags.repo);
    this.show([
      `# ${result.file}`,
      `# targets: ${result.recipe.targets.join(', ')}; patches: ${result.recipe.patches}`,
      stringify(result.config).trimEnd(),
    ]);
    return result;
  }
}
