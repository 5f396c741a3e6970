/** The test run's temporary folders live under the run's own folder (test/global-setup.ts), which the run removes. */
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { tempDir } from '../helpers/cli.js';

describe('test scratch', () => {
  it('is under the run folder global setup made', () => {
    expect(basename(tmpdir())).toMatch(/^pkgtrack-tests-/);
    expect(dirname(tempDir())).toBe(tmpdir());
  });
});
