/**
 * `pkgtrack publish` (built dist, as users run it) of the whole rpm corpus at once: read on
 * worker threads; packages already signed by the repository key are copied into the pool by
 * the workers from the bytes they read, the others are signed on the way in. A publisher killed
 * while pool files are linked goes live with nothing; the next run completes, and its metadata
 * equals createrepo_c's over the published pool.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRpmFile } from '../../../src/sign/rpm-sign.js';
import { ed25519Key, FIXTURE_PASSPHRASE, type TestKey } from '../../sign/helpers.js';
import { expectSameAsCreaterepo } from './compare.js';
import { spawnAsync } from '../../helpers/process.js';
import { corpusRpms } from './corpus.js';
import { REPO_ROOT_DIR } from './harness.js';
import { TMP_SUFFIX } from '../../../src/repo/lock.js';

const SUITE = 'fedora/41/x86_64';
let work: string;
let key: TestKey;
let inputs: string[];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-yum-many-'));
  key = await ed25519Key('yum many');
  mkdirSync(join(work, 'in'));
  inputs = corpusRpms().map((f) => {
    const dest = join(work, 'in', basename(f));
    copyFileSync(f, dest);
    return dest;
  });
  // Every other package arrives signed by the repository key (as `pkgtrack build` signs them).
  for (const [i, f] of inputs.entries()) if (i % 2 === 0) await signRpmFile(f, key.signer);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) => {
  // As a user's shell runs it: vitest's NODE_ENV=test would put oclif in development mode.
  const { NODE_ENV: _, ...user } = process.env;
  // Async: a publish of hundreds of rpms must not block the test worker (vitest's RPC deadline).
  return spawnAsync(process.execPath, [join(REPO_ROOT_DIR, 'bin/run.js'), ...args], {
    cwd: work,
    env: { ...user, PKGTRACK_KEY_PASSPHRASE: FIXTURE_PASSPHRASE, ...env },
  });
};

describe('pkgtrack publish of many rpms', () => {
  it('survives a kill mid-link, then equals createrepo_c over the pool, every package signed by the repository key', {
    timeout: 600_000,
  }, async () => {
    expect(inputs.length).toBeGreaterThan(8);
    const out = join(work, 'public');
    const args = ['publish', '--suite', SUITE, '--output', out, '--key', key.privateFile, '--keep', '0', ...inputs];
    const trace = join(work, 'trace');
    const probe = await cli([...args.slice(0, 4), join(work, 'probe'), ...args.slice(5)], { PKGTRACK_FAULT_TRACE: trace });
    expect(probe.code, probe.stderr).toBe(0);
    const poolSteps = readFileSync(trace, 'utf8')
      .split('\n')
      .map((l) => l.split('\t')[1] ?? '')
      .filter((s) => s.startsWith('pool:'));
    expect(poolSteps.length).toBe(inputs.length);
    const killed = await cli(args, { PKGTRACK_FAULT_AT: poolSteps[Math.floor(poolSteps.length / 2)]! });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(out, 'yum', SUITE, 'repodata'))).toBe(false); // nothing went live
    // Copies not linked yet stay beside their pool paths, as a dead publisher's temporaries.
    const temps = () => (readdirSync(join(out, 'yum'), { recursive: true }) as string[]).filter((f) => f.endsWith(TMP_SUFFIX));
    expect(temps().filter((f) => f.includes('/Packages/')).length).toBeGreaterThan(0);

    const r = await cli([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(temps(), temps().join('\n')).toEqual([]); // leftovers swept
    const repo = join(out, 'yum', SUITE);
    const verify = await cli(['repo', 'verify', repo, '--keyring', key.publicFile, '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    // rpm itself: every pool file carries a signature by the repository key.
    const db = join(work, 'rpmdb');
    mkdirSync(db, { recursive: true });
    execFileSync('rpmkeys', ['--dbpath', db, '--import', key.publicFile]);
    const pool = readdirSync(join(repo, 'Packages'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(pool.length).toBe(inputs.length);
    // One rpmkeys run over the whole pool (a line per file), without blocking the worker.
    const k = await spawnAsync('rpmkeys', ['--dbpath', db, '--checksig', ...pool.map((e) => join(e.parentPath, e.name))]);
    const lines = k.stdout.trim().split('\n');
    expect(lines).toHaveLength(pool.length);
    for (const l of lines) expect(l).toMatch(/: digests signatures OK$/);
    // createrepo_c over a hard-linked copy of the published pool.
    expectSameAsCreaterepo(repo, join(work, 'cr'), inputs.length, (a, b, what) => expect(a, what).toEqual(b));
  });
});
