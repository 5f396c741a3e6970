/**
 * The oldest Node pkgtrack runs on is 22.15 (node:zlib's zstd reads zstd-compressed .debs and
 * yum metadata): bin/run.js refuses older ones with a fix, and `doctor` says the same.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeIsRecentEnough } from '../../src/services/doctor/checks/host.js';
import { spawnAsync } from '../helpers/process.js';

const RUN = join(import.meta.dirname, '../../bin/run.js');

/** `pkgtrack version` in a process that reports Node `version`. */
function versionAs(version: string) {
  const pretend = `data:text/javascript,Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } });`;
  return spawnAsync(process.execPath, ['--import', pretend, RUN, 'version']);
}

describe('the Node version pkgtrack needs', () => {
  it('doctor: 22.15 and later, any newer major', () => {
    expect(['22.15.0', '22.21.1', '23.0.0', '24.1.0', '30.0.0'].map(nodeIsRecentEnough)).toEqual([true, true, true, true, true]);
    expect(['22.14.0', '22.12.0', '21.99.0', '20.19.2'].map(nodeIsRecentEnough)).toEqual([false, false, false, false]);
  });

  it('bin/run.js: refuses 22.14 with the fix, exit 1; runs on 22.15', async () => {
    const old = await versionAs('22.14.0');
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('error[NODE_TOO_OLD]: pkgtrack needs Node >= 22.15');
    expect(old.stderr).toContain('fix: npm install -g --prefix /opt/node24 node@24');
    const ok = await versionAs('22.15.0');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('node 22.15.0');
  });
});
