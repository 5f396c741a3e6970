/**
 * One atomic switch per apt suite (issue #24 item 5): `dists/<suite>` is a link to a generation
 * directory, so a publisher killed at ANY step leaves a suite every apt client accepts, by-hash
 * off included (a by-hash-off client reads the plain index names the InRelease lists: a new
 * InRelease over old Packages, or the reverse, is "Hash Sum mismatch"). Checked with real
 * apt-get, both ways, after a SIGKILL at every fault point of a publish, of a publish that
 * adopts a suite that is a plain directory (old layout, or restored from a static host), and
 * with `repo verify` and a following publish each time.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { type AptRoot, aptRoot, buildDeb, expectAptOk, makeKey, type TestKey } from './apt-helpers.js';

let dir: string;
let key: TestKey;
let v1: string;
let v2: string;

beforeAll(() => {
  dir = tempDir('pkgtrack-aptswitch-');
  key = makeKey(dir);
  v1 = buildDeb(dir, 'switchy', '1.0-1', { arch: 'amd64' });
  v2 = buildDeb(dir, 'switchy', '1.1-1', { arch: 'amd64' });
}, 60_000);

const copyTree = (from: string, to: string) => execFileSync('cp', ['-a', from, to]);
const publish = async (out: string, deb: string, env: Record<string, string> = {}) =>
  await pkgtrack(['publish', '--key', key.secret, '--output', out, '--suite', 'bookworm', deb], { cwd: dir, env });

/** What apt-get update, with by-hash on and off, sees as switchy's candidate in `repo` (an apt root). */
async function clientsSee(repo: string, what: string): Promise<string[]> {
  const seen: string[] = [];
  for (const byHash of ['yes', 'no']) {
    // A fresh apt root each time: an apt that already holds the InRelease would skip the indexes.
    const apt: AptRoot = aptRoot();
    apt.setSources([{ uri: `file:${repo}`, suites: ['bookworm'] }], key.pub);
    expectAptOk(await apt.apt(['-o', `Acquire::By-Hash=${byHash}`, 'update']), `apt-get update (By-Hash=${byHash}) ${what}`);
    seen.push(/Candidate: (\S+)/.exec((await apt.apt(['policy', 'switchy'], 'apt-cache')).stdout)?.[1] ?? 'none');
  }
  return seen;
}

async function expectVerified(repo: string, what: string): Promise<void> {
  const v = await pkgtrack(['repo', 'verify', repo, '--keyring', key.pub]);
  expect(v.code, `repo verify ${what}:\n${v.stdout}${v.stderr}`).toBe(0);
}

async function traceSteps(base: string, name: string): Promise<string[]> {
  const traced = join(dir, name);
  copyTree(base, traced);
  const trace = join(dir, `${name}.trace`);
  const r = await publish(traced, v2, { PKGTRACK_FAULT_TRACE: trace });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(trace, 'utf8').trim().split('\n');
}

/** Kill a publish of v2 into a copy of `base` at each of `steps`; clients, verify and a re-run must all succeed. */
async function killAt(base: string, steps: string[], label: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const step of steps) {
    const [n, name] = step.split('\t');
    const out = join(dir, `${label}-${n}`);
    copyTree(base, out);
    const killed = await publish(out, v2, { PKGTRACK_FAULT_AT: n! });
    expect(killed.signal, `${name} should have been killed: ${killed.stderr}`).toBe('SIGKILL');
    const after = `after a kill at ${name}`;
    const cands = await clientsSee(join(out, 'apt'), after);
    expect(new Set(cands).size, `by-hash on and off see one state ${after}`).toBe(1);
    expect(['1.0-1', '1.1-1'], after).toContain(cands[0]);
    seen.add(cands[0]!);
    await expectVerified(join(out, 'apt'), after);
    const again = await publish(out, v2);
    expect(again.code, `${after}, the publish again: ${again.stderr}`).toBe(0);
    expect(await clientsSee(join(out, 'apt'), `${after} and a re-run`)).toEqual(['1.1-1', '1.1-1']);
    await expectVerified(join(out, 'apt'), `${after} and a re-run`);
  }
  return seen;
}

