/**
 * The `git` upstream: tags and branch heads of any remote via `git ls-remote` (through
 * core/exec: argv only, no prompts, dangerous transports off). Annotated tags are peeled so a
 * release names the commit, not the tag object.
 */
import { mapLimit } from '../core/concurrency.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputError, PkgtrackError } from '../core/errors.js';
import { run } from '../core/exec.js';
import type { Progress } from '../core/progress.js';
import { compareUpstreamVersions } from '../formats/versions.js';
import type { RecipeUpstream, UpstreamHead, UpstreamRelease, UpstreamSource } from './source.js';

export interface RemoteRefs {
  /** What HEAD points to (`refs/heads/main`), when the server says. */
  headSymref?: string;
  head?: string;
  branches: Map<string, string>;
  /** Tag name → commit (peeled). */
  tags: Map<string, string>;
  /** Tag name → tag object, for annotated tags. */
  tagObjects: Map<string, string>;
}

/** Parse `git ls-remote --symref` output. Pure. */
export function parseLsRemote(text: string): RemoteRefs {
  const refs: RemoteRefs = { branches: new Map(), tags: new Map(), tagObjects: new Map() };
  const peeled = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sym = /^ref: (\S+)\tHEAD$/.exec(line);
    if (sym) {
      refs.headSymref = sym[1]!;
      continue;
    }
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (!m) continue;
    const [, sha, ref] = m as unknown as [string, string, string];
    if (ref === 'HEAD') refs.head = sha;
    else if (ref.startsWith('refs/heads/')) refs.branches.set(ref.slice(11), sha);
    else if (ref.startsWith('refs/tags/')) {
      const name = ref.slice(10);
      if (name.endsWith('^{}')) peeled.set(name.slice(0, -3), sha);
      else refs.tags.set(name, sha);
    }
  }
  for (const [name, commit] of peeled) {
    const obj = refs.tags.get(name);
    if (obj !== undefined && obj !== commit) refs.tagObjects.set(name, obj);
    refs.tags.set(name, commit);
  }
  return refs;
}

/** Refuse URLs git would read as options or hand to a helper that runs commands. */
export function checkGitUrl(url: string, recipe?: string): void {
  if (url.startsWith('-') || /^ext::/i.test(url) || /[\r\n\0]/.test(url)) {
    throw inputError(
      'GIT_URL_UNSAFE',
      `${JSON.stringify(url)} is not a git URL pkgtrack will use`,
      'Use an https://, git://, ssh:// or file path URL.',
      {
        field: 'upstream.url',
        ...(recipe ? { recipe } : {}),
      },
    );
  }
}

