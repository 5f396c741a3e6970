/** A long container build prints a progress line every minute with the last line of its output. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildHeartbeat } from '../../src/services/build/steps.js';

afterEach(() => vi.useRealTimers());

describe('buildHeartbeat', () => {
  it('says how long and the last line, forwards every chunk, and stops', () => {
    vi.useFakeTimers();
    const steps: string[] = [];
    const forwarded: string[] = [];
    const hb = buildHeartbeat({ step: (m) => steps.push(m), warn() {}, debug() {} }, 'hello 1.0 for debian:bookworm', (c) =>
      forwarded.push(c),
    );
    hb.onOutput('make[1]: Entering directory\ngcc -c hel');
    hb.onOutput('lo.c\n\n');
    expect(forwarded).toEqual(['make[1]: Entering directory\ngcc -c hel', 'lo.c\n\n']);
    expect(steps).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(steps).toEqual(['hello 1.0 for debian:bookworm: still building (1 min); last line: gcc -c hello.c']);
    vi.advanceTimersByTime(60_000);
    expect(steps[1]).toMatch(/still building \(2 min\)/);
    hb.stop();
    vi.advanceTimersByTime(180_000);
    expect(steps).toHaveLength(2);
  });
});
