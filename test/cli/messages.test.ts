/** How errors and repeatable flags read on the command line. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatError, PkgtrackCommand } from '../../src/cli/base-command.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { inputError } from '../../src/core/errors.js';
import { registerSecret } from '../../src/core/secrets.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '../..');

describe('error text', () => {
  it('names the file once, whether or not the message already starts with it', () => {
    const a = formatError(inputError('RPM_MALFORMED', '/x/a.rpm: truncated header', 'Rebuild it.', { file: '/x/a.rpm' }));
    expect(a).toBe('error[RPM_MALFORMED]: /x/a.rpm: truncated header\n  fix: Rebuild it.');
    const b = formatError(inputError('CONTROL_SYNTAX', 'no Version field', 'Add it.', { file: 'debian/control', line: 3 }));
    expect(b).toBe('error[CONTROL_SYNTAX]: debian/control:3: no Version field\n  fix: Add it.');
  });
});

describe('repeatable flags', () => {
  it('take one value each: `--key FILE pkg.deb` does not swallow the package as a second key', async () => {
    const dir = tempDir('pkgtrack-flags-');
    const r = await pkgtrack(['publish', '--output', dir, '--key', `${dir}/missing.asc`, `${dir}/missing.deb`, '--json'], { cwd: dir });
    expect(r.code).not.toBe(0);
    // The package path is an input (reported missing), not taken for a key.
    expect(r.stdout + r.stderr).toMatch(/missing\.deb/);
    expect(r.stdout + r.stderr).not.toMatch(/nothing to publish/);
  });
});

describe('errors nobody typed', () => {
  it('an operating-system error says its code, the path and what to check, in text and --json', async () => {
    const dir = tempDir('pkgtrack-oserr-');
    const deb = join(dir, 'x.deb');
    writeFileSync(deb, 'not a deb');
    const text = await pkgtrack(['publish', '--output', '/dev/null/repo', '--suite', 'bookworm', deb], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error\[ENOTDIR\]: ENOTDIR: not a directory, mkdir '\/dev\/null\/repo/m);
    expect(text.stderr).toMatch(/fix: Check the path named above/);
    const json = await pkgtrack(['publish', '--output', '/dev/null/repo', '--suite', 'bookworm', deb, '--json'], { cwd: dir });
    expect(json.code).toBe(1);
    expect(json.json().error).toMatchObject({ code: 'ENOTDIR', kind: 'environment', message: expect.stringMatching(/not a directory/) });
  });
});

describe('an unexpected error (a bug)', () => {
  /** A command whose run throws what no code expected. */
  class Broken extends PkgtrackCommand<typeof Broken> {
    static override description = 'fails';
    async run(): Promise<void> {
      throw new TypeError(`cannot read properties of undefined (token ${SECRET})`);
    }
  }
  const SECRET = 'tok-internal-test-2f9c';

  async function runBroken(argv: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
    registerSecret(SECRET);
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      stdout += String(s);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      stderr += String(s);
      return true;
    });
    let code: number | undefined;
    try {
      await Broken.run(argv, ROOT);
    } catch (e) {
      code = (e as { oclif?: { exit?: number } }).oclif?.exit;
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return { code, stdout, stderr };
  }

  it('says INTERNAL, what it was, and to report it; exit 1; secrets redacted (text and --json)', async () => {
    const text = await runBroken([]);
    expect(text.code).toBe(ExitCode.failure);
    expect(text.stderr).toMatch(/^error\[INTERNAL\]: cannot read properties of undefined/m);
    expect(text.stderr).toMatch(/fix: This is unexpected; run again with --verbose and report it/);
    expect(text.stderr).not.toContain(SECRET);
    const json = await runBroken(['--json']);
    expect(json.code).toBe(ExitCode.failure);
    const parsed = JSON.parse(json.stdout) as { error: { code: string; kind: string; message: string } };
    expect(parsed.error).toMatchObject({ code: 'INTERNAL', kind: 'internal' });
    expect(json.stdout).not.toContain(SECRET);
  });
});
