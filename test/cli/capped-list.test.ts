import { describe, expect, it } from 'vitest';
import { cappedLines } from '../../src/cli/capped-list.js';

describe('cappedLines', () => {
  const items = Array.from({ length: 25 }, (_, i) => i);
  it('shows every item up to the limit', () => {
    expect(cappedLines(items.slice(0, 20), String, false)).toHaveLength(20);
  });
  it('past the limit, says how many more and how to see them', () => {
    const lines = cappedLines(items, String, false);
    expect(lines).toHaveLength(21);
    expect(lines.at(-1)).toBe('  … and 5 more (--verbose or --json lists every one)');
  });
  it('lists every item when asked', () => {
    expect(cappedLines(items, String, true)).toHaveLength(25);
  });
});
