/** Architectures: which ones this host builds natively, which under qemu-user, which not at all (and the fix). */
import { hostCapabilities } from '../../../containers/emulation.js';
import type { DoctorCheck, Finding } from '../types.js';

export const archChecks: DoctorCheck[] = [
  {
    id: 'arches',
    title: 'Architectures this host can build',
    async run(ctx) {
      const { host, arches } = await hostCapabilities();
      const list = (s: string) => arches.filter((a) => a.support === s).map((a) => a.arch);
      const summary = `this ${host} host builds natively: ${list('native').join(', ') || 'none'}; emulated (qemu-user): ${list('emulated').join(', ') || 'none'}; cannot build: ${list('missing').join(', ') || 'none'}`;
      const findings: Finding[] = [
        {
          id: 'arch.host',
          status: 'ok',
          message: summary,
          details: { host, arches: Object.fromEntries(arches.map((a) => [a.arch, a.support])) },
        },
      ];
      // The architectures the recipes ask for must be buildable here (or on a native CI runner).
      const wanted = new Set((ctx.recipes ?? []).flatMap((r) => r.targets.flatMap((t) => t.arches)));
      for (const a of arches) {
        if (!wanted.has(a.arch)) continue;
        findings.push(
          a.support === 'missing'
            ? {
                id: `arch.${a.arch}`,
                status: 'error',
                message: `recipes build ${a.arch}, which this host cannot run: no qemu-user binfmt_misc handler`,
                ...(a.fix ? { fix: a.fix } : {}),
                details: { arch: a.arch, support: a.support },
              }
            : { id: `arch.${a.arch}`, status: 'ok', message: `${a.arch}: ${a.support}`, details: { arch: a.arch, support: a.support } },
        );
      }
      return findings;
    },
  },
];