export async function lsRemote(url: string, opts: { timeoutMs?: number } = {}): Promise<RemoteRefs> {
  checkGitUrl(url);
  const r = await run('git', ['-c', 'protocol.ext.allow=never', '-c', 'credential.interactive=never', 'ls-remote', '--symref', url], {
    env: { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' },
    timeoutMs: opts.timeoutMs ?? 120_000,
    check: false,
  });
  if (r.code !== 0) {
    const why = r.stderr.trim().split('\n').filter(Boolean).slice(0, 2).join(' ');
    const missing = /not found|does not appear to be a git repository|repository .* not found/i.test(r.stderr);
    throw new PkgtrackError({
      code: missing ? 'GIT_REMOTE_NOT_FOUND' : 'GIT_REMOTE_FAILED',
      kind: missing ? 'not-found' : 'network',
      message: `git ls-remote ${url} failed: ${why || `exit ${r.code}`}`,
      fix: missing ? 'Check upstream.url in the recipe.' : 'Check the network and that the remote is reachable without a password.',
      details: { url },
    });
  }
  return parseLsRemote(r.stdout);
}

type GitUpstream = Extract<RecipeUpstream['config'], { kind: 'git' }>;

export class GitSource implements UpstreamSource {
  readonly kind = 'git' as const;
  constructor(
    private readonly opts: {
      progress?: Progress;
      concurrency?: number /** Add describe/committedAt to head() (default true). */;
      describe?: boolean;
    } = {},
  ) {}

  async releases(recipes: readonly RecipeUpstream[]): Promise<Map<string, UpstreamRelease[] | Error>> {
    const out = new Map<string, UpstreamRelease[] | Error>();
    await mapLimit(recipes, this.opts.concurrency ?? 4, async (r) => {
      const cfg = r.config as GitUpstream;
      this.opts.progress?.step(`git: ls-remote ${cfg.url}`);
      try {
        const refs = await lsRemote(cfg.url);
        out.set(r.recipe, releasesFromRefs(refs, cfg.url, r.tagToVersion));
      } catch (e) {
        out.set(r.recipe, e as Error);
      }
    });
    return out;
  }

  async head(recipe: RecipeUpstream, branch?: string): Promise<UpstreamHead> {
    const cfg = recipe.config as GitUpstream;
    const refs = await lsRemote(cfg.url);
    const want = branch ?? cfg.branch;
    const name = want ?? refs.headSymref?.replace(/^refs\/heads\//, '');
    const commit = want ? refs.branches.get(want) : (refs.head ?? (name ? refs.branches.get(name) : undefined));
    if (!commit || !name) {
      throw new PkgtrackError({
        code: 'UPSTREAM_BRANCH_NOT_FOUND',
        kind: 'not-found',
        message: `${cfg.url} has no branch ${want ?? '(remote HEAD)'}`,
        fix: `Known branches: ${[...refs.branches.keys()].slice(0, 10).join(', ') || 'none'}. Set channels.trunk.branch.`,
      });
    }
    const head: UpstreamHead = { branch: name, commit, git: { url: cfg.url } };
    if (this.opts.describe !== false) Object.assign(head, await describeCommit(cfg.url, commit, name, recipe.tagToVersion));
    return head;
  }
}

/**
 * The newest release tag reachable from `commit` and the commits since it, plus the commit
 * time: what a snapshot version needs ({release}, {commits}, {date}). Uses a treeless partial
 * fetch into a temporary bare repository (history only, no file contents), then plain git.
 */
export async function describeCommit(
  url: string,
  commit: string,
  branch: string,
  tagToVersion: (t: string) => string | undefined,
): Promise<Pick<UpstreamHead, 'describe' | 'committedAt'>> {
  checkGitUrl(url);
  const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-describe-'));
  const env = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' };
  const git = (args: string[]) =>
    run('git', ['-c', 'protocol.ext.allow=never', '-C', dir, ...args], { env, timeoutMs: 600_000, what: `git ${args[0]}` });
  try {
    await git(['init', '-q', '--bare']);
    await git(['fetch', '-q', '--filter=tree:0', '--tags', url, `+refs/heads/${branch}:refs/heads/${branch}`]);
    const committedAt = (await git(['log', '-1', '--format=%cI', commit])).stdout.trim();
    const tags = (await git(['tag', '--merged', commit])).stdout.split('\n').filter(Boolean);
    let best: { tag: string; version: string } | undefined;
    for (const tag of tags) {
      const version = tagToVersion(tag);
      if (version !== undefined && (!best || compareUpstreamVersions(version, best.version) > 0)) best = { tag, version };
    }
    const out: Pick<UpstreamHead, 'describe' | 'committedAt'> = committedAt ? { committedAt } : {};
    if (best) {
      const count = Number((await git(['rev-list', '--count', `refs/tags/${best.tag}..${commit}`])).stdout.trim());
      out.describe = { tag: best.tag, commitsSince: count };
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function releasesFromRefs(refs: RemoteRefs, url: string, tagToVersion: (t: string) => string | undefined): UpstreamRelease[] {
  const out: UpstreamRelease[] = [];
  for (const [tag, commit] of refs.tags) {
    const version = tagToVersion(tag);
    if (version === undefined) continue;
    out.push({ version, tag, commit, git: { url, ref: `refs/tags/${tag}` } });
  }
  return out.sort((a, b) => compareUpstreamVersions(b.version, a.version));
}
