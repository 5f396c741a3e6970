/**
 * Fetches and builds the shared corpora once, in vitest's main process, before any test file
 * starts. The test helpers (corpusRpms, ensureCorpus) find them cached; on a fresh clone the
 * first helper to run would otherwise block its worker for minutes in a synchronous child
 * process, and a worker blocked past vitest's one-minute RPC deadline fails the whole run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnAsync } from './helpers/process.js';

const ROOT = resolve(import.meta.dirname, '..');

async function step(what: string, cmd: string, args: string[]): Promise<void> {
  process.stderr.write(`global setup: ${what}\n`);
  const r = await spawnAsync(cmd, args, { cwd: ROOT, inheritOutput: true });
  if (r.code !== 0) throw new Error(`global setup: ${what} failed (exit ${r.code}); run \`${cmd} ${args.join(' ')}\` to see why`);
}

export default async function setup(): Promise<void> {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  await step('RPM corpus (.cache/rpm-corpus)', 'flock', [
    join(ROOT, '.cache', 'rpm-corpus.lock'),
    process.execPath,
    join(ROOT, 'scripts', 'make-rpm-corpus.mjs'),
  ]);
  if (!existsSync(join(ROOT, '.cache', 'deb-corpus', 'corpus.json')))
    await step('Debian .deb corpus (.cache/deb-corpus)', process.execPath, ['--import', 'tsx', 'scripts/fetch-deb-corpus.ts']);
}
