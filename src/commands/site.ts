import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { repoFlag } from '../cli/flags.js';
import { type GenerateSiteResult, generateSite } from '../services/site/index.js';

export default class Site extends PkgtrackCommand<typeof Site> {
  static override summary = 'Regenerate the repository web page (index.html and freshness badges).';
  static override description =
    'Reads the published apt and yum repositories, upstream observations and build records, and writes index.html (bounded: the most recently changed packages and a search box), packages/<package>.html and .json, badges/<package>.svg, packages.json and their assets into the output folder, atomically, rewriting only what changed. `pkgtrack publish` does this after every publish; run it alone after `pkgtrack check` to refresh freshness.';
  static override examples = [
    '<%= config.bin %> site',
    '<%= config.bin %> site --out /srv/www/repo',
    '<%= config.bin %> site --json | jq .badges',
  ];
  static override flags = {
    repo: repoFlag,
    out: Flags.string({ char: 'o', description: 'Output folder holding the published repositories (default: `output` in pkgtrack.yaml).' }),
  };

  async run(): Promise<GenerateSiteResult> {
    const result = await generateSite({
      progress: this.progress,
      ...(this.flags.repo ? { recipesRoot: this.flags.repo } : {}),
      ...(this.flags.out ? { out: this.flags.out } : {}),
    });
    const pkgs = result.suites.reduce((n, s) => n + s.packages, 0);
    this.show([
      `wrote ${result.outputDir}/index.html: ${result.suites.length} suite(s), ${pkgs} package(s), ${result.badges.length} badge(s); ${result.written.length} of ${result.files.length} file(s) changed`,
      ...(result.removed.length ? [`removed ${result.removed.length} stale file(s)`] : []),
    ]);
    return result;
  }
}
