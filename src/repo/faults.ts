/**
 * Instrumented fault points for crash-safety tests. Every write/rename step of a publish calls
 * `faultPoint('<step name>')`. Normally a no-op; under test:
 *
 *   PKGTRACK_FAULT_TRACE=<file>  append each step name reached (one per line) to <file>,
 *                                so a test learns how many steps a publish has;
 *   PKGTRACK_FAULT_AT=<n>        SIGKILL this process when the n-th step (1-based) is reached;
 *   PKGTRACK_FAULT_AT=<name>     ... or when the step with that exact name is reached;
 *   PKGTRACK_FAULT_PAUSE=<name>  stop at that step (a stalled CI runner): write
 *                                `$PKGTRACK_FAULT_RESUME.paused`, then wait until the file
 *                                $PKGTRACK_FAULT_RESUME exists, then go on.
 *
 * SIGKILL (not an exception) because that is what a crash, OOM kill or power cut looks like:
 * no finally blocks, no cleanup, no flush of anything not yet fsynced.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';

let reached = 0;

export function faultPoint(step: string): void {
  const trace = process.env.PKGTRACK_FAULT_TRACE;
  const at = process.env.PKGTRACK_FAULT_AT;
  const pause = process.env.PKGTRACK_FAULT_PAUSE;
  if (!trace && !at && !pause) return;
  reached++;
  if (trace) appendFileSync(trace, `${reached}\t${step}\n`);
  if (at && (at === String(reached) || at === step)) process.kill(process.pid, 'SIGKILL');
  const resume = process.env.PKGTRACK_FAULT_RESUME;
  if (pause === step && resume) {
    writeFileSync(`${resume}.paused`, step);
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(resume)) Atomics.wait(nap, 0, 0, 50);
  }
}

/** For tests running publishes in-process: restart step numbering. */
export function resetFaultCounter(): void {
  reached = 0;
}
