/**
 * `pkgtrack doctor`: run every registered check, optionally apply the safe fixes, and report.
 * Runs inside or outside a recipes repository; repository-specific checks see `ctx.repo`.
 */
import type { Progress } from '../../core/progress.js';
import { findRecipesRepositoryRoot, loadRecipes, loadRecipesRepository } from '../../recipe/load.js';
import { DOCTOR_CHECKS } from './checks/index.js';
import type { DoctorCheck, DoctorContext, Finding } from './types.js';

export interface DoctorReport {
  ok: boolean;
  /** The recipes repository checked, when doctor ran inside one. */
  repository?: string;
  findings: Array<Finding & { check: string }>;
  /** What `--fix` did. */
  fixed: string[];
  counts: { ok: number; warn: number; error: number; skip: number };
}

export interface DoctorOptions {
  fix?: boolean;
  recipesDir?: string;
  progress: Progress;
  /** Only run these checks (ids), for tests and `doctor --check`. */
  only?: string[];
  checks?: DoctorCheck[];
  /** An s3:// publish target whose guarantees to probe. */
  publishTo?: string;
}

async function context(opts: DoctorOptions): Promise<DoctorContext> {
  const ctx: DoctorContext = { progress: opts.progress, ...(opts.publishTo ? { publishTo: opts.publishTo } : {}) };
  try {
    ctx.recipesRepo = await loadRecipesRepository(await findRecipesRepositoryRoot(opts.recipesDir));
    ctx.recipes = await loadRecipes(ctx.recipesRepo).catch(() => []);
  } catch {
    // Outside a repository doctor still checks the host.
  }
  return ctx;
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const ctx = await context(opts);
  const checks = (opts.checks ?? DOCTOR_CHECKS).filter((c) => !opts.only?.length || opts.only.includes(c.id));
  const findings: DoctorReport['findings'] = [];
  const fixed: string[] = [];
  for (const check of checks) {
    opts.progress.step(`checking ${check.title.toLowerCase()}`);
    let results: Finding[];
    try {
      results = await check.run(ctx);
    } catch (e) {
      results = [
        {
          id: check.id,
          status: 'error',
          message: `the check itself failed: ${(e as Error).message}`,
          fix: 'Report this as a pkgtrack bug.',
        },
      ];
    }
    const fixable = results.filter((f) => f.fixable && f.status !== 'ok');
    if (opts.fix && check.fix && fixable.length) {
      opts.progress.step(`fixing: ${check.title.toLowerCase()}`);
      try {
        fixed.push(...(await check.fix(ctx, fixable)));
        results = await check.run(ctx);
      } catch (e) {
        results.push({
          id: `${check.id}.fix`,
          status: 'error',
          message: `automatic fix failed: ${(e as Error).message}`,
          fix: fixable[0]?.fix ?? '',
        });
      }
    }
    findings.push(...results.map((f) => ({ ...f, check: check.id })));
  }
  const counts = { ok: 0, warn: 0, error: 0, skip: 0 };
  for (const f of findings) counts[f.status]++;
  return { ok: counts.error === 0, ...(ctx.recipesRepo ? { repository: ctx.recipesRepo.root } : {}), findings, fixed, counts };
}
