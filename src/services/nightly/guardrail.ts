/**
 * The trunk guardrail: a nightly version must sort above the last trunk build and the last
 * release, and below any next release, in dpkg AND rpm order. Pure.
 */
import { compareVersions, snapshotOrderingProblems, VERSION_SCHEMES, versionProblem } from '../../formats/versions.js';

/**
 * The smallest plausible next releases after `release`: a new component (`1.2` → `1.2.1`) and
 * the last number bumped (`1.2` → `1.3`). A snapshot below both is below every real next release.
 */
export function nextReleaseCandidates(release: string): string[] {
  const m = /^(.*?)(\d+)([^\d]*)$/.exec(release);
  const out = [`${release}.1`];
  if (m) out.push(`${m[1]}${Number(m[2]) + 1}`);
  return out;
}

export interface GuardrailInput {
  snapshot: string;
  /** Latest upstream release (the version the snapshot follows). */
  release?: string;
  /** The last trunk version published, when there is one. */
  previous?: string;
}

/** Every ordering problem, with the scheme that has it; empty when the version is safe to publish. */
export function trunkVersionProblems(i: GuardrailInput): string[] {
  const problems: string[] = [];
  if (i.release) {
    for (const next of nextReleaseCandidates(i.release)) {
      for (const p of snapshotOrderingProblems(i.snapshot, i.release, next)) if (!problems.includes(p)) problems.push(p);
    }
  } else {
    for (const scheme of VERSION_SCHEMES) {
      const bad = versionProblem(scheme, i.snapshot);
      if (bad) problems.push(`${scheme}: ${i.snapshot} is invalid: ${bad}`);
    }
  }
  if (i.previous) {
    for (const scheme of VERSION_SCHEMES) {
      if (versionProblem(scheme, i.previous) || versionProblem(scheme, i.snapshot)) continue;
      if (compareVersions(scheme, i.snapshot, i.previous) <= 0)
        problems.push(`${scheme}: ${i.snapshot} does not sort after the last trunk build ${i.previous}`);
    }
  }
  return problems;
}
