/**
 * The token config pkgtrack hands git for https remotes replaces GIT_CONFIG_GLOBAL; it must
 * still carry the user's own global config (url.*.insteadOf, proxies, CA bundles), or a token in
 * the environment would silently change where and how git connects.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitWithToken, userGlobalGitConfigs } from '../../src/core/git-push.js';
import { tempDir } from '../helpers/cli.js';

describe('gitWithToken', () => {
  it('names the global config files git itself would read', () => {
    expect(userGlobalGitConfigs({ HOME: '/h' })).toEqual(['/h/.config/git/config', '/h/.gitconfig']);
    expect(userGlobalGitConfigs({ HOME: '/h', XDG_CONFIG_HOME: '/x' })).toEqual(['/x/git/config', '/h/.gitconfig']);
    expect(userGlobalGitConfigs({ HOME: '/h', GIT_CONFIG_GLOBAL: '/g/cfg' })).toEqual(['/g/cfg']);
    expect(userGlobalGitConfigs({ HOME: '/h', GIT_CONFIG_GLOBAL: '/dev/null' })).toEqual([]);
  });

  it("keeps the user's url.insteadOf with a token, and leaves no token file behind", async () => {
    const home = tempDir('pkgtrack-git-home-');
    const bare = join(home, 'o "quoted".git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
    writeFileSync(join(home, '.gitconfig'), `[url "${bare.replace(/"/g, '\\"')}"]\n\tinsteadOf = https://git.example.invalid/acme/r.git\n`);
    const url = 'https://git.example.invalid/acme/r.git';
    const before = readdirSync(tmpdir()).filter((f) => f.startsWith('pkgtrack-git-')).length;
    const r = await gitWithToken(url, 'ghs_notARealToken', ['ls-remote', '--', url], {
      env: { HOME: home, GIT_CONFIG_GLOBAL: undefined, XDG_CONFIG_HOME: undefined },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith('pkgtrack-git-')).length).toBe(before);
    // Without the user's config the same call goes to the (unresolvable) host and fails.
    const bareHome = tempDir('pkgtrack-git-home-');
    await expect(
      gitWithToken(url, 'ghs_notARealToken', ['ls-remote', '--', url], { env: { HOME: bareHome, GIT_CONFIG_GLOBAL: undefined } }),
    ).rejects.toThrow(/example\.invalid/);
  });
});
