import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PkgtrackCommand } from '../../cli/base-command.js';
import { repoFlag } from '../../cli/flags.js';
import { forwardPatch } from '../../services/patches/index.js';
import { openRecipesRepository } from '../../services/shared/index.js';

export default class PatchesForward extends PkgtrackCommand<typeof PatchesForward> {
  static override summary = 'Send a distro patch upstream: a branch with the change as a commit, and a pull request.';
  static override description =
    'Clones upstream, commits the patch on a branch (its DEP-3 description as the message, its author as the author), pushes the branch and, for GitHub upstreams with GITHUB_TOKEN, opens the pull request and writes "Forwarded: <url>" back into the patch. --dry-run does the local work only and prints the commit, the pull-request body and the mail.';
  static override examples = [
    '<%= config.bin %> patches forward hello readme-https-distribution-point.patch --dry-run',
    'GITHUB_TOKEN=... <%= config.bin %> patches forward jq fix-build.patch --push-url https://github.com/me/jq.git --fork-owner me',
  ];
  static override args = {
    recipe: Args.string({ description: 'Recipe name', required: true }),
    patch: Args.string({ description: 'Patch file name (as in patches/series)', required: true }),
  };
  static override flags = {
    repo: repoFlag,
    'dry-run': Flags.boolean({ description: 'Show everything, push and write nothing' }),
    'upstream-url': Flags.string({ description: "Upstream's git URL (default: from the recipe)" }),
    'push-url': Flags.string({ description: 'Where to push the branch, e.g. your fork (default: upstream)' }),
    'fork-owner': Flags.string({ description: 'Owner of the fork, for the pull request head (owner:branch)' }),
    base: Flags.string({ description: 'Upstream branch or ref to base the change on (default: upstream HEAD)' }),
  };

  async run() {
    const f = this.flags;
    const result = await forwardPatch({
      recipesRepo: await openRecipesRepository(f.repo),
      recipe: this.args.recipe,
      patch: this.args.patch,
      progress: this.progress,
      ...(f['dry-run'] ? { dryRun: true } : {}),
      ...(f['upstream-url'] ? { upstreamUrl: f['upstream-url'] } : {}),
      ...(f['push-url'] ? { pushUrl: f['push-url'] } : {}),
      ...(f['fork-owner'] ? { forkOwner: f['fork-owner'] } : {}),
      ...(f.base ? { base: f.base } : {}),
    });
    this.show([
      `${result.dryRun ? '[dry run] ' : ''}${result.patch} → branch ${result.branch} on ${result.base} (commit ${result.commit.slice(0, 12)}, author ${result.author})`,
      result.pullRequest ? `pull request: ${result.pullRequest.url}` : result.pushed ? 'branch pushed' : 'nothing pushed',
      result.headerUpdated ? `patches/${result.patch}: Forwarded: ${result.pullRequest?.url}` : '',
      '',
      `title: ${result.title}`,
      '',
      result.body,
      '',
      ...result.nextSteps.map((s) => `next: ${s}`),
    ]);
    return result;
  }
}
