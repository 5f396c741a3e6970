/**
 * rpm builds: rpmlint on the host (lint findings in the build summary), and for each rpm target
 * of the recipes whether it builds in its own image or, when none is here, on the rpm-on-Debian
 * image with --nodeps (BuildRequires not verified). Whether a registry answers is only known
 * when a build tries to pull, so that case is reported as "pulled at build time, if possible".
 */
import { hasProgram } from '../../../core/exec.js';
import type { DoctorCheck, Finding } from '../types.js';

export const rpmChecks: DoctorCheck[] = [
  {
    id: 'rpm',
    title: 'rpm builds',
    async run(ctx) {
      const findings: Finding[] = [];
      const rpmTargets = new Map<string, string[]>();
      for (const r of ctx.recipes ?? []) {
        for (const t of r.targets) if (t.format === 'rpm') rpmTargets.set(t.id, [...(rpmTargets.get(t.id) ?? []), r.name]);
      }
      const lint = await hasProgram('rpmlint');
      findings.push(
        lint
          ? { id: 'rpm.rpmlint', status: 'ok', message: 'rpmlint found (rpm findings go in the build summary)' }
          : {
              id: 'rpm.rpmlint',
              status: rpmTargets.size ? 'warn' : 'skip',
              message: 'rpmlint is missing: rpm builds would have no lint findings',
              fix: 'apt-get install rpmlint',
              details: { package: 'rpmlint' },
            },
      );
      for (const [target, recipes] of rpmTargets) {
        findings.push({
          id: `rpm.target.${target}`,
          status: 'ok',
          message: `${target} (${recipes.join(', ')}): built in its own image when one can be pulled; otherwise on the rpm-on-Debian image with rpmbuild --nodeps, and the build summary says BuildRequires were not verified`,
          details: { target, recipes },
        });
      }
      return findings;
    },
  },
];
