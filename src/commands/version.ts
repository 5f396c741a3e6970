import { PkgtrackCommand } from '../cli/base-command.js';

export default class Version extends PkgtrackCommand<typeof Version> {
  static override summary = 'Print the pkgtrack version and runtime.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];

  async run(): Promise<{ pkgtrack: string; node: string; platform: string }> {
    const result = { pkgtrack: this.config.version, node: process.versions.node, platform: `${process.platform}-${process.arch}` };
    this.show(`pkgtrack ${result.pkgtrack} (node ${result.node}, ${result.platform})`);
    return result;
  }
}
