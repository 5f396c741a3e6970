/**
 * `pkgtrack patches status` and `pkgtrack patches apply`: the recipe's queue against an
 * upstream version. Status tries every patch with fuzz (analysis) and reports per hunk;
 * apply is the build path: fuzz 0, stop at the first failure, like dpkg-source -x.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inputError } from '../../core/errors.js';
import { exists } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { applyPatchQueue, type QueueResult } from './queue.js';
import { openRecipe } from '../shared/recipes-repository.js';
import { prepareSource, type SourceChoice, workDir } from './source.js';

export interface PatchesStatusResult {
  recipe: string;
  version: string;
  ok: boolean;
  patches: QueueResult['patches'];
  failure?: QueueResult['failure'];
  /** Where .rej files of failing hunks were written. */
  rejectDir?: string;
  counts: { applied: number; offset: number; fuzz: number; failed: number; alreadyApplied: number };
}

export async function patchesStatus(
  name: string,
  opts: SourceChoice & { recipesDir?: string; fuzz?: number; progress?: Progress },
): Promise<PatchesStatusResult> {
  const { recipesRepo, recipe } = await openRecipe(name, opts.recipesDir);
  const work = await workDir(recipesRepo, recipe, `status-${opts.version ?? 'latest'}`);
  const src = await prepareSource(recipesRepo, recipe, join(work, 'src'), opts);
  const rejectDir = join(work, 'rejects');
  const q = await applyPatchQueue(recipe, src.dir, {
    fuzz: opts.fuzz ?? 2,
    strict: false,
    rejectDir,
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  await rm(src.dir, { recursive: true, force: true });
  const counts = { applied: 0, offset: 0, fuzz: 0, failed: 0, alreadyApplied: 0 };
  for (const p of q.patches) {
    if (p.status === 'already-applied') counts.alreadyApplied++;
    else if (p.status === 'failed') counts.failed++;
    else if (p.worst === 'fuzz') counts.fuzz++;
    else if (p.worst === 'offset') counts.offset++;
    else counts.applied++;
  }
  return {
    recipe: recipe.name,
    version: src.version,
    ok: q.ok,
    patches: q.patches,
    ...(q.failure ? { failure: q.failure } : {}),
    ...(counts.failed ? { rejectDir } : {}),
    counts,
  };
}

export interface PatchesApplyResult {
  recipe: string;
  version: string;
  out: string;
  patches: { name: string; worst: string }[];
}

export async function patchesApply(
  name: string,
  out: string,
  opts: SourceChoice & { recipesDir?: string; progress?: Progress },
): Promise<PatchesApplyResult> {
  const { recipesRepo, recipe } = await openRecipe(name, opts.recipesDir);
  const dest = resolve(out);
  if (await exists(dest))
    throw inputError(
      'OUT_EXISTS',
      `${out} already exists`,
      'Give --out a directory that does not exist yet (pkgtrack never patches over an existing tree).',
    );
  const src = await prepareSource(recipesRepo, recipe, dest, opts);
  try {
    const q = await applyPatchQueue(recipe, dest, { fuzz: 0, strict: true, ...(opts.progress ? { progress: opts.progress } : {}) });
    return { recipe: recipe.name, version: src.version, out: dest, patches: q.patches.map((p) => ({ name: p.name, worst: p.worst })) };
  } catch (e) {
    // Nothing half-done: a queue that does not apply leaves no tree behind.
    await rm(dest, { recursive: true, force: true });
    throw e;
  }
}
