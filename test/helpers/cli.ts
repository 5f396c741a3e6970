/** Run the built CLI as a user would: a real process, real exit code, separate stdout/stderr. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => any;
}

export function pkgtrack(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): CliResult {
  const env = { ...process.env, ...opts.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env,
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

export function tempDir(prefix = 'pkgtrack-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
