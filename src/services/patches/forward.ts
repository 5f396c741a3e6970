/**
 * `pkgtrack patches forward`: turn a distro patch into an upstream contribution. A branch on
 * top of upstream's head with the change as one commit (DEP-3 description as the message, the
 * patch author as the author), a pull-request body, and — with a GitHub upstream and a token —
 * the branch pushed and the pull request opened; then `Forwarded: <url>` goes back into the
 * patch header. `dryRun` does all the local work in a temporary clone and writes nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputError, notFound, PkgtrackError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { parsePatchBytes } from '../../patches/engine.js';
import { parsePatchHeader, setHeaderField, splitPatch } from '../../patches/header.js';
import { loadRecipe, type RecipesRepository } from '../../recipe/load.js';
import { toGitDiff } from '../../report/hunks.js';
import { GithubClient, type GithubClientOptions } from '../../upstream/github-client.js';
import { gitPush } from '../../core/git-push.js';
import { loadSeries } from './queue.js';

export interface ForwardOptions {
  recipesRepo: RecipesRepository;
  recipe: string;
  patch: string;
  dryRun?: boolean;
  /** Upstream git URL (default: the recipe's git URL, or https://github.com/<repo>.git). */
  upstreamUrl?: string;
  /** Where to push the branch (a fork); default: the upstream URL. */
  pushUrl?: string;
  /** `owner` of the fork for the pull request's head (`owner:branch`); default: upstream's owner. */
  forkOwner?: string;
  /** Upstream ref to base the branch on (default: the remote HEAD). */
  base?: string;
  github?: GithubClientOptions;
  progress?: Progress;
}

export interface ForwardResult {
  recipe: string;
  patch: string;
  branch: string;
  base: string;
  commit: string;
  author: string;
  title: string;
  body: string;
  /** The commit as a mail (git format-patch), for upstreams that take patches by mail. */
  mailbox: string;
  pushed: boolean;
  pullRequest?: { url: string; number: number };
  /** True when `Forwarded:` was written back into the patch. */
  headerUpdated: boolean;
  dryRun: boolean;
  nextSteps: string[];
}

const AUTHOR = /^(.+?)\s*<([^<>\s]+@[^<>\s]+)>$/;

