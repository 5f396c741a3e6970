import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { type ImportResult, importRecipe } from '../../services/recipe/index.js';

export default class RecipeImport extends PkgtrackCommand<typeof RecipeImport> {
  static override summary =
    'Create a recipe from existing packaging: a .dsc, a Debian source tree, a debian/ folder, a .spec, or debian:<package>[/<suite>].';
  static override description =
    'debian/patches become patches/ (byte for byte, headers kept), debian/watch becomes the upstream section, and spec PatchN lines with the comments above them become series entries with DEP-3 headers.';
  static override examples = [
    '<%= config.bin %> recipe import debian:hello',
    '<%= config.bin %> recipe import debian:bzip2/trixie --name bzip2',
    '<%= config.bin %> recipe import debian:jq/sid --for debian:bookworm',
    '<%= config.bin %> recipe import ./hello_2.12.3-1.dsc',
    '<%= config.bin %> recipe import ~/src/hello/debian',
    '<%= config.bin %> recipe import foo.spec',
  ];
  static override args = {
    source: Args.string({ description: '.dsc, source tree, debian/ folder, .spec, or debian:<package>[/<suite>]', required: true }),
  };
  static override flags = {
    repo: repoFlag,
    name: Flags.string({ description: 'Recipe name (default: the source package name)' }),
    force: Flags.boolean({ description: 'Replace an existing recipe of that name' }),
    for: Flags.string({
      multiple: true,
      description:
        "Backport to this target (e.g. debian:bookworm): build only for it, record the version it ships (the .changes starts there), follow the packaging's suite",
    }),
    'check-valid-until': Flags.boolean({
      allowNo: true,
      default: true,
      description:
        "--no-check-valid-until: accept the archive's Release past its Valid-Until (a frozen mirror), as apt's Check-Valid-Until=false; signatures and hashes are still checked. Written into the recipe.",
    }),
  };

  async run(): Promise<ImportResult> {
    const f = this.flags;
    const r = await importRecipe(this.args.source, {
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.name ? { name: f.name } : {}),
      force: f.force,
      ...(f.for?.length ? { for: f.for } : {}),
      ...(f['check-valid-until'] ? {} : { checkValidUntil: false }),
      progress: this.progress,
    });
    this.show([
      `imported ${r.recipe} (${r.from}) into ${r.dir}`,
      `  upstream: ${r.upstream.kind}`,
      `  patches: ${r.patches.length}`,
      ...(r.targets ? [`  targets: ${r.targets.join(', ')}`] : []),
      ...r.notes.map((n) => `  note: ${n}`),
    ]);
    return r;
  }
}
