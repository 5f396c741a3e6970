/** The reference tools, batched: dpkg --compare-versions in one shell loop, rpm.vercmp in one Lua run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/core/exec.js';

/**
 * dpkg's answer for each pair: '<', '=' or '>' (one or two dpkg runs per pair, one shell).
 * Versions must not contain newlines or tabs (the pairs travel as tab-separated lines).
 */
export async function dpkgCompare(pairs: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const script = `while IFS='\t' read -r a b; do
  if dpkg --compare-versions -- "$a" lt "$b" 2>/dev/null; then echo '<'
  elif dpkg --compare-versions -- "$a" eq "$b" 2>/dev/null; then echo '='
  else echo '>'; fi
done`;
  const input = pairs.map(([a, b]) => `${a}\t${b}\n`).join('');
  const r = await run('sh', ['-c', script], { input });
  return r.stdout.split('\n').slice(0, pairs.length);
}

/** Whether dpkg checks `relation` (lt, eq, ...) true for each pair: one dpkg run per pair. */
export async function dpkgHolds(checks: ReadonlyArray<readonly [string, string, string]>): Promise<boolean[]> {
  const script = `while IFS='\t' read -r a op b; do
  if dpkg --compare-versions -- "$a" "$op" "$b" 2>/dev/null; then echo y; else echo n; fi
done`;
  const input = checks.map(([a, op, b]) => `${a}\t${op}\t${b}\n`).join('');
  const r = await run('sh', ['-c', script], { input });
  return r.stdout
    .split('\n')
    .slice(0, checks.length)
    .map((l) => l === 'y');
}

/** What dpkg says about a version's syntax: its error or warning text, or '' when it accepts it. */
export async function dpkgSyntax(versions: readonly string[]): Promise<string[]> {
  const script = `while IFS= read -r a; do
  dpkg --compare-versions -- "$a" eq 0 2>&1 >/dev/null | head -n1 | sed -n "s/.*has bad syntax: //p"; echo .
done`;
  const r = await run('sh', ['-c', script], { input: versions.map((v) => `${v}\n`).join('') });
  // Each version's output ends with a "." line; the line before it (if any) is the reason.
  const out: string[] = [];
  let cur = '';
  for (const line of r.stdout.split('\n')) {
    if (line === '.') {
      out.push(cur);
      cur = '';
    } else if (line) cur = line;
  }
  return out;
}

/** rpm's rpm.vercmp (EVR parsing + rpmvercmp) for each pair, all in one rpm process. */
export async function rpmCompare(pairs: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-rpmvercmp-'));
  try {
    const file = join(dir, 'pairs');
    writeFileSync(file, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    const lua = `%{lua: for l in io.lines("${file}") do local a, b = l:match("^([^\t]*)\t(.*)$"); local r = rpm.vercmp(a, b); io.write(r < 0 and "<" or (r > 0 and ">" or "="), "\\n") end}`;
    const r = await run('rpm', ['--eval', lua]);
    return r.stdout.split('\n').slice(0, pairs.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
