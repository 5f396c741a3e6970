/**
 * The CLI's promises about flags and errors: `-C DIR` is accepted by every command that works
 * in a recipes repository (check and repo verify refused it), and usage errors are printed as
 * `error[USAGE]` with a fix in text as well as in --json. Needs dist/ (npm run build).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';

/** Commands that never open a recipes repository, so have no -C to take. */
const NO_REPOSITORY = ['image:list', 'image:load', 'image:prune', 'image:save', 'init', 'recipe:schema', 'version', 'version:compare'];

describe('-C', () => {
  it('every other command declares -C/--repo', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'));
    const without = Object.entries(manifest.commands as Record<string, { flags: Record<string, { char?: string; name: string }> }>)
      .filter(([, c]) => !Object.values(c.flags).some((f) => f.char === 'C' && f.name === 'repo'))
      .map(([id]) => id)
      .sort();
    expect(without).toEqual(NO_REPOSITORY);
  });

  it('check -C DIR checks that repository', async () => {
    const dir = tempDir('pkgtrack-cli-');
    writeFileSync(join(dir, 'pkgtrack.yaml'), 'name: t\norigin: T\nlabel: T\nmaintainer: T <t@example.org>\n');
    const r = await pkgtrack(['check', '-C', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().summary.total).toBe(0);
  });

  it('repo verify -C DIR is accepted (the repository is where its default keyring comes from)', async () => {
    const dir = tempDir('pkgtrack-cli-');
    const r = await pkgtrack(['repo', 'verify', '-C', dir, join(dir, 'no-such-repo')]);
    expect(r.stderr).not.toMatch(/Nonexistent flag|USAGE/);
    // -C named a folder without pkgtrack.yaml: that is what it says.
    expect(r.stderr).toMatch(/error\[REPO_NOT_FOUND\]: no pkgtrack.yaml in/);
  });
});

describe('usage errors', () => {
  it('are error[USAGE] with a fix in text, exit 2', async () => {
    const r = await pkgtrack(['check', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[USAGE\]: Nonexistent flag: --no-such-flag$/m);
    expect(r.stderr).toMatch(/^ {2}fix: Run `pkgtrack check --help`/m);
    const missing = await pkgtrack(['repo', 'verify']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error\[USAGE\]: Missing 1 required arg/m);
  });
});
