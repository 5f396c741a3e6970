/**
 * rpmlint on the built packages (host tool), its output as LintFindings. Packages are not
 * signed yet at build time (signing happens at publish), so `no-signature` is filtered out; a
 * recipe's own `<name>.rpmlintrc` adds its filters.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../core/exec.js';
import { type LintFailOn, type LintFinding, type LintReport, lintFailed } from '../builder.js';

/** Findings that are expected before publish and say nothing about the package. */
export const BUILD_TIME_FILTERS = ['no-signature'];

const LINE = /^(\S+?)(?::(\d+))?: ([EWI]): (\S+)\s*(.*)$/;

/** Parse rpmlint's `subject: E: tag detail` lines. Pure. */
export function parseRpmlintOutput(text: string): LintFinding[] {
  const out: LintFinding[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const severity = m[3] === 'E' ? 'error' : m[3] === 'W' ? 'warning' : 'info';
    out.push({ severity, tag: m[4]!, subject: m[2] ? `${m[1]}:${m[2]}` : m[1]!, detail: m[5] ?? '' });
  }
  return out;
}

export async function runRpmlint(
  files: readonly string[],
  opts: { recipeRc?: string | undefined; failOn: LintFailOn },
): Promise<LintReport> {
  const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-rpmlint-'));
  try {
    const rc = join(dir, 'build.rpmlintrc');
    await writeFile(rc, BUILD_TIME_FILTERS.map((f) => `addFilter(${JSON.stringify(f)})\n`).join(''));
    const args = ['-r', rc, ...(opts.recipeRc ? ['-r', opts.recipeRc] : []), ...files];
    // rpmlint exits non-zero when it finds errors; the findings are the result, not a failure.
    const r = await run('rpmlint', args, { check: false, what: 'rpmlint', env: { LC_ALL: 'C.UTF-8' } });
    const findings = parseRpmlintOutput(r.stdout);
    if (r.code !== 0 && findings.length === 0 && !/checked;/.test(r.stdout)) {
      findings.push({
        severity: 'error',
        tag: 'rpmlint-failed',
        subject: 'rpmlint',
        detail: r.stderr.trim().split('\n').slice(-3).join(' '),
      });
    }
    return { tool: 'rpmlint', findings, failed: lintFailed(findings, opts.failOn) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
