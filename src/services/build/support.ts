/** Helpers of the build service: a small job pool, work-dir cleanup on exit, failure messages, the patch queue. */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueuedPatch } from '../../builders/builder.js';
import { inputError, isPkgtrackError, PkgtrackError } from '../../core/errors.js';
import { redact } from '../../core/secrets.js';
import { parsePatchHeader } from '../../patches/header.js';
import { parseSeries } from '../../patches/series.js';
import type { Recipe } from '../../recipe/load.js';
import { MEMORY_SIZE } from '../../recipe/schema.js';
import type { Target } from '../../recipe/targets.js';
import { networkAttempt } from './inputs.js';

/** Work dirs of builds in progress, removed even when Ctrl-C ends the process (the engine exits on SIGINT). */
export const activeWorkDirs = new Set<string>();
let exitHookInstalled = false;
export function trackWorkDir(dir: string): void {
  activeWorkDirs.add(dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of activeWorkDirs) rmSync(d, { recursive: true, force: true });
  });
}

export function errorOf(e: unknown): { code: string; message: string; fix?: string } {
  if (isPkgtrackError(e)) return { code: e.code, message: redact(e.message), ...(e.fix ? { fix: e.fix } : {}) };
  return { code: 'INTERNAL', message: redact(String((e as Error)?.stack ?? e)) };
}

/** `build --memory`, checked as the recipe's build.memory is, in the case podman takes. */
export function memoryLimitFlag(v: string): string {
  if (MEMORY_SIZE.test(v)) return v.toLowerCase();
  throw inputError('BUILD_MEMORY_INVALID', `${v} is not a memory size`, 'Give a size such as 8g or 12000m.', { field: '--memory' });
}

/** A process of the build was killed by the kernel (the container's memory limit, most often). */
const KILLED = /(^|\s)Killed\s*$|\bError 137\b|exit(?:ed)?(?: with)?(?: code| status)? 137\b|Exit code mismatch! Expected \d+ but got 137/m;

export function buildFailed(code: number, output: string, logPath: string, target: Target, memoryLimit?: string): PkgtrackError {
  const net = networkAttempt(output);
  if (net) {
    return new PkgtrackError({
      code: 'BUILD_NEEDS_NETWORK',
      kind: 'input',
      message: `the build for ${target.id} tried to reach the network, which builds do not have (--network=none): ${net}`,
      fix: `Vendor what the build downloads into the source (or a patch), or add it to Build-Depends. Full log: ${logPath}`,
      details: { exitCode: code, log: logPath },
    });
  }
  const tail = output.trim().split('\n').slice(-8).join('\n');
  return new PkgtrackError({
    code: 'BUILD_FAILED',
    kind: 'environment',
    message: `the build for ${target.id} failed (exit ${code}):\n${redact(tail)}`,
    fix:
      memoryLimit && KILLED.test(output)
        ? `A process of the build was killed ("Killed", exit 137): most often the container's memory limit (${memoryLimit}). Give it more with --memory (e.g. --memory 16g) or the recipe's build.memory, or read the full log: ${logPath}`
        : `Read the full log: ${logPath}`,
    details: { exitCode: code, log: logPath, ...(memoryLimit ? { memoryLimit } : {}) },
  });
}

/** The recipe's patch queue (patches/series) with each patch's DEP-3 summary. */
export async function queuedPatches(recipe: Recipe): Promise<QueuedPatch[]> {
  if (!recipe.seriesFile) return [];
  const entries = parseSeries(await readFile(recipe.seriesFile, 'utf8'), recipe.seriesFile);
  return Promise.all(
    entries.map(async (e) => {
      const path = join(recipe.dir, 'patches', e.name);
      // The DEP-3 summary, for builders that write one per patch (the rpm spec).
      const text = await readFile(path, 'utf8').catch(() => {
        throw inputError(
          'PATCH_MISSING',
          `${path} is listed in patches/series but does not exist`,
          'Add the patch, or take it out of the series.',
          {
            file: recipe.seriesFile!,
          },
        );
      });
      const { description } = parsePatchHeader(text);
      return { name: e.name, path, strip: e.strip, ...(description ? { description } : {}) };
    }),
  );
}

/** Calls `onLine` for each whole line of a chunked stream (a line may span chunks). */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let rest = '';
  return (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  };
}
