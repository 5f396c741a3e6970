/** Host basics: the Node runtime and the tools the host itself needs. */
import { run } from '../../../core/exec.js';
import { toolFinding } from '../tool-finding.js';
import type { DoctorCheck, Finding } from '../types.js';

/** node:zlib's zstd (zstd-compressed .debs, yum metadata) came in 22.15; bin/run.js refuses older. */
const MIN_NODE: readonly [number, number] = [22, 15];

/** Whether Node `version` ("24.1.0") is at least MIN_NODE. */
export function nodeIsRecentEnough(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/** Host tools pkgtrack runs itself (not inside containers), with the Debian package that has them. */
export const HOST_TOOLS: Array<{ tool: string; pkg: string; why: string }> = [
  { tool: 'git', pkg: 'git', why: 'git upstreams and trunk builds' },
  { tool: 'gpgv', pkg: 'gpgv', why: 'independent signature checks' },
  { tool: 'xz', pkg: 'xz-utils', why: 'xz-compressed sources and indexes' },
  { tool: 'zstd', pkg: 'zstd', why: 'zstd-compressed sources' },
  { tool: 'mmdebstrap', pkg: 'mmdebstrap', why: 'bootstrapping base images when no registry answers' },
];

export const hostChecks: DoctorCheck[] = [
  {
    id: 'node',
    title: 'Node.js runtime',
    async run() {
      if (nodeIsRecentEnough(process.versions.node)) {
        return [
          { id: 'node.version', status: 'ok', message: `Node ${process.versions.node}`, details: { version: process.versions.node } },
        ];
      }
      return [
        {
          id: 'node.version',
          status: 'error',
          message: `Node ${process.versions.node} is older than ${MIN_NODE.join('.')}`,
          fix: 'Install Node 24 LTS: `npm install -g --prefix /opt/node24 node@24 && ln -sf /opt/node24/bin/node /usr/local/bin/node`.',
          details: { version: process.versions.node },
        },
      ];
    },
  },
  {
    id: 'host-tools',
    title: 'Host tools',
    async run() {
      const findings: Finding[] = [];
      for (const t of HOST_TOOLS) {
        findings.push(
          await toolFinding({
            id: `tool.${t.tool}`,
            tool: t.tool,
            pkg: t.pkg,
            ok: `${t.tool} found`,
            missing: `${t.tool} is missing (needed for ${t.why})`,
            fixable: true,
          }),
        );
      }
      return findings;
    },
    async fix(_ctx, findings) {
      const pkgs = findings.map((f) => f.details?.package).filter((p): p is string => typeof p === 'string');
      if (pkgs.length === 0) return [];
      await run('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
        env: { DEBIAN_FRONTEND: 'noninteractive' },
        what: 'apt-get install',
        fix: 'Run scripts/setup.sh as root, or install the packages yourself.',
      });
      return [`installed ${pkgs.join(', ')}`];
    },
  },
];
