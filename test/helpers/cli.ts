/** Run the built CLI as a user would: a real process, real exit code, separate stdout/stderr. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnAsync } from './process.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape of the parsed --json output
  json: () => any;
}

/** The environment a user's shell gives pkgtrack: vitest's NODE_ENV=test would put oclif in dev mode. */
function userEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: undefined, ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env;
}

export function pkgtrack(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string } = {}): CliResult {
  const env = userEnv(opts.env);
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

/** Like pkgtrack(), without blocking the event loop: for tests whose fakes run in this process. */
export async function pkgtrackAsync(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> {
  const r = await spawnAsync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: userEnv(opts.env) });
  return { ...r, json: () => JSON.parse(r.stdout) };
}
