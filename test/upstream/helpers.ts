/** Shared by the upstream tests: build the CLI once per run so command tests spawn bin/run.js. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm run build` unless another test file of this run already did (a lock directory keeps
 * parallel files from building at once). Set PKGTRACK_SKIP_BUILD=1 when CI built already.
 */
export function buildOnce(): void {
  if (process.env.PKGTRACK_SKIP_BUILD === '1') return;
  const lock = `${ROOT}/.cache/build.lock`;
  mkdirSync(`${ROOT}/.cache`, { recursive: true });
  const stamp = `${ROOT}/.cache/build.stamp.${process.ppid}`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > 10 * 60_000) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
      closeSync(openSync(stamp, 'w'));
    }
  } catch {
    // tsc exits non-zero on type errors elsewhere yet still emits; the CLI tests tell if it runs.
    closeSync(openSync(stamp, 'w'));
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
