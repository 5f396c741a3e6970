/**
 * Talking to git remotes without leaking a token: for https remotes the credentials go through a
 * throwaway git config file (mode 0600) named by GIT_CONFIG_GLOBAL — never argv, never the
 * child's environment, deleted right after. That file includes the user's own global config
 * first, so their url.*.insteadOf, proxies, CA bundles and credential helpers still apply. Used
 * for clones and ls-remote (private repositories) as much as for pushes.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, type RunResult, run } from './exec.js';
import { registerSecret } from './secrets.js';

/**
 * The global config files git would read without GIT_CONFIG_GLOBAL, in its order (a missing
 * include is ignored by git); or the one GIT_CONFIG_GLOBAL already names.
 */
export function userGlobalGitConfigs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.GIT_CONFIG_GLOBAL) return env.GIT_CONFIG_GLOBAL === '/dev/null' ? [] : [env.GIT_CONFIG_GLOBAL];
  const home = env.HOME ?? homedir();
  return [join(env.XDG_CONFIG_HOME || join(home, '.config'), 'git', 'config'), join(home, '.gitconfig')];
}

/** A config path as a git config string value (quoted, backslashes and quotes escaped). */
const gitConfigString = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Run `git args…` against `url` with `token` (https remotes only) as an Authorization header. */
export async function gitWithToken(
  url: string,
  token: string | undefined,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const env: Record<string, string | undefined> = { ...opts.env, GIT_TERMINAL_PROMPT: '0' };
  let cfg: string | undefined;
  if (token && /^https:\/\//.test(url)) {
    registerSecret(token);
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    registerSecret(basic);
    cfg = join(tmpdir(), `pkgtrack-git-${randomBytes(8).toString('hex')}.cfg`);
    const includes = userGlobalGitConfigs({ ...process.env, ...opts.env })
      .map((p) => `[include]\n\tpath = ${gitConfigString(p)}\n`)
      .join('');
    await writeFile(cfg, `${includes}[http]\n\textraHeader = Authorization: Basic ${basic}\n`, { mode: 0o600 });
    await chmod(cfg, 0o600);
    env.GIT_CONFIG_GLOBAL = cfg;
  }
  try {
    return await run('git', args, { ...opts, env });
  } finally {
    if (cfg) await rm(cfg, { force: true });
  }
}

export async function gitPush(dir: string, url: string, refspec: string, token: string | undefined, extra: string[] = []): Promise<void> {
  await gitWithToken(url, token, ['-C', dir, 'push', '--quiet', ...extra, '--', url, refspec], {
    what: 'git push',
    fix: 'Check the remote URL and that you may push to it.',
  });
}
