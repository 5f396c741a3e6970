/**
 * Hostile strings that must never reach a program as an option, and files init must keep out of git.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGitTarget, pushOutputToGit } from '../../src/services/publish/git.js';
import { gitignore } from '../../src/services/init/templates.js';
import { tempDir } from '../helpers/cli.js';

describe('--to git+…', () => {
  it('refuses a url that git would read as an option', async () => {
    const dir = tempDir('pkgtrack-argv-');
    const marker = join(dir, 'ran');
    const spec = `git+--upload-pack=touch ${marker}#gh-pages`;
    expect(() => parseGitTarget(spec)).toThrow(expect.objectContaining({ code: 'PUBLISH_TO_INVALID' }));
    await expect(pushOutputToGit(dir, spec)).rejects.toMatchObject({ code: 'PUBLISH_TO_INVALID' });
    expect(existsSync(marker)).toBe(false);
  });

  it('still publishes to an ordinary local remote (git gets "--" before the url)', async () => {
    const dir = tempDir('pkgtrack-argv-');
    execFileSync('git', ['init', '-q', '--bare', join(dir, 'pages.git')]);
    const out = join(dir, 'out');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('sh', ['-c', `echo hi > "${out}/index.html"`]);
    const r = await pushOutputToGit(out, `git+${join(dir, 'pages.git')}#gh-pages`);
    expect(r.changed).toBe(true);
    expect(execFileSync('git', ['-C', join(dir, 'pages.git'), 'show', 'gh-pages:index.html'], { encoding: 'utf8' })).toBe('hi\n');
  });
});

describe('init .gitignore', () => {
  it('keeps the private key and the revocation certificate out of git', () => {
    const dir = tempDir('pkgtrack-argv-');
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('sh', ['-c', `cat > "${dir}/.gitignore"`], { input: gitignore });
    for (const f of ['keys/signing.key', 'keys/signing.rev.asc'])
      expect(execFileSync('git', ['-C', dir, 'check-ignore', f], { encoding: 'utf8' }).trim()).toBe(f);
    // The public key is meant to be committed.
    expect(() => execFileSync('git', ['-C', dir, 'check-ignore', 'keys/signing.pub.asc'])).toThrow();
  });
});
