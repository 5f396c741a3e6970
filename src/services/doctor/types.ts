/**
 * Doctor checks. Each concept contributes checks in src/services/doctor/checks/<concept>.ts and
 * registers them in checks/index.ts. A check looks, reports findings with a fix, and may offer a
 * safe automatic fix for `doctor --fix`.
 */
import type { Progress } from '../../core/progress.js';
import type { Recipe, RecipesRepository } from '../../recipe/load.js';

export type FindingStatus = 'ok' | 'warn' | 'error' | 'skip';

export interface Finding {
  /** Stable id, e.g. `node.version`, `container.engine`. */
  id: string;
  status: FindingStatus;
  message: string;
  /** What to do about it (shown for warn and error). */
  fix?: string;
  /** True when `doctor --fix` can repair this finding. */
  fixable?: boolean;
  /** Machine-readable facts (versions, paths, workarounds in use). */
  details?: Record<string, unknown>;
}

export interface DoctorContext {
  /** The recipes repository, when doctor runs inside one. */
  recipesRepo?: RecipesRepository;
  recipes?: Recipe[];
  /** `doctor --publish-to`: an object-storage target to probe. */
  publishTo?: string;
  progress: Progress;
}

export interface DoctorCheck {
  id: string;
  title: string;
  run(ctx: DoctorContext): Promise<Finding[]>;
  /** Apply the safe fix for the findings this check marked fixable; returns what was done. */
  fix?(ctx: DoctorContext, findings: Finding[]): Promise<string[]>;
}
