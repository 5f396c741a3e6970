/** Run the built CLI as a user would: a real process, real exit code, separate stdout/stderr. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnAsync } from './process.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin', 'run.js');

export interface CliResult {
  /** The exit code; 128 when a signal ended the process (see `signal`). */
  code: number;
  /** The signal that ended the process (a kill the test arranged, or the timeout's SIGTERM), else null. */
  signal: NodeJS.Signals | null;
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

/**
 * Runs the CLI as a child process without blocking this worker's event loop: a test worker that
 * blocks in spawnSync for over a minute misses vitest's RPC deadline ("Timeout calling
 * onTaskUpdate") and fails a run whose tests all passed. `timeoutMs` ends the run with SIGTERM.
 */
export async function pkgtrack(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const r = await spawnAsync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: userEnv(opts.env),
    input: opts.input ?? '',
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
  });
  return { code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

export function tempDir(prefix = 'pkgtrack-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
