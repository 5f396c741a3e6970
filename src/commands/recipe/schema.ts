import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { recipeJsonSchema } from '../../services/recipe/index.js';

export default class RecipeSchema extends PkgtrackCommand<typeof RecipeSchema> {
  static override summary = 'Print the JSON Schema of recipe.yaml (or pkgtrack.yaml) for editor completion.';
  static override examples = [
    '<%= config.bin %> recipe schema > .vscode/recipe.schema.json',
    '<%= config.bin %> recipe schema --for repository > pkgtrack.schema.json',
  ];
  static override flags = {
    for: Flags.string({ options: ['recipe', 'repository'], default: 'recipe', description: 'Which file the schema describes' }),
  };

  async run() {
    const schema = recipeJsonSchema(this.flags.for as 'recipe' | 'repository');
    this.show(JSON.stringify(schema, null, 2));
    return schema;
  }
}
