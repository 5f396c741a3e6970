import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { compareVersionStrings, type VersionCompareResult } from '../../services/version/index.js';

export default class VersionCompare extends PkgtrackCommand<typeof VersionCompare> {
  static override summary = 'Compare two package versions the way dpkg or rpm does.';
  static override description =
    'Prints <, = or > as A sorts before, equal to or after B. Exits 0 whatever the order; an invalid version exits 2 with the reason.';
  static override examples = [
    '<%= config.bin %> version compare 1.0~rc1-1 1.0-1',
    '<%= config.bin %> version compare 2:1.0-1 1:9.9 --scheme deb',
    '<%= config.bin %> version compare 1.0^git1 1.0 --scheme rpm --json',
  ];

  static override args = {
    a: Args.string({ description: 'First version', required: true }),
    b: Args.string({ description: 'Second version', required: true }),
  };

  static override flags = {
    scheme: Flags.string({ description: 'Comparison rules: deb (dpkg) or rpm (rpmvercmp, EVR)', options: ['deb', 'rpm'], default: 'deb' }),
  };

  async run(): Promise<VersionCompareResult> {
    const result = compareVersionStrings(this.args.a, this.args.b, this.flags.scheme as 'deb' | 'rpm');
    this.show(result.result);
    return result;
  }
}
