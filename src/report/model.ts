/** The patch report's data model: one entry per patch, summaries per recipe and repository. */

export const PATCH_STATUSES = [
  /** Proven: the checked upstream has exactly this change (reverse-applies, same patch-id, named commit is an ancestor). */
  'merged-upstream',
  /** A heuristic says upstream has it (hunks found elsewhere, changelog or commit subject, Applied-Upstream): check first. */
  'probably-merged',
  'forwarded-merged',
  'forwarded-open',
  'forwarded-closed',
  'forwarded',
  /** Taken from upstream (Origin: upstream/backport, an upstream commit, a later Applied-Upstream): drop once a release has it. */
  'from-upstream',
  'needs-forwarding',
  'distro-specific',
  'invalid-header',
] as const;
export type PatchStatus = (typeof PATCH_STATUSES)[number];

/** How we know upstream already has a change. */
export interface MergedEvidence {
  via: 'reverse-apply' | 'hunks-present' | 'patch-id' | 'origin-commit' | 'subject' | 'changelog' | 'header';
  /**
   * `certain`: proven (reverse-applies at fuzz 0, same patch-id, or the upstream commit the
   * header names is an ancestor of what was checked); `likely`: a heuristic.
   */
  confidence: 'certain' | 'likely';
  /** Upstream version or commit that was checked and has the change. */
  where: string;
  /** First upstream version (tag) or commit that carries it, when it could be found. */
  first?: string;
  detail?: string;
}

/** State of the pull request or issue a patch was forwarded to. */
export interface ForwardState {
  url: string;
  kind: 'pull' | 'issue';
  state: 'open' | 'merged' | 'closed';
  title?: string;
  at?: string;
}

export interface PatchEntry {
  recipe: string;
  /** Patch file name inside patches/. */
  file: string;
  description?: string;
  author?: string;
  /** Last-Update (or the last commit touching the file) and its age in days. */
  lastUpdate?: string;
  ageDays?: number;
  size: { files: number; added: number; removed: number };
  dep3: { forwarded?: string; origin?: string; bugs: string[]; appliedUpstream?: string };
  status: PatchStatus;
  /** Why this status, in one sentence. */
  reason: string;
  /** What to do next. */
  action: string;
  evidence?: MergedEvidence;
  forward?: ForwardState;
  /** DEP-3 problems worth fixing even when the status is not invalid-header. */
  headerProblems: string[];
  /** Nothing says this patch went upstream (also true for a headerless invalid-header patch). */
  notForwarded: boolean;
}

export type StatusCounts = Record<PatchStatus, number>;

export interface RecipeReport {
  recipe: string;
  /** Upstream version (and trunk commit) the patches were checked against. */
  checkedAgainst: string[];
  patches: PatchEntry[];
  counts: StatusCounts;
  /** Problems that kept parts of the check from running (upstream unreachable ...). */
  warnings: string[];
}

export interface PatchReport {
  generatedAt: string;
  recipes: RecipeReport[];
  counts: StatusCounts;
  total: number;
  /** Suggested actions with how many patches each concerns, most urgent first. */
  actions: Array<{ action: string; count: number; status: PatchStatus }>;
}

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(PATCH_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

export function countStatuses(entries: readonly { status: PatchStatus }[]): StatusCounts {
  const c = emptyCounts();
  for (const e of entries) c[e.status]++;
  return c;
}
