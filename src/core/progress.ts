/**
 * Progress and log output for long work. Services receive a `Progress` and never print
 * directly: the CLI gives them one that writes to stderr (stdout is reserved for results and
 * `--json`), tests give them a silent or recording one.
 */
import { writeSync } from 'node:fs';
import { redact } from './secrets.js';

export interface Progress {
  /** A step of long work started or advanced: "building hello for debian:bookworm". */
  step(message: string): void;
  /** Something the user should know but that does not stop the work. */
  warn(message: string): void;
  /** Detail shown only with --verbose. */
  debug(message: string): void;
  /** Write out what is held back (see stderrProgress): before anything else is printed. */
  flush?(): void;
}

export const silentProgress: Progress = { step() {}, warn() {}, debug() {} };

/** Detail lines held back at most: past this, they are written at once (below a pipe's 64 KiB, so that the write completes at once). */
const HOLD_BYTES = 16 * 1024;

/**
 * Progress on stderr. Steps and warnings are written as they come; --verbose detail lines are
 * held back until the current turn of the event loop ends (or HOLD_BYTES pile up, or anything
 * else is printed, or the process exits) and written, and redacted, together: a --verbose cold
 * publish of 10,000 packages wrote (and redacted) one line a package, ~1 s of its main thread.
 */
export function stderrProgress(opts: { verbose?: boolean; quiet?: boolean } = {}): Progress {
  let held = '';
  let onExit: (() => void) | undefined;
  const take = () => {
    const text = held;
    held = '';
    return text && redact(text);
  };
  const flush = () => {
    const text = take();
    if (text) process.stderr.write(text);
  };
  // At exit, synchronously: a write to a pipe still pending when the process exits is dropped.
  const flushAtExit = () => {
    const text = take();
    try {
      if (text) writeSync(2, text);
    } catch {
      /* stderr closed: nothing to tell */
    }
  };
  const write = (prefix: string, m: string) => {
    flush();
    process.stderr.write(`${prefix}${redact(m)}\n`);
  };
  return {
    step: (m) => {
      if (!opts.quiet) write('» ', m);
    },
    warn: (m) => write('warning: ', m),
    debug: (m) => {
      if (!opts.verbose) return;
      if (!held) setImmediate(flush);
      if (!onExit) process.once('exit', (onExit = flushAtExit));
      held += `  ${m}\n`;
      if (held.length >= HOLD_BYTES) flush();
    },
    flush,
  };
}

/** A Progress that records everything: for tests. */
export function recordingProgress(): Progress & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    step: (m) => lines.push(`step: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
  };
}
