/**
 * Fetches and builds the shared corpora once, in vitest's main process, before any test file
 * starts. The test helpers (corpusRpms, ensureCorpus) find them cached; on a fresh clone the
 * first helper to run would otherwise block its worker for minutes in a synchronous child
 * process, and a worker blocked past vitest's one-minute RPC deadline fails the whole run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnAsync } from './helpers/process.js';

const ROOT = resolve(import.meta.dirname, '..');

async function step(what: string, cmd: string, args: string[]): Promise<void> {
  process.stderr.write(`global setup: ${what}\n`);
  const r = await spawnAsync(cmd, args, { cwd: ROOT, inheritOutput: true });
  if (r.code !== 0) throw new Error(`global setup: ${what} failed (exit ${r.code}); run \`${cmd} ${args.join(' ')}\` to see why`);
}

export default async function setup(): Promise<() => void> {
  // Every temporary folder of this run (the tests', and those of the CLI runs and tools they
  // start, which read TMPDIR too) goes under one folder, removed when the run ends: runs used to
  // leave ~1 GB of folders each in /tmp. The test workers start after this and inherit TMPDIR.
  const scratch = mkdtempSync(join(tmpdir(), 'pkgtrack-tests-'));
  process.env.TMPDIR = scratch;
  process.stderr.write(`global setup: temporary folders under ${scratch} (removed at the end)\n`);
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  await step('RPM corpus (.cache/rpm-corpus)', 'flock', [
    join(ROOT, '.cache', 'rpm-corpus.lock'),
    process.execPath,
    join(ROOT, 'scripts', 'make-rpm-corpus.mjs'),
  ]);
  if (!existsSync(join(ROOT, '.cache', 'deb-corpus', 'corpus.json')))
    await step('Debian .deb corpus (.cache/deb-corpus)', process.execPath, ['--import', 'tsx', 'scripts/fetch-deb-corpus.ts']);
  return () => rmSync(scratch, { recursive: true, force: true });
}
