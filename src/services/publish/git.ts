/**
 * `pkgtrack publish --to git+<url>#<branch>`: put the published output directory on a git
 * branch (e.g. gh-pages) as one commit, so any static host serving that branch serves the
 * repositories. The branch is replaced by the output's content; history is kept. A lease (the
 * commit the output was restored from) keeps an older view from replacing a newer publish.
 */
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflictError, inputError, isPkgtrackError, PkgtrackError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { isLocalOnly } from '../../repo/format.js';
import { githubToken } from '../../upstream/github-token.js';
import { gitPush, gitWithToken } from '../../core/git-push.js';
import { type PublishRequest, type PublishResult, publish } from './publish.js';
import { makeDirs } from '../../core/dirs.js';

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
  /** Publishes redone on a fresh restore because another publisher moved the branch first. */
  retries?: number;
}

/** `--lease` value meaning "the branch did not exist when the output was restored". */
export const NO_BRANCH = 'none';

const gitEnv = () => ({
  GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'pkgtrack',
  GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'pkgtrack@localhost',
  GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'pkgtrack',
  GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'pkgtrack@localhost',
});

/** The branch's tip commit, or undefined when the branch does not exist. Any other failure throws. */
export async function remoteTip(t: GitTarget, token: string | undefined): Promise<string | undefined> {
  const r = await gitWithToken(t.url, token, ['ls-remote', '--exit-code', '--heads', '--', t.url, `refs/heads/${t.branch}`], {
    check: false,
  });
  if (r.code === 2) return undefined;
  if (r.code !== 0)
    throw new PkgtrackError({
      code: 'PUBLISH_TO_UNREADABLE',
      kind: 'network',
      message: `cannot read ${t.url}: ${r.stderr.trim().split('\n').at(-1) ?? `git exit ${r.code}`}`,
      fix: 'Check the URL, and for a private repository that GITHUB_TOKEN (or GH_TOKEN) may read it.',
      details: { field: '--to' },
    });
  return r.stdout.split(/\s/)[0];
}

/** Clone `commit` of the branch into `wt` (with the token), or start an empty orphan branch. */
async function checkoutTip(t: GitTarget, tip: string | undefined, wt: string, token: string | undefined): Promise<void> {
  if (tip) {
    await gitWithToken(t.url, token, ['clone', '--quiet', '--depth', '1', '--branch', t.branch, '--', t.url, wt], {
      what: 'git clone',
      fix: 'Check the URL, and for a private repository that GITHUB_TOKEN (or GH_TOKEN) may read it.',
    });
    return;
  }
  await run('git', ['init', '--quiet', wt]);
  await run('git', ['-C', wt, 'checkout', '--quiet', '--orphan', t.branch]);
}

const movedError = (t: GitTarget, lease: string, tip: string | undefined) =>
  conflictError(
    'PUBLISH_TIP_MOVED',
    `${t.branch} of ${t.url} is at ${tip ?? 'nothing'}, not at ${lease} the output was restored from: another publisher pushed since`,
    'Restore the output from the branch again and publish again (pkgtrack does this itself with --lease).',
    { field: '--lease' },
  );

/**
 * Push the output folder to the branch as one commit on top of its tip. With `lease` (the commit
 * the output was restored from, or NO_BRANCH), refuse (PUBLISH_TIP_MOVED) when the branch has
 * moved since: pushing would replace another publisher's packages with this older view.
 */
