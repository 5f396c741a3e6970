/**
 * Pushing to git remotes without leaking a token: for https remotes the credentials go through a
 * throwaway git config file (mode 0600) named by GIT_CONFIG_GLOBAL — never argv, never the
 * child's environment, deleted right after.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';
import { registerSecret } from './secrets.js';

export async function gitPush(dir: string, url: string, refspec: string, token: string | undefined, extra: string[] = []): Promise<void> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
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
    await run('git', ['-C', dir, 'push', '--quiet', ...extra, '--', url, refspec], {
      env,
      what: 'git push',
      fix: 'Check the remote URL and that you may push to it.',
    });
  } finally {
    if (cfg) await rm(cfg, { force: true });
  }
}
