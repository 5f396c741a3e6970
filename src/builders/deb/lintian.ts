/** lintian over the built .changes, run on the host; its tag lines parsed into findings. */
import { join } from 'node:path';
import { run } from '../../core/exec.js';
import { type LintFailOn, type LintFinding, type LintReport, type LintSeverity, lintFailed } from '../builder.js';

const LETTERS: Record<string, LintSeverity> = {
  E: 'error',
  W: 'warning',
  I: 'info',
  P: 'pedantic',
  X: 'experimental',
  O: 'overridden',
  C: 'classification',
};

/** Parse lintian's default output (`E: pkg source: tag detail`). Pure. */
export function parseLintian(output: string): LintFinding[] {
  const out: LintFinding[] = [];
  for (const line of output.split('\n')) {
    const m = /^([EWIPXOC]): ([^:\s]+(?: source)?(?: \([^)]*\))?): (\S+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    out.push({ severity: LETTERS[m[1]!]!, subject: m[2]!, tag: m[3]!, detail: m[4] ?? '' });
  }
  return out;
}

/**
 * lintian over `files` (a .changes, a .dsc, .debs) in `dir`. `background`: it runs while the
 * build still does, at the lowest CPU priority, so it takes the cycles the build leaves idle
 * (configure, single-threaded dh steps) instead of slowing the compile.
 */
export async function runLintian(
  dir: string,
  files: string[],
  failOn: LintFailOn,
  opts: { background?: boolean } = {},
): Promise<LintReport> {
  const argv = ['lintian', '--no-cfg', ...files.map((f) => join(dir, f))];
  // SCHED_IDLE (chrt --idle): runs only on cycles nothing else wants; nice 19 still takes ~1.5%
  // of a busy core from the compile.
  const [program, ...args] = opts.background ? ['chrt', '--idle', '0', ...argv] : argv;
  const r = await run(program!, args, {
    check: false,
    what: 'lintian',
    timeoutMs: 10 * 60_000,
  });
  // lintian exits 1 when it found errors, 2 on its own failure.
  if (r.code >= 2) {
    return {
      tool: 'lintian',
      findings: [
        { severity: 'error', tag: 'lintian-failed', subject: files.join(' '), detail: r.stderr.trim().split('\n').slice(-1)[0] ?? '' },
      ],
      failed: failOn !== 'never',
    };
  }
  const findings = parseLintian(r.stdout);
  return { tool: 'lintian', findings, failed: lintFailed(findings, failOn) };
}
