/**
 * Ctrl-C (SIGINT) and SIGTERM: say "interrupted" and what finished before the process ends.
 * Long-running services register a hook that reports their progress; the hooks run once, with
 * synchronous writes (an exiting process drops pending asynchronous writes to pipes). The
 * container engine's own handler (which removes running containers) runs them first too.
 */
import { writeSync } from 'node:fs';

const hooks = new Set<() => string | undefined>();
let ran = false;
let installed = false;

/** Register `report` (returns a message for stderr, or nothing); returns the unregister function. */
export function onInterrupt(report: () => string | undefined): () => void {
  hooks.add(report);
  installDefaultHandler();
  return () => hooks.delete(report);
}

/** Run every registered hook once, writing their messages to stderr. */
export function runInterruptHooks(signal: NodeJS.Signals): void {
  if (ran) return;
  ran = true;
  for (const h of hooks) {
    try {
      const msg = h();
      if (msg) writeSync(2, `${signal === 'SIGINT' ? 'interrupted' : `stopped (${signal})`}: ${msg}\n`);
    } catch {
      // Reporting must never stand between the user and the exit.
    }
  }
}

export const exitCodeForSignal = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);

function installDefaultHandler(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      runInterruptHooks(sig);
      // Another handler (the container engine's) may still have cleanup to do: it exits itself.
      if (process.listenerCount(sig) <= 1) process.exit(exitCodeForSignal(sig));
    });
  }
}
