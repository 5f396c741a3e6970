/**
 * Progress and log output for long work. Services receive a `Progress` and never print
 * directly: the CLI gives them one that writes to stderr (stdout is reserved for results and
 * `--json`), tests give them a silent or recording one.
 */
import { redact } from './secrets.js';

export interface Progress {
  /** A step of long work started or advanced: "building hello for debian:bookworm". */
  step(message: string): void;
  /** Something the user should know but that does not stop the work. */
  warn(message: string): void;
  /** Detail shown only with --verbose. */
  debug(message: string): void;
}

export const silentProgress: Progress = { step() {}, warn() {}, debug() {} };

export function stderrProgress(opts: { verbose?: boolean; quiet?: boolean } = {}): Progress {
  const write = (prefix: string, m: string) => process.stderr.write(`${prefix}${redact(m)}\n`);
  return {
    step: (m) => {
      if (!opts.quiet) write('» ', m);
    },
    warn: (m) => write('warning: ', m),
    debug: (m) => {
      if (opts.verbose) write('  ', m);
    },
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
