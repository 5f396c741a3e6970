/**
 * The fan-out's memory of failed cells: `<output>/ci/attempts.json`, kept beside the published
 * repositories (so it travels with the gh-pages branch or the bucket). The publish job records
 * every planned cell that delivered nothing; a cell that publishes is forgotten. The next plan
 * puts cells that keep failing last, so when GitHub's 256-job cap defers work it defers them,
 * not the healthy recipes that happen to sort after them.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { inputError, integrityError } from '../../core/errors.js';
import { readTextIfExists, writeFileAtomic } from '../../core/fsutil.js';
import { DEFAULT_ARCH } from '../../recipe/arches.js';
import { buildKey } from '../../recipe/targets.js';

export const CI_ATTEMPTS_FILE = join('ci', 'attempts.json');

// `arch`: the cell's architecture; absent for amd64 (and in records written before architectures).
const cellKey = z.object({ channel: z.enum(['stable', 'trunk']), recipe: z.string(), target: z.string(), arch: z.string().optional() });
const attemptsSchema = z.object({
  version: z.literal(1),
  failed: z.array(
    cellKey.extend({
      /** What the cell was to build: the upstream version (stable) or commit (trunk). */
      subject: z.string(),
      /** Consecutive runs in which this cell was planned for `subject` and published nothing. */
      failures: z.number().int().min(1),
      lastFailed: z.string(),
    }),
  ),
});
export type CiAttempts = z.infer<typeof attemptsSchema>;
export type CellKey = z.infer<typeof cellKey>;
export interface PlannedCell extends CellKey {
  version?: string;
  commit?: string;
}

const keyOf = (c: CellKey) => `${c.channel}\u0000${c.recipe}\u0000${buildKey(c.target, c.arch)}`;
const subjectOf = (c: PlannedCell) => c.commit ?? c.version ?? '';

export async function readCiAttempts(output: string): Promise<CiAttempts> {
  const path = join(output, CI_ATTEMPTS_FILE);
  const text = await readTextIfExists(path);
  if (text === undefined) return { version: 1, failed: [] };
  try {
    return attemptsSchema.parse(JSON.parse(text));
  } catch (e) {
    throw integrityError(
      'CI_ATTEMPTS_INVALID',
      `${path} is not a valid record of failed CI cells: ${(e as Error).message.split('\n')[0]}`,
      'Delete it: the next publish starts the record again (only the order of deferred cells depends on it).',
      { file: path },
    );
  }
}

export async function writeCiAttempts(output: string, a: CiAttempts): Promise<void> {
  await writeFileAtomic(join(output, CI_ATTEMPTS_FILE), `${JSON.stringify(attemptsSchema.parse(a), null, 2)}\n`);
}

/**
 * After a publish: each planned cell that published is forgotten, each that did not counts one
 * more failure (from one if it was to build something else last time). Cells not planned this
 * run keep their record. Pure.
 */
export function recordAttempts(before: CiAttempts, planned: readonly PlannedCell[], published: readonly CellKey[], now: Date): CiAttempts {
  const done = new Set(published.map(keyOf));
  const byKey = new Map(before.failed.map((f) => [keyOf(f), f]));
  for (const cell of planned) {
    const k = keyOf(cell);
    if (done.has(k)) {
      byKey.delete(k);
      continue;
    }
    const prior = byKey.get(k);
    const subject = subjectOf(cell);
    byKey.set(k, {
      channel: cell.channel,
      recipe: cell.recipe,
      target: cell.target,
      ...(cell.arch && cell.arch !== DEFAULT_ARCH ? { arch: cell.arch } : {}),
      subject,
      failures: prior && prior.subject === subject ? prior.failures + 1 : 1,
      lastFailed: now.toISOString(),
    });
  }
  for (const k of done) byKey.delete(k);
  return { version: 1, failed: [...byKey.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b))) };
}

/** How many runs in a row this cell failed to publish what it is planned to build now. */
export function failuresOf(a: CiAttempts, cell: PlannedCell): number {
  const f = a.failed.find((x) => keyOf(x) === keyOf(cell));
  return f && f.subject === subjectOf(cell) ? f.failures : 0;
}

/**
 * The publish job's side: compare the plan with the build folders that arrived (their
 * manifest.json) and update the record in `output`. Returns the cells that failed this run.
 */
export async function recordCiAttempts(
  output: string,
  planned: readonly PlannedCell[],
  buildDirs: readonly string[],
  now: Date,
): Promise<CellKey[]> {
  const published: CellKey[] = [];
  for (const dir of buildDirs) {
    const text = await readTextIfExists(join(dir, 'manifest.json'));
    if (!text) continue;
    const m = JSON.parse(text) as { recipe?: string; target?: string; channel?: 'stable' | 'trunk'; arch?: string };
    if (m.recipe && m.target)
      published.push({ channel: m.channel ?? 'stable', recipe: m.recipe, target: m.target, ...(m.arch ? { arch: m.arch } : {}) });
  }
  const after = recordAttempts(await readCiAttempts(output), planned, published, now);
  await writeCiAttempts(output, after);
  const done = new Set(published.map(keyOf));
  return planned.filter((c) => !done.has(keyOf(c)));
}

/** A planned matrix file (`ci matrix` output) as cells; names the file and the fix when it is not one. */
export async function readPlannedMatrix(file: string): Promise<PlannedCell[]> {
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw inputError(
      'PUBLISH_PLANNED_INVALID',
      `--planned ${file} cannot be read: ${e.code ?? e.message}`,
      'Pass the file `pkgtrack ci matrix` wrote.',
      {
        file,
        field: '--planned',
      },
    );
  });
  return parsePlannedMatrix(text, file);
}

export function parsePlannedMatrix(text: string, file: string): PlannedCell[] {
  const schema = z.object({
    include: z.array(cellKey.extend({ version: z.string().optional(), commit: z.string().optional() }).passthrough()),
  });
  try {
    return schema.parse(JSON.parse(text)).include.map((c) => ({
      channel: c.channel,
      recipe: c.recipe,
      target: c.target,
      ...(c.arch ? { arch: c.arch } : {}),
      ...(c.version ? { version: c.version } : {}),
      ...(c.commit ? { commit: c.commit } : {}),
    }));
  } catch (e) {
    throw inputError(
      'PUBLISH_PLANNED_INVALID',
      `${file} is not a ci matrix plan: ${(e as Error).message.split('\n')[0]}`,
      'Pass the JSON that `pkgtrack ci matrix` printed (the plan job output).',
      { file, field: '--planned' },
    );
  }
}
