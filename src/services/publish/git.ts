/**
 * `pkgtrack publish --to git+<url>#<branch>`: put the published output directory on a git
 * branch (e.g. gh-pages) as one commit, so any static host serving that branch serves the
 * repositories. The branch is replaced by the output's content; history is kept.
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { githubToken } from '../../upstream/github-client.js';
import { gitPush } from '../../core/git-push.js';

export interface GitTarget {
  url: string;
  branch: string;
}

export function parseGitTarget(spec: string): GitTarget {
  const m = /^git\+(.+)#([A-Za-z0-9._/-]+)$/.exec(spec);
  // A url starting with "-" would be an option to git (git+--upload-pack=cmd#b); git is also given "--".
  if (!m || m[1]!.startsWith('-') || m[2]!.startsWith('-') || m[2]!.includes('..')) {
    throw inputError(
      'PUBLISH_TO_INVALID',
      `"${spec}" is not a git target`,
      'Write git+<url>#<branch>, e.g. git+https://github.com/me/ppa.git#gh-pages.',
      { field: '--to' },
    );
  }
  return { url: m[1]!, branch: m[2]! };
}

export interface GitPushResult {
  url: string;
  branch: string;
  commit?: string;
  changed: boolean;
}

export async function pushOutputToGit(
  output: string,
  spec: string,
  opts: { message?: string; progress?: Progress; token?: string } = {},
): Promise<GitPushResult> {
  const progress = opts.progress ?? silentProgress;
  const t = parseGitTarget(spec);
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-pages-'));
  const wt = join(work, 'wt');
  const env = {
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'pkgtrack',
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'pkgtrack@localhost',
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'pkgtrack',
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'pkgtrack@localhost',
  };
  const git = (...args: string[]) => run('git', ['-C', wt, ...args], { env });
  try {
    progress.step(`fetching ${t.url} ${t.branch}`);
    const cloned = await run('git', ['clone', '--quiet', '--depth', '1', '--branch', t.branch, '--', t.url, wt], { check: false });
    if (cloned.code !== 0) {
      // The branch (or the repository) is new: start an orphan branch.
      await rm(wt, { recursive: true, force: true });
      await run('git', ['init', '--quiet', wt]);
      await git('checkout', '--quiet', '--orphan', t.branch);
    }
    for (const e of await readdir(wt)) if (e !== '.git') await rm(join(wt, e), { recursive: true, force: true });
    // Static hosts serve no symlinks (and fs.cp would make them absolute host paths): yum's
    // switched `repodata` link is copied as the directory it names; its .repodata store stays home.
    await cp(output, wt, {
      recursive: true,
      dereference: true,
      // The state database (kept in the output only when there is no pkgtrack.yaml) is local bookkeeping.
      filter: (src) => !/(^|\/)(\.git|\.repodata)(\/|$)|^\/\.pkgtrack\/state\.db/.test(src.slice(output.length)),
    });
    // GitHub Pages would hide folders starting with "_" or "." behind Jekyll.
    await writeFile(join(wt, '.nojekyll'), '');
    await git('add', '--all');
    const status = await git('status', '--porcelain');
    if (!status.stdout.trim()) {
      progress.step(`${t.branch} already holds this output`);
      return { url: t.url, branch: t.branch, changed: false };
    }
    await git('commit', '--quiet', '-m', opts.message ?? `Publish ${new Date().toISOString()}`);
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    progress.step(`pushing ${commit.slice(0, 12)} to ${t.url} ${t.branch}`);
    await gitPush(wt, t.url, `HEAD:refs/heads/${t.branch}`, opts.token ?? githubToken());
    return { url: t.url, branch: t.branch, commit, changed: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