describe('kill -9 at every step of an apt publish', () => {
  it('leaves a suite apt reads with by-hash on and off, that verifies, and that the next publish completes', async () => {
    const base = join(dir, 'base');
    expect((await publish(base, v1)).code).toBe(0);
    const suite = join(base, 'apt/dists/bookworm');
    expect(lstatSync(suite).isSymbolicLink()).toBe(true);
    expect(readlinkSync(suite)).toMatch(/^\.generations\/bookworm\/[0-9a-f]{20}$/);

    const steps = await traceSteps(base, 'traced');
    expect(steps.length).toBeGreaterThan(10);
    // The only rename a client can see is the link's, the last one.
    expect(steps.filter((s) => s.includes('rename:dists/')).map((s) => s.split('\t')[1])).toEqual(['rename:dists/bookworm']);
    const seen = await killAt(base, steps, 'crash');
    expect([...seen].sort()).toEqual(['1.0-1', '1.1-1']);
  }, 1_200_000);

  it('adopts a suite that is a plain directory (old layout, static host copy), with a kill at each adoption step', async () => {
    const live = join(dir, 'live');
    expect((await publish(live, v1)).code).toBe(0);
    // What an old pkgtrack wrote, and what a static host serves: the suite as a plain directory
    // (links followed), no generation store; generation records naming files under dists/bookworm/.
    const old = join(dir, 'old');
    execFileSync('cp', ['-rL', live, old]);
    execFileSync('rm', ['-rf', join(old, 'apt/dists/.generations')]);
    const records = join(old, 'apt/.pkgtrack/generations/dists__bookworm.json');
    writeFileSync(records, readFileSync(records, 'utf8').replace(/dists\/\.generations\/bookworm\/[0-9a-f]{20}\//g, 'dists/bookworm/'));
    expect(lstatSync(join(old, 'apt/dists/bookworm')).isDirectory()).toBe(true);
    expect(await clientsSee(join(old, 'apt'), 'of the old layout')).toEqual(['1.0-1', '1.0-1']);

    const steps = await traceSteps(old, 'traced-old');
    const adoption = steps.findIndex((s) => s.endsWith('\tadopted:dists/bookworm'));
    expect(adoption, steps.join('\n')).toBeGreaterThan(0);
    // The adoption's steps, the first step after it, and the switch.
    const chosen = [...steps.slice(0, adoption + 2), ...steps.filter((s) => s.endsWith('\trename:dists/bookworm'))];
    await killAt(old, chosen, 'adopt');

    // Adopted: a link to a generation holding the old directory; the records name its files there.
    const done = join(dir, 'traced-old/apt');
    expect(lstatSync(join(done, 'dists/bookworm')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(done, '.pkgtrack/generations/dists__bookworm.json'), 'utf8')).not.toMatch(/"dists\/bookworm\//);
    expect(readdirSync(join(done, 'dists')).sort()).toEqual(['.generations', 'bookworm']);
  }, 600_000);

  it('refuses to adopt a plain suite directory whose InRelease another key signed, changing nothing', async () => {
    const other = makeKey(tempDir('pkgtrack-aptswitch-other-'));
    const out = join(dir, 'foreign');
    const r = await pkgtrack(['publish', '--key', other.secret, '--output', join(dir, 'foreign-live'), '--suite', 'bookworm', v1], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    execFileSync('cp', ['-rL', join(dir, 'foreign-live'), out]);
    execFileSync('rm', ['-rf', join(out, 'apt/dists/.generations')]);
    const before = readFileSync(join(out, 'apt/dists/bookworm/InRelease'));
    const refused = await publish(out, v2);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/APT_FOREIGN_SUITE/);
    expect(refused.stderr).toMatch(/dists\/bookworm/);
    expect(lstatSync(join(out, 'apt/dists/bookworm')).isDirectory()).toBe(true);
    expect(readFileSync(join(out, 'apt/dists/bookworm/InRelease')).equals(before)).toBe(true);
  }, 120_000);
});
