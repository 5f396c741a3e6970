/**
 * apt publishing: `xz` compresses Packages/Sources.xz (publish fails without it) and `sync`
 * (coreutils, `sync -f`) makes a big publish durable with one filesystem flush (without it,
 * each file is fsynced: correct, slower).
 */
import { hasProgram } from '../../../core/exec.js';
import type { DoctorCheck, Finding } from '../types.js';

export const aptRepoChecks: DoctorCheck[] = [
  {
    id: 'apt-repo',
    title: 'apt repository publishing',
    async run() {
      const findings: Finding[] = [];
      findings.push(
        (await hasProgram('xz'))
          ? { id: 'apt-repo.xz', status: 'ok', message: 'xz found (Packages.xz / Sources.xz)' }
          : {
              id: 'apt-repo.xz',
              status: 'error',
              message: 'xz is missing: `pkgtrack publish` cannot write Packages.xz',
              fix: 'apt-get install xz-utils',
              details: { package: 'xz-utils' },
            },
      );
      findings.push(
        (await hasProgram('sync'))
          ? { id: 'apt-repo.sync', status: 'ok', message: 'sync found (one filesystem flush per big publish)' }
          : {
              id: 'apt-repo.sync',
              status: 'warn',
              message: 'sync is missing: publishes fsync every file (slower)',
              fix: 'apt-get install coreutils',
              details: { package: 'coreutils' },
            },
      );
      return findings;
    },
  },
];
