/**
 * Documented exit codes (README "Exit codes"). Failure kinds map onto few codes so that
 * scripts can branch on them; state codes (>= 10) are not failures but answers.
 */
import type { ErrorKind } from '../core/errors.js';

export const ExitCode = {
  ok: 0,
  /** The operation failed: a build, a tool, the network, a signature, a lock. */
  failure: 1,
  /** Bad usage or bad input: unknown flag, invalid recipe, unknown recipe name. */
  usage: 2,
  /** `check --exit-code`: at least one package has a newer upstream version. */
  updatesAvailable: 10,
  /** `doctor`, `verify`, `report --fail-on`: the command ran and found problems. */
  findings: 11,
} as const;

export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case 'usage':
    case 'input':
    case 'not-found':
      return ExitCode.usage;
    default:
      return ExitCode.failure;
  }
}
