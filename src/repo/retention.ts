/**
 * Retention: keep the newest N versions of each package (per suite, per architecture) and
 * work out which pool files then belong to nobody. Pure functions; the version order comes
 * from the format (dpkg order for apt, rpmvercmp for yum).
 */

export interface VersionedEntry {
  name: string;
  /** Architecture, or '' when it does not matter (source packages group by name only). */
  arch: string;
  version: string;
  /** Pool path(s) (repo-relative) this entry references. */
  files: readonly string[];
}

export interface RetentionResult<T extends VersionedEntry> {
  keep: T[];
  drop: T[];
}

/**
 * Newest `keepVersions` per (name, arch); the rest dropped. `keepVersions` <= 0 keeps all.
 * Input order is preserved in both outputs.
 */
export function applyRetention<T extends VersionedEntry>(
  entries: readonly T[],
  keepVersions: number,
  compare: (a: string, b: string) => number,
): RetentionResult<T> {
  if (keepVersions <= 0) return { keep: [...entries], drop: [] };
  const groups = new Map<string, T[]>();
  for (const e of entries) {
    const k = `${e.name}\u0000${e.arch}`;
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  const dropped = new Set<T>();
  for (const g of groups.values()) {
    if (g.length <= keepVersions) continue;
    const sorted = [...g].sort((a, b) => compare(b.version, a.version));
    for (const e of sorted.slice(keepVersions)) dropped.add(e);
  }
  return { keep: entries.filter((e) => !dropped.has(e)), drop: entries.filter((e) => dropped.has(e)) };
}

/**
 * Pool files referenced before but by no entry now (across EVERY suite of the repository):
 * the ones a publish may delete after its switch.
 */
export function unreferencedFiles(before: Iterable<string>, stillReferenced: Iterable<string>): string[] {
  const keep = new Set(stillReferenced);
  return [...new Set(before)].filter((f) => !keep.has(f)).sort();
}
