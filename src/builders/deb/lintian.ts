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
  return lintianReport(r.code, r.stdout, r.stderr, files, failOn);
}

/** lintian's complaint about being run as root: a warning on stderr, never the reason it failed. */
const ROOT_WARNING = /^running with root privileges is not recommended!?$/;

/**
 * The report of one lintian run. lintian exits 0 normally, 2 when a tag at its --fail-on level
 * was emitted (errors by default) and 1 on its own run-time error (bookworm's 2.116); a run that
 * printed tags is judged by them, one that printed none and failed is lintian's failure, told
 * with its stderr (not the root warning). Pure.
 */
export function lintianReport(code: number, stdout: string, stderr: string, files: string[], failOn: LintFailOn): LintReport {
  const findings = parseLintian(stdout);
  if (code !== 0 && !findings.some((f) => f.severity === 'error')) {
    const detail =
      stderr
        .trim()
        .split('\n')
        .filter((l) => l.trim() && !ROOT_WARNING.test(l.trim()))
        .slice(-1)[0] ?? `exit ${code}`;
    return {
      tool: 'lintian',
      findings: [...findings, { severity: 'error', tag: 'lintian-failed', subject: files.join(' '), detail }],
      failed: failOn !== 'never',
    };
  }
  return { tool: 'lintian', findings, failed: lintFailed(findings, failOn) };
}
