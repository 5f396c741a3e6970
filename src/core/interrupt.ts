/**
 * Ctrl-C (SIGINT) and SIGTERM: one handler says "interrupted" and what finished, runs the
 * synchronous cleanups (the container engine removes its running containers), and exits 130/143.
 * Long-running services register a report; reports run once, with synchronous writes (an exiting
 * process drops pending asynchronous writes to pipes).
 */
import { writeSync } from 'node:fs';

const hooks = new Set<() => string | undefined>();
const cleanups = new Set<() => void>();
let ran = false;
let installed = false;

/** Register `report` (returns a message for stderr, or nothing); returns the unregister function. */
export function onInterrupt(report: () => string | undefined): () => void {
  hooks.add(report);
  installDefaultHandler();
  return () => hooks.delete(report);
}

/** Register a synchronous cleanup to run on SIGINT/SIGTERM, after the reports, before the exit. */
export function onSignalCleanup(cleanup: () => void): void {
  cleanups.add(cleanup);
  installDefaultHandler();
}

/** Run every registered report once, writing their messages to stderr. */
function runInterruptHooks(signal: NodeJS.Signals): void {
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

function installDefaultHandler(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      runInterruptHooks(sig);
      for (const c of cleanups) {
        try {
          c();
        } catch {
          // One failed cleanup must not keep the others (or the exit) from happening.
        }
      }
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}
