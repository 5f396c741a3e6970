/**
 * Text output of long lists: a publish of 10,000 packages should not print 10,000 lines. Up to
 * `limit` lines are shown, then one line saying how many more there are and how to see them.
 */
export const LIST_LIMIT = 20;

export function cappedLines<T>(items: readonly T[], line: (item: T) => string, all: boolean, limit = LIST_LIMIT): string[] {
  if (all || items.length <= limit) return items.map(line);
  return [...items.slice(0, limit).map(line), `  … and ${items.length - limit} more (--verbose or --json lists every one)`];
}
