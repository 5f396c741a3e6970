/**
 * #18 item 9: the fan-out remembers which planned cells delivered nothing (ci/attempts.json,
 * written by the publish job) and the next plan puts them last, after the recipes that waited
 * longest, so the 256-job cap defers the failing ones instead of whatever sorts last.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CiAttempts,
  failuresOf,
  parsePlannedMatrix,
  readCiAttempts,
  recordAttempts,
  recordCiAttempts,
} from '../../src/services/ci/attempts.js';
import { capMatrix, type MatrixCell, type MatrixResult, orderForCap } from '../../src/services/ci/matrix.js';
import { ciRunner } from '../../src/recipe/arches.js';
import { tempDir } from '../helpers/cli.js';
import { makeKey, publishCli } from '../repo/apt-helpers.js';

const cell = (recipe: string, target: string, version = '1.0', arch = 'amd64'): MatrixCell => ({
  recipe,
  target,
  arch,
  ...ciRunner(arch),
  channel: 'stable',
  version,
});
const empty: CiAttempts = { version: 1, failed: [] };
const t0 = new Date('2026-12-01T00:00:00Z');

describe('recordAttempts', () => {
  it('counts consecutive failures per cell and subject, forgets a cell once it publishes', () => {
    const planned = [cell('a', 'debian:bookworm'), cell('a', 'fedora:41'), cell('b', 'debian:bookworm')];
    const one = recordAttempts(empty, planned, [{ channel: 'stable', recipe: 'a', target: 'debian:bookworm' }], t0);
    expect(one.failed.map((f) => `${f.recipe} ${f.target} ${f.failures}`)).toEqual(['a fedora:41 1', 'b debian:bookworm 1']);
    const two = recordAttempts(one, [cell('a', 'fedora:41'), cell('b', 'debian:bookworm', '1.1')], [], t0);
    // Same subject: one more failure; a new upstream version starts again at one.
    expect(two.failed.map((f) => `${f.recipe} ${f.failures} ${f.subject}`)).toEqual(['a 2 1.0', 'b 1 1.1']);
    expect(failuresOf(two, cell('a', 'fedora:41'))).toBe(2);
    expect(failuresOf(two, cell('a', 'fedora:41', '2.0'))).toBe(0);
    const three = recordAttempts(two, [cell('a', 'fedora:41')], [{ channel: 'stable', recipe: 'a', target: 'fedora:41' }], t0);
    expect(three.failed.map((f) => f.recipe)).toEqual(['b']);
  });
});

describe('recordAttempts per architecture', () => {
  it('an arm64 cell that delivered nothing fails on its own while the amd64 build of the same target published', () => {
    const planned = [cell('a', 'debian:bookworm'), cell('a', 'debian:bookworm', '1.0', 'arm64')];
    // What a build's manifest names: every build carries its arch, amd64 included.
    const one = recordAttempts(empty, planned, [{ channel: 'stable', recipe: 'a', target: 'debian:bookworm', arch: 'amd64' }], t0);
    expect(one.failed.map((f) => `${f.target} ${f.arch} ${f.failures}`)).toEqual(['debian:bookworm arm64 1']);
    expect(failuresOf(one, planned[1]!)).toBe(1);
    expect(failuresOf(one, planned[0]!)).toBe(0);
    const two = recordAttempts(one, planned, [{ channel: 'stable', recipe: 'a', target: 'debian:bookworm', arch: 'arm64' }], t0);
    expect(two.failed.map((f) => `${f.target} ${f.arch ?? 'amd64'}`)).toEqual(['debian:bookworm amd64']);
  });
});

describe('orderForCap', () => {
  it('puts failing recipes last, then the longest-waiting first; cells of a recipe stay together', () => {
    const cells = [cell('a', 't1'), cell('a', 't2'), cell('b', 't1'), cell('c', 't1'), cell('d', 't1')];
    const attempts = recordAttempts(empty, [cell('a', 't2')], [], t0);
    const published = new Map([
      ['b', '2026-12-03T00:00:00Z'],
      ['c', '2026-11-01T00:00:00Z'],
    ]);
    const ordered = orderForCap(cells, attempts, published);
    // d never published (waited longest), then c (a month ago), then b; a failed last run.
    expect(ordered.map((c) => `${c.recipe}/${c.target}`)).toEqual(['d/t1', 'c/t1', 'b/t1', 'a/t1', 'a/t2']);
    const result: MatrixResult = { channel: 'stable', matrix: { include: ordered }, skipped: [], problems: [] };
    expect(capMatrix(result, 3)).toBe(1);
    expect(result.skipped.map((s) => s.recipe)).toEqual(['a']);
  });
});

describe('recordCiAttempts / parsePlannedMatrix', () => {
  it('compares the plan with the build folders that arrived, and refuses a file that is not a plan', async () => {
    const out = tempDir('pkgtrack-attempts-');
    const arrived = join(out, 'artifacts/pkgtrack-a-debian-bookworm');
    mkdirSync(arrived, { recursive: true });
    writeFileSync(join(arrived, 'manifest.json'), JSON.stringify({ recipe: 'a', target: 'debian:bookworm', channel: 'trunk' }));
    const planned = parsePlannedMatrix(
      JSON.stringify({
        include: [
          { recipe: 'a', target: 'debian:bookworm', channel: 'trunk', commit: 'abc1234' },
          { recipe: 'a', target: 'fedora:41', channel: 'trunk', commit: 'abc1234', previous: 'x' },
        ],
      }),
      'planned.json',
    );
    const failed = await recordCiAttempts(join(out, 'public'), planned, [arrived], t0);
    expect(failed.map((c) => c.target)).toEqual(['fedora:41']);
    expect((await readCiAttempts(join(out, 'public'))).failed).toEqual([
      { channel: 'trunk', recipe: 'a', target: 'fedora:41', subject: 'abc1234', failures: 1, lastFailed: t0.toISOString() },
    ]);
    expect(() => parsePlannedMatrix('{"cells":[]}', 'planned.json')).toThrow(/planned\.json is not a ci matrix plan/);
  });
});

describe('publish --planned when every planned cell failed', () => {
  it('publishes nothing but still records the cells, so the next plan puts them last', async () => {
    const dir = tempDir('pkgtrack-attempts-none-');
    const key = makeKey(dir);
    const out = join(dir, 'public');
    mkdirSync(join(dir, 'artifacts'));
    const plan = join(dir, 'planned.json');
    writeFileSync(plan, JSON.stringify({ include: [{ recipe: 'a', target: 'debian:bookworm', channel: 'stable', version: '1.0' }] }));
    const r = await publishCli(dir, key, out, ['--from-artifacts', join(dir, 'artifacts'), '--planned', plan]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/1 planned cell\(s\) delivered nothing/);
    expect((await readCiAttempts(out)).failed.map((f) => `${f.recipe} ${f.target} ${f.subject} ${f.failures}`)).toEqual([
      'a debian:bookworm 1.0 1',
    ]);
    // Without --planned an empty artifacts folder is still a quiet no-op.
    const plain = await publishCli(dir, key, join(dir, 'other'), ['--from-artifacts', join(dir, 'artifacts')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/nothing to publish/);
  });
});
