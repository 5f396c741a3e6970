/** `pkgtrack version compare` end to end: the built CLI, its stdout, --json and exit codes. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dpkgCompare, rpmCompare } from '../formats/version-reference.js';
import { buildOnce, runCli } from './helpers.js';

const cli = (...args: string[]) => runCli(['version', 'compare', ...args]);

beforeAll(buildOnce, 300_000);

describe('pkgtrack version compare', () => {
  it('prints what dpkg and rpm answer, and exits 0 for every order', async () => {
    const pairs = [
      ['1.0~rc1-1', '1.0-1'],
      ['2:1.0-1', '1:9.9-1'],
      ['1.0-1', '1.0-1'],
      ['1.10', '1.9'],
    ] as const;
    const dpkg = await dpkgCompare(pairs);
    const rpm = await rpmCompare([...pairs, ['1.0^git1', '1.0'], ['1.0~rc1', '1.0']]);
    for (const [i, [a, b]] of pairs.entries()) {
      const r = await cli(a, b, '--scheme', 'deb');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(dpkg[i]);
    }
    for (const [i, [a, b]] of [...pairs, ['1.0^git1', '1.0'], ['1.0~rc1', '1.0']].entries()) {
      const r = await cli(a!, b!, '--scheme', 'rpm');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(rpm[i]);
    }
  });

  it('gives a JSON result', async () => {
    const r = await cli('1.0', '1.0~rc1', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ a: '1.0', b: '1.0~rc1', scheme: 'deb', result: '>', order: 1 });
  });

  it('exits 2 with the reason for an invalid version', async () => {
    const r = await cli('v1.0', '1.0', '--scheme', 'deb');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/VERSION_INVALID.*"v1.0" is not a valid Debian version: version number does not start with digit/);
    expect(r.stderr).toMatch(/fix: /);
    const j = await cli('1.0', '1.0-beta-1', '--scheme', 'rpm', '--json');
    expect(j.status).toBe(2);
    expect(JSON.parse(j.stdout).error).toMatchObject({ code: 'VERSION_INVALID', kind: 'input', details: { field: 'b', scheme: 'rpm' } });
  });

  it('rejects an unknown scheme as a usage error', async () => {
    const r = await cli('1', '2', '--scheme', 'arch');
    expect(r.status).toBe(2);
  });
});
