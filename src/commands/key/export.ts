import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { keyExport, type ExportFormat } from '../../services/key/index.js';

export default class KeyExport extends PkgtrackCommand<typeof KeyExport> {
  static override summary = 'Print the public signing key(s) in a form users install.';
  static override description =
    'armored: the public key block (every signing key during a rotation); sources: a deb822 .sources file with the key embedded in Signed-By; repo: a dnf .repo file with gpgcheck=1, repo_gpgcheck=1 and gpgkey=; signed-by: the fingerprints for a Release Signed-By field.';
  static override examples = [
    '<%= config.bin %> key export > public/example-archive-keyring.asc',
    '<%= config.bin %> key export --format sources --url https://repo.example.org/apt > example.sources',
    '<%= config.bin %> key export --format repo --url https://repo.example.org/yum',
  ];
  static override flags = {
    repo: repoFlag,
    format: Flags.string({ description: 'Output form.', options: ['armored', 'sources', 'repo', 'signed-by'], default: 'armored' }),
    url: Flags.string({ description: 'Public base URL of the repository (default: url in pkgtrack.yaml).' }),
    'key-url': Flags.string({ description: 'URL of the published armored key for gpgkey= (default: <url>/<name>-archive-keyring.asc).' }),
  };

  async run() {
    const r = await keyExport({
      format: this.flags.format as ExportFormat,
      ...(this.flags.repo ? { recipesDir: this.flags.repo } : {}),
      ...(this.flags.url ? { url: this.flags.url } : {}),
      ...(this.flags['key-url'] ? { keyUrl: this.flags['key-url'] } : {}),
    });
    if (!this.jsonEnabled()) process.stdout.write(r.text);
    return r;
  }
}
