/**
 * What a failed build says (services/build/support.ts) and the build container's default memory
 * limit (services/build/steps.ts). Pure; test/buildd/buildd.test.ts kills a real build with it.
 */
import { describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/recipe/targets.js';
import { defaultBuildMemory } from '../../src/services/build/steps.js';
import { buildFailed } from '../../src/services/build/support.js';

const GiB = 2 ** 30;
const bookworm = resolveTarget('debian:bookworm')!;

describe('the build memory limit', () => {
  it('is three quarters of the machine, at least 4g', () => {
    expect(defaultBuildMemory(24 * GiB)).toBe('18g');
    expect(defaultBuildMemory(7 * GiB)).toBe('5g');
    expect(defaultBuildMemory(2 * GiB)).toBe('4g');
  });

  it('is named, with --memory, when a process of the build was killed', () => {
    for (const tail of [
      'make[1]: *** [debian/rules:5: override_dh_auto_build] Error 137',
      'Killed',
      'Exit code mismatch! Expected 0 but got 137',
    ]) {
      const e = buildFailed(2, `...\n${tail}\n`, '/tmp/x.log', bookworm, '4g');
      expect(e.code).toBe('BUILD_FAILED');
      expect(e.fix, tail).toMatch(/memory limit \(4g\)\. Give it more with --memory/);
    }
  });

  it('is not blamed for other failures', () => {
    const e = buildFailed(2, 'FAIL: test-suite.log\nmake: *** [check] Error 1\n', '/tmp/x.log', bookworm, '4g');
    expect(e.fix).toBe('Read the full log: /tmp/x.log');
    expect(buildFailed(2, 'Killed\n', '/tmp/x.log', bookworm).fix).toBe('Read the full log: /tmp/x.log');
  });
});
