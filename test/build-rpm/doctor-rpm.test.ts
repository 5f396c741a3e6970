/** The rpm doctor check against the example repository and the real host (rpmlint installed by setup). */
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { rpmChecks } from '../../src/services/doctor/checks/rpm.js';
import { DOCTOR_CHECKS } from '../../src/services/doctor/checks/index.js';
import { helloRecipe } from './helpers.js';

describe('doctor: rpm builds', () => {
  it('is registered, finds rpmlint and names the rpm targets of the recipes', async () => {
    expect(DOCTOR_CHECKS.some((c) => c.id === 'rpm')).toBe(true);
    const { recipesRepo, recipe } = await helloRecipe();
    const findings = await rpmChecks[0]!.run({ recipesRepo, recipes: [recipe], progress: silentProgress });
    expect(findings.find((f) => f.id === 'rpm.rpmlint')?.status).toBe('ok');
    const target = findings.find((f) => f.id === 'rpm.target.fedora:41');
    expect(target?.message).toContain('hello');
    expect(target?.message).toContain('--nodeps');
  });
});
