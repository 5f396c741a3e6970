/** Shared by the upstream tests: build the CLI once per run so command tests spawn bin/run.js. */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `tsc -p tsconfig.build.json` unless another test file of this run already did (a lock
 * directory keeps parallel files from building at once). Asynchronous, so the test worker stays
 * responsive. Set PKGTRACK_SKIP_BUILD=1 when CI built already.
 */
export async function buildOnce(): Promise<void> {
  if (process.env.PKGTRACK_SKIP_BUILD === '1') return;
  const lock = `${ROOT}/.cache/build.lock`;
  mkdirSync(`${ROOT}/.cache`, { recursive: true });
  const stamp = `${ROOT}/.cache/build.stamp.${process.ppid}`;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock left by a killed run (older than any build takes) is taken over.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 5 * 60_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!existsSync(stamp) || Date.now() - statSync(stamp).mtimeMs > 10 * 60_000) {
      // tsc exits non-zero on type errors elsewhere yet still emits; the CLI tests tell if it runs.
      await new Promise<void>((res) => execFile('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }, () => res()));
      closeSync(openSync(stamp, 'w'));
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Run the built CLI asynchronously (fakes may be serving from this very process). */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [`${ROOT}/bin/run.js`, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

export { serveDir } from '../helpers/static-server.js';
