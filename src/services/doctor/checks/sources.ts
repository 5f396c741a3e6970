/** Upstream sources and patch queues: decompressors beyond the host basics, the Debian keyring. */
import { hasProgram } from '../../../core/exec.js';
import { exists } from '../../../core/fsutil.js';
import type { DoctorCheck, Finding } from '../types.js';

const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export const sourcesChecks: DoctorCheck[] = [
  {
    id: 'sources',
    title: 'Upstream sources and patches',
    async run(ctx) {
      const findings: Finding[] = [];
      for (const [tool, pkg] of [
        ['bzip2', 'bzip2'],
        ['gzip', 'gzip'],
      ] as const) {
        findings.push(
          (await hasProgram(tool))
            ? { id: `sources.${tool}`, status: 'ok', message: `${tool} found` }
            : {
                id: `sources.${tool}`,
                status: 'warn',
                message: `${tool} is missing: .tar.${tool === 'gzip' ? 'gz' : 'bz2'} sources cannot be unpacked`,
                fix: `apt-get install ${pkg}`,
              },
        );
      }
      const debianRecipes = (ctx.recipes ?? [])
        .filter((r) => r.config.upstream.kind === 'debian' && !r.config.upstream.keyring)
        .map((r) => r.name);
      if (debianRecipes.length || !ctx.recipes) {
        findings.push(
          (await exists(DEBIAN_KEYRING))
            ? { id: 'sources.debian-keyring', status: 'ok', message: `${DEBIAN_KEYRING} present` }
            : {
                id: 'sources.debian-keyring',
                status: debianRecipes.length ? 'error' : 'warn',
                message: `${DEBIAN_KEYRING} is missing: the Debian archive index cannot be verified${debianRecipes.length ? ` (recipes: ${debianRecipes.join(', ')})` : ''}`,
                fix: 'apt-get install debian-archive-keyring',
              },
        );
      }
      return findings;
    },
  },
];