export async function forwardPatch(opts: ForwardOptions): Promise<ForwardResult> {
  const progress = opts.progress ?? silentProgress;
  const recipe = await loadRecipe(opts.recipesRepo, opts.recipe);
  const series = await loadSeries(join(recipe.dir, 'patches'));
  const entry = series.entries.find((e) => e.name === opts.patch);
  if (!entry) {
    throw notFound(
      'PATCH_NOT_IN_SERIES',
      `${opts.patch} is not in ${recipe.name}'s series`,
      `Known patches: ${series.entries.map((e) => e.name).join(', ') || 'none'}.`,
    );
  }
  const patchPath = join(series.patchesDir, entry.name);
  const bytes = await readFile(patchPath);
  const text = bytes.toString('utf8');
  const header = parsePatchHeader(text);
  if (header.forwarded && /^https?:\/\//.test(header.forwarded)) {
    throw inputError(
      'PATCH_ALREADY_FORWARDED',
      `${entry.name} was already forwarded: ${header.forwarded}`,
      'Follow up there; remove the Forwarded field first to forward it again.',
    );
  }
  const title = header.description ?? entry.name.replace(/\.(patch|diff)$/, '').replace(/[-_]+/g, ' ');
  const author = header.author && AUTHOR.test(header.author) ? header.author : undefined;
  if (!author) {
    throw inputError(
      'PATCH_NO_AUTHOR',
      `${entry.name} has no "Author: Name <email>" field`,
      'Add Author (or From) to the patch header: upstream needs to know whose change it is.',
      {
        file: patchPath,
      },
    );
  }
  const u = recipe.config.upstream;
  const upstreamUrl = opts.upstreamUrl ?? (u.kind === 'git' ? u.url : u.kind === 'github' ? `https://github.com/${u.repo}.git` : undefined);
  if (!upstreamUrl) {
    throw inputError(
      'FORWARD_NO_UPSTREAM_GIT',
      `${recipe.name}'s upstream (${u.kind}) has no git repository to send a change to`,
      'Pass --upstream-url with upstream’s git URL.',
    );
  }
  const slug = entry.name.replace(/\.(patch|diff)$/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  const branch = `pkgtrack/${recipe.name}/${slug}`;
  const work = await mkdtemp(join(tmpdir(), 'pkgtrack-forward-'));
  try {
    progress.step(`cloning ${upstreamUrl}`);
    await run('git', ['clone', '--quiet', upstreamUrl, join(work, 'up')], {
      what: 'git clone',
      fix: 'Check --upstream-url and that it is reachable.',
    });
    const git = (...args: string[]) => run('git', ['-C', join(work, 'up'), ...args], { env: gitEnv(author) });
    const base = opts.base ?? (await git('rev-parse', '--abbrev-ref', 'HEAD')).stdout.trim();
    await git('checkout', '--quiet', '-b', branch, base);
    const diff = toGitDiff(parsePatchBytes(bytes, entry.name), entry.strip);
    await writeFile(join(work, 'change.diff'), diff);
    const applied = await run('git', ['-C', join(work, 'up'), 'apply', '--index', '--whitespace=nowarn', join(work, 'change.diff')], {
      check: false,
    });
    if (applied.code !== 0) {
      throw new PkgtrackError({
        code: 'FORWARD_DOES_NOT_APPLY',
        kind: 'conflict',
        message: `${entry.name} does not apply to upstream ${base}:\n${applied.stderr.trim().split('\n').slice(0, 5).join('\n')}`,
        fix: `Refresh it first (\`pkgtrack patches rebase ${recipe.name} --to <upstream version>\`), or check \`pkgtrack report patches ${recipe.name}\`: upstream may already have it.`,
      });
    }
    const message = [
      title,
      '',
      ...(header.longDescription ? [header.longDescription.trim(), ''] : []),
      ...trailers(opts.recipesRepo, recipe.name, entry.name, header),
    ].join('\n');
    await writeFile(join(work, 'message'), `${message}\n`);
    await git('commit', '--quiet', '--author', author, '-F', join(work, 'message'));
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    const mailbox = (await git('format-patch', '--stdout', '-1', 'HEAD')).stdout;
    const body = prBody(opts.recipesRepo, recipe.name, entry.name, header);
    const result: ForwardResult = {
      recipe: recipe.name,
      patch: entry.name,
      branch,
      base,
      commit,
      author,
      title,
      body,
      mailbox,
      pushed: false,
      headerUpdated: false,
      dryRun: !!opts.dryRun,
      nextSteps: [],
    };
    if (opts.dryRun) {
      result.nextSteps.push('Run again without --dry-run to push the branch and open the pull request.');
      return result;
    }
    const client = u.kind === 'github' ? new GithubClient({ ...opts.github, progress }) : undefined;
    const pushUrl = opts.pushUrl ?? upstreamUrl;
    progress.step(`pushing ${branch} to ${pushUrl}`);
    await gitPush(join(work, 'up'), pushUrl, `HEAD:refs/heads/${branch}`, client?.token);
    result.pushed = true;
    if (u.kind === 'github' && client?.token) {
      const [owner, name] = u.repo.split('/') as [string, string];
      const head = `${opts.forkOwner ?? owner}:${branch}`;
      progress.step(`opening a pull request on ${u.repo}`);
      const res = await client.withPolicy(() =>
        client.octokit.request('POST /repos/{owner}/{repo}/pulls', {
          owner,
          repo: name,
          title,
          head,
          base,
          body,
          maintainer_can_modify: true,
        }),
      );
      const data = res.data as { html_url: string; number: number };
      result.pullRequest = { url: data.html_url, number: data.number };
      const { header: raw, body: rest } = splitPatch(text);
      await writeFileAtomic(patchPath, setHeaderField(raw, 'Forwarded', data.html_url) + rest);
      result.headerUpdated = true;
      result.nextSteps.push(`Follow the pull request: ${data.html_url}`);
    } else {
      result.nextSteps.push(
        u.kind === 'github'
          ? 'Set GITHUB_TOKEN (or GH_TOKEN) to open the pull request, or open it by hand from the pushed branch.'
          : `Send the change upstream (the branch ${branch} is pushed; the mail is in the result's "mailbox").`,
        `Then record it: set "Forwarded: <url>" in patches/${entry.name}.`,
      );
    }
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function gitEnv(author: string): Record<string, string> {
  const [, name, email] = AUTHOR.exec(author) as unknown as [string, string, string];
  // The committer is whoever forwards; without a configured identity, use the author's.
  return {
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? name,
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? email,
    GIT_TERMINAL_PROMPT: '0',
  };
}

function trailers(recipesRepo: RecipesRepository, recipe: string, file: string, h: ReturnType<typeof parsePatchHeader>): string[] {
  const t = [`Forwarded-from: ${recipesRepo.config.origin} (${recipe}/patches/${file})`];
  for (const b of h.bugs) t.push(`${b.vendor ? `Bug-${b.vendor}` : 'Bug'}: ${b.url}`);
  return t;
}

function prBody(recipesRepo: RecipesRepository, recipe: string, file: string, h: ReturnType<typeof parsePatchHeader>): string {
  return [
    h.longDescription?.trim() || h.description || '',
    '',
    `This change is carried as a distribution patch by ${recipesRepo.config.label} (\`${recipe}/patches/${file}\`). Sending it upstream so that everyone gets it and we can drop our copy.`,
    ...(h.bugs.length ? ['', 'Related:', ...h.bugs.map((b) => `- ${b.url}`)] : []),
    '',
    '_Prepared with pkgtrack._',
  ].join('\n');
}
