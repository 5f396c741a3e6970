/**
 * Child processes for tests, without blocking the worker's event loop. A test worker that blocks
 * in spawnSync for more than a minute misses vitest's RPC deadline ("Timeout calling
 * onTaskUpdate") and the whole run fails even though every test passed: anything that can run
 * that long (lintian, diffoscope, corpus builds) goes through here.
 */
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** The exit code; 128 when a signal ended the process. */
  code: number;
  /** The signal that ended it (the timeout's, or another), else null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnAsync(
  cmd: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    timeoutMs?: number;
    /** Sent when `timeoutMs` passes (default SIGTERM). */
    killSignal?: NodeJS.Signals;
    inheritOutput?: boolean;
  } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [
        opts.input === undefined ? 'ignore' : 'pipe',
        opts.inheritOutput ? 'inherit' : 'pipe',
        opts.inheritOutput ? 'inherit' : 'pipe',
      ],
      timeout: opts.timeoutMs,
      ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), signal, stdout, stderr }));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
