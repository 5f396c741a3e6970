import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../cli/base-command.js';
import { repoFlag } from '../cli/flags.js';
import { type FetchedSource, fetchSourceByName } from '../services/fetch/index.js';

export default class Fetch extends PkgtrackCommand<typeof Fetch> {
  static override summary = "Download a recipe's upstream source into the cache and produce <name>_<version>.orig.tar.<ext>.";
  static override description =
    "The tarball is stored by SHA-256, checked against the published checksum and upstream's OpenPGP signature when the recipe ships upstream's key, and kept byte-identical; git upstreams are archived at the tag or commit.";
  static override examples = [
    '<%= config.bin %> fetch hello',
    '<%= config.bin %> fetch hello --version 2.12.1 --out .',
    '<%= config.bin %> fetch jq --trunk',
  ];
  static override args = { recipe: Args.string({ description: 'Recipe name', required: true }) };
  static override flags = {
    repo: repoFlag,
    version: Flags.string({ description: 'Upstream version (default: the newest release)', exclusive: ['trunk'] }),
    trunk: Flags.boolean({ description: 'Archive the head of the trunk branch instead of a release' }),
    out: Flags.string({ description: 'Directory for the orig tarball (default: the cache)' }),
  };

  async run(): Promise<FetchedSource> {
    const f = this.flags;
    const r = await fetchSourceByName(this.args.recipe, {
      ...(f.repo ? { recipesDir: f.repo } : {}),
      ...(f.version ? { version: f.version } : {}),
      ...(f.trunk ? { trunk: true } : {}),
      ...(f.out ? { outDir: f.out } : {}),
      progress: this.progress,
    });
    this.show([
      r.origTarball,
      `  version ${r.version}, sha256 ${r.sha256}, ${r.size} bytes (${r.method})`,
      `  signature: ${r.signature.verified ? `verified, key ${r.signature.fingerprint} (${r.signature.key})` : `not checked: ${r.signature.reason}`}`,
      ...(r.upstreamChanged ? [`  WARNING: upstream served different bytes before (${r.upstreamChanged.previousSha256})`] : []),
    ]);
    return r;
  }
}
