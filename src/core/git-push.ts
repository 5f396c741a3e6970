/**
 * Talking to git remotes without leaking a token: for https remotes the credentials go through a
 * throwaway git config file (mode 0600) named by GIT_CONFIG_GLOBAL — never argv, never the
 * child's environment, deleted right after. Used for clones and ls-remote (private repositories)
 * as much as for pushes.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, type RunResult, run } from './exec.js';
import { registerSecret } from './secrets.js';

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
    await writeFile(cfg, `[http]\n\textraHeader = Authorization: Basic ${basic}\n`, { mode: 0o600 });
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