export async function pushOutputToGit(
  output: string,
  spec: string,
  opts: { message?: string; progress?: Progress; token?: string; lease?: string } = {},
): Promise<GitPushResult> {
  const progress = opts.progress ?? silentProgress;
  const t = parseGitTarget(spec);
  const token = opts.token ?? githubToken();
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-pages-'));
  const wt = join(work, 'wt');
  const git = (...args: string[]) => run('git', ['-C', wt, ...args], { env: gitEnv() });
  try {
    progress.step(`fetching ${t.url} ${t.branch}`);
    const tip = await remoteTip(t, token);
    if (opts.lease !== undefined && (tip ?? NO_BRANCH) !== opts.lease) throw movedError(t, opts.lease, tip);
    await checkoutTip(t, tip, wt, token);
    for (const e of await readdir(wt)) if (e !== '.git') await rm(join(wt, e), { recursive: true, force: true });
    await copyServedTree(output, wt);
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
    // The lease again at the push itself: the commit sits on `tip`, so git refuses a moved branch
    // as non-fast-forward; --force-with-lease makes "the branch must still be absent" hold too.
    const lease = `--force-with-lease=refs/heads/${t.branch}:${tip ?? ''}`;
    try {
      await gitPush(wt, t.url, `HEAD:refs/heads/${t.branch}`, token, [lease]);
    } catch (e) {
      const now = await remoteTip(t, token).catch(() => tip);
      if (now !== tip) throw movedError(t, tip ?? NO_BRANCH, now);
      throw e;
    }
    return { url: t.url, branch: t.branch, commit, changed: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What a static host serves of the output: no symlinks, no generation store, no local state. */
async function copyServedTree(output: string, dest: string): Promise<void> {
  // Static hosts serve no symlinks (and fs.cp would make them absolute host paths): yum's
  // switched `repodata` link and apt's `dists/<suite>` links are copied as the directories they
  // name; their stores (.repodata, dists/.generations) stay home (the next publish adopts the
  // directories back once their signatures verify).
  await cp(output, dest, {
    recursive: true,
    dereference: true,
    // Local bookkeeping (state database, repository locks, temporaries) stays home, as for a bucket.
    filter: (src) => {
      const rel = src.slice(output.length + 1);
      return !/(^|\/)(\.git|\.repodata|dists\/\.generations)(\/|$)/.test(rel) && !isLocalOnly(rel);
    },
  });
}

/**
 * Replace the output folder's content by the branch's tip (what the workflows' restore step does);
 * returns the lease for the next push: the tip, or NO_BRANCH.
 */
export async function restoreOutputFromGit(output: string, spec: string, opts: { token?: string } = {}): Promise<string> {
  const t = parseGitTarget(spec);
  const token = opts.token ?? githubToken();
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-restore-'));
  try {
    const tip = await remoteTip(t, token);
    await makeDirs(output);
    for (const e of await readdir(output)) await rm(join(output, e), { recursive: true, force: true });
    if (!tip) return NO_BRANCH;
    const wt = join(work, 'wt');
    await checkoutTip(t, tip, wt, token);
    const head = (await run('git', ['-C', wt, 'rev-parse', 'HEAD'])).stdout.trim();
    await cp(wt, output, { recursive: true, filter: (src) => !/(^|\/)\.git(\/|$)/.test(src.slice(wt.length)) });
    return head;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * `publish --to`: publish, then push. With a lease, a branch another publisher moved meanwhile
 * means: restore the output from the new tip, publish the same inputs into it again and push
 * again (up to `attempts` times) — never replace the other publish. Without one, the push goes
 * on top of whatever the tip is (the output is taken as the whole truth).
 */
export async function publishAndPush(
  req: PublishRequest,
  spec: string,
  opts: { lease?: string; attempts?: number; token?: string } = {},
): Promise<PublishResult & { pushed: GitPushResult }> {
  parseGitTarget(spec);
  if (opts.lease !== undefined && !/^([0-9a-f]{40}|[0-9a-f]{64}|none)$/.test(opts.lease))
    throw inputError(
      'PUBLISH_LEASE_INVALID',
      `--lease "${opts.lease}" is not a full commit id`,
      'Give the full commit the output was restored from (git rev-parse FETCH_HEAD), or "none" when the branch did not exist.',
      { field: '--lease' },
    );
  const attempts = opts.attempts ?? 3;
  let lease = opts.lease;
  for (let attempt = 1; ; attempt++) {
    const result = await publish(req);
    if (result.dryRun) return { ...result, pushed: { ...parseGitTarget(spec), changed: false } };
    try {
      const pushed = await pushOutputToGit(result.output, spec, {
        progress: req.progress,
        message: `pkgtrack publish: ${result.reports.map((r) => `${r.kind} ${r.suite}`).join(', ')}`,
        ...(lease !== undefined ? { lease } : {}),
        ...(opts.token ? { token: opts.token } : {}),
      });
      return { ...result, pushed: { ...pushed, ...(attempt > 1 ? { retries: attempt - 1 } : {}) } };
    } catch (e) {
      if (lease === undefined || !isPkgtrackError(e) || e.code !== 'PUBLISH_TIP_MOVED' || attempt >= attempts) throw e;
      req.progress.warn(
        `${e.message}; restoring ${result.output} from the new tip and publishing again (attempt ${attempt + 1} of ${attempts})`,
      );
      lease = await restoreOutputFromGit(result.output, spec, opts.token ? { token: opts.token } : {});
    }
  }
}
