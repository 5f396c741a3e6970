/**
 * apt publishing: `xz` compresses Packages/Sources.xz (publish fails without it) and `sync`
 * (coreutils, `sync -f`) makes a big publish durable with one filesystem flush (without it,
 * each file is fsynced: correct, slower).
 */
import { toolFinding } from '../tool-finding.js';
import type { DoctorCheck } from '../types.js';

export const aptRepoChecks: DoctorCheck[] = [
  {
    id: 'apt-repo',
    title: 'apt repository publishing',
    async run() {
      return [
        await toolFinding({
          id: 'apt-repo.xz',
          tool: 'xz',
          pkg: 'xz-utils',
          ok: 'xz found (Packages.xz / Sources.xz)',
          missing: 'xz is missing: `pkgtrack publish` cannot write Packages.xz',
          severity: 'error',
        }),
        await toolFinding({
          id: 'apt-repo.sync',
          tool: 'sync',
          pkg: 'coreutils',
          ok: 'sync found (one filesystem flush per big publish)',
          missing: 'sync is missing: publishes fsync every file (slower)',
        }),
      ];
    },
  },
];
