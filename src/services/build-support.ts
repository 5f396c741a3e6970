/** Helpers of the build service: a small job pool, work-dir cleanup on exit, failure messages. */
import { rmSync } from 'node:fs';
import { isPkgtrackError, PkgtrackError } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { Target } from '../recipe/targets.js';
import { networkAttempt } from './build-inputs.js';

/** Work dirs of builds in progress, removed even when Ctrl-C ends the process (the engine exits on SIGINT). */
export const activeWorkDirs = new Set<string>();
let exitHookInstalled = false;
export function trackWorkDir(dir: string): void {
  activeWorkDirs.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of activeWorkDirs) rmSync(d, { recursive: true, force: true });
  });
}

export async function pool<T>(tasks: Array<() => Promise<T>>, n: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return out;
}

export function errorOf(e: unknown): { code: string; message: string; fix?: string } {
  if (isPkgtrackError(e)) return { code: e.code, message: redact(e.message), ...(e.fix ? { fix: e.fix } : {}) };
  return { code: 'INTERNAL', message: redact(String((e as Error)?.stack ?? e)) };
}

export function buildFailed(code: number, output: string, logPath: string, target: Target): PkgtrackError {
  const net = networkAttempt(output);
  if (net) {
    return new PkgtrackError({
      code: 'BUILD_NEEDS_NETWORK',
      kind: 'input',
      message: `the build for ${target.id} tried to reach the network, which builds do not have (--network=none): ${net}`,
      fix: `Vendor what the build downloads into the source (or a patch), or add it to Build-Depends. Full log: ${logPath}`,
      details: { exitCode: code, log: logPath },
    });
  }
  const tail = output.trim().split('\n').slice(-8).join('\n');
  return new PkgtrackError({
    code: 'BUILD_FAILED',
    kind: 'environment',
    message: `the build for ${target.id} failed (exit ${code}):\n${redact(tail)}`,
    fix: `Read the full log: ${logPath}`,
    details: { exitCode: code, log: logPath },
  });
}
