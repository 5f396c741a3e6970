/**
 * Crash safety and concurrency of apt publishing, checked with real apt:
 *  - SIGKILL of the publisher at EVERY instrumented write/rename step: afterwards apt-get
 *    update succeeds and sees the old or the new state; re-running the publish completes it.
 *  - Two publishers at once: both succeed (one waits for the lock), nothing lost.
 *  - A reader holding an old InRelease still gets its indexes (by hash) after two publishes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleartextBody } from '../../src/formats/deb-control.js';
import { BIN, pkgtrack, ROOT, tempDir } from '../helpers/cli.js';
import { aptRoot, buildDeb, expectAptOk, makeKey, publishCli, runAsync, serveDir, type TestKey } from './apt-helpers.js';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-aptsafety-');
  key = makeKey(dir);
}, 60_000);

const copyTree = (from: string, to: string) => execFileSync('cp', ['-a', from, to]);

describe('kill -9 at every publish step', () => {
  it('leaves a repository apt reads as the old or the new state, and a re-run completes it', async () => {
    const v1 = buildDeb(dir, 'crashy', '1.0-1');
    const v2 = buildDeb(dir, 'crashy', '1.1-1');
    const base = join(dir, 'base');
    expect((await publishCli(dir, key, base, ['--suite', 'bookworm', v1])).code).toBe(0);

    // Learn the steps of the second publish.
    const traced = join(dir, 'traced');
    copyTree(base, traced);
    const trace = join(dir, 'trace.txt');
    expect((await publishCli(dir, key, traced, ['--suite', 'bookworm', v2], { PKGTRACK_FAULT_TRACE: trace })).code).toBe(0);
    const steps = readFileSync(trace, 'utf8').trim().split('\n');
    expect(steps.length).toBeGreaterThan(15);
    for (const kind of ['pool:', 'content:', 'stage:', 'rename:', 'generations:recorded'])
      expect(steps.some((s) => s.includes(kind))).toBe(true);
    // The suite is switched last: one rename of its link to the new generation.
    expect(steps.filter((s) => s.includes('rename:')).at(-1)).toMatch(/rename:dists\/bookworm$/);

    const apt = aptRoot();
    const seen = new Set<string>();
    for (let i = 1; i <= steps.length; i++) {
      const out = join(dir, `crash-${i}`);
      copyTree(base, out);
      const killed = await publishCli(dir, key, out, ['--suite', 'bookworm', v2], { PKGTRACK_FAULT_AT: String(i) });
      expect(killed.signal, `step ${steps[i - 1]} should have been killed`).toBe('SIGKILL');
      apt.setSources([{ uri: `file:${join(out, 'apt')}`, suites: ['bookworm'] }], key.pub);
      expectAptOk(await apt.apt(['update']), `apt-get update after kill at ${steps[i - 1]}`);
      const cand = /Candidate: (\S+)/.exec((await apt.apt(['policy', 'crashy'], 'apt-cache')).stdout)?.[1];
      expect(['1.0-1', '1.1-1'], `after kill at ${steps[i - 1]}`).toContain(cand);
      seen.add(cand!);
      // Re-running the same publish (stale lock, stale temporaries) finishes the job.
      const again = await publishCli(dir, key, out, ['--suite', 'bookworm', v2]);
      expect(again.code, again.stderr).toBe(0);
      expectAptOk(await apt.apt(['update']), `apt-get update after re-run (step ${i})`);
      expect((await apt.apt(['policy', 'crashy'], 'apt-cache')).stdout).toMatch(/Candidate: 1\.1-1/);
      const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
    expect([...seen].sort()).toEqual(['1.0-1', '1.1-1']);
  }, 900_000);
});

describe('a publish that changes nothing', () => {
  it('writes nothing while the Release is valid; re-signs once a kill left InRelease behind Release', async () => {
    const v1 = buildDeb(dir, 'noop', '1.0-1');
    const v2 = buildDeb(dir, 'noop', '1.1-1');
    const out = join(dir, 'noop-repo');
    const suite = join(out, 'apt/dists/bookworm');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', v1])).code).toBe(0);
    const signed = ['Release', 'Release.gpg', 'InRelease'].map((f) => readFileSync(join(suite, f)));
    const again = await publishCli(dir, key, out, ['--suite', 'bookworm', v1, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().reports[0]).toMatchObject({ noChange: true, added: [], removed: [] });
    for (const [i, f] of ['Release', 'Release.gpg', 'InRelease'].entries())
      expect(readFileSync(join(suite, f)).equals(signed[i]!), f).toBe(true);

    // Killed with the new generation written but not switched to. The same publish again must
    // not take that for "nothing changed".
    const killed = await publishCli(dir, key, out, ['--suite', 'bookworm', v2], { PKGTRACK_FAULT_AT: 'generations:recorded' });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(join(suite, 'InRelease')).equals(signed[2]!)).toBe(true);
    const repair = await publishCli(dir, key, out, ['--suite', 'bookworm', v2, '--json']);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.json().reports[0].noChange).toBeUndefined();
    expect(cleartextBody(readFileSync(join(suite, 'InRelease'), 'utf8'))).toBe(readFileSync(join(suite, 'Release'), 'utf8'));
    const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});

describe('indexes kept as they are', () => {
  it('an index whose text did not change is not rewritten, and a generation a killed publisher left is not used', async () => {
    const a = buildDeb(dir, 'keep-a', '1.0-1');
    const b = buildDeb(dir, 'keep-b', '1.0-1', { arch: 'amd64' });
    const out = join(dir, 'keep-repo');
    const suite = join(out, 'apt/dists/bookworm');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', a])).code).toBe(0);
    const sources = join(suite, 'main/source/Sources.xz');
    const before = statSync(sources).ino;
    // A second package changes Packages, not Sources: Sources.xz is the very same file after.
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', b, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().reports[0].indexes).not.toContain('dists/bookworm/main/source/Sources.xz');
    expect(statSync(sources).ino).toBe(before);

    // Killed with the new generation (its Packages lists c) written but not switched to: c was
    // never published, and the next publish neither lists it nor reuses that generation's files.
    const c = buildDeb(dir, 'keep-c', '1.0-1', { arch: 'amd64' });
    const killed = await publishCli(dir, key, out, ['--suite', 'bookworm', c], {
      PKGTRACK_FAULT_AT: 'generations:recorded',
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(join(suite, 'main/binary-amd64/Packages'), 'utf8')).not.toMatch(/keep-c/);
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', a, b])).code).toBe(0);
    const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(readFileSync(join(suite, 'main/binary-amd64/Packages'), 'utf8')).not.toMatch(/keep-c/);
  });
});

describe('concurrent publishers', () => {
  it('two publishes at once both land (the second waits for the lock)', async () => {
    const out = join(dir, 'concurrent');
    const a = buildDeb(dir, 'conc-a', '1.0-1');
    const b = buildDeb(dir, 'conc-b', '1.0-1');
    const start = (deb: string) =>
      runAsync(process.execPath, [BIN, 'publish', '--key', key.secret, '--output', out, '--suite', 'bookworm', deb], { ...process.env });
    const [ra, rb] = await Promise.all([start(a), start(b)]);
    expect(ra.status, ra.stderr).toBe(0);
    expect(rb.status, rb.stderr).toBe(0);
    const listed = await pkgtrack(['repo', 'list', '--output', out, '--json'], { cwd: dir });
    expect(listed.code, listed.stderr).toBe(0);
    const list = listed.json();
    expect(list.packages.map((p: { name: string }) => p.name).sort()).toEqual(['conc-a', 'conc-b']);
  });

  it('fails clearly when the lock is held and the timeout is 0, changing nothing', async () => {
    const out = join(dir, 'locked');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(dir, 'lk', '1.0-1')])).code).toBe(0);
    const inrel = readFileSync(join(out, 'apt/dists/bookworm/InRelease'));
    // Another publisher, in its own process, holding the lock.
    const holder = spawn(process.execPath, [join(ROOT, 'test/helpers/lock-holder.mjs'), 'hold', join(out, 'apt')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((r) => holder.stdout.once('data', r));
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--lock-timeout', '0', buildDeb(dir, 'lk', '1.1-1')]);
    holder.kill('SIGKILL');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/REPO_LOCKED/);
    expect(r.stderr).toContain(`pid ${holder.pid}`);
    expect(readFileSync(join(out, 'apt/dists/bookworm/InRelease')).equals(inrel)).toBe(true);
    expect(existsSync(join(out, 'apt/pool/main/l/lk/lk_1.1-1_all.deb'))).toBe(false);
  });
});

describe('readers mid-update', () => {
  it('a client holding the InRelease of two publishes ago still fetches its indexes by hash', async () => {
    const out = join(dir, 'stale');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(dir, 'stale-a', '1.0-1')])).code).toBe(0);
    const oldInRelease = readFileSync(join(out, 'apt/dists/bookworm/InRelease'));
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(dir, 'stale-b', '1.0-1')])).code).toBe(0);
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(dir, 'stale-c', '1.0-1')])).code).toBe(0);
    // A mirror/CDN still serving the old InRelease while the indexes by name are new.
    const server = await serveDir(join(out, 'apt'));
    try {
      server.overrides.set('/dists/bookworm/InRelease', oldInRelease);
      const apt = aptRoot();
      apt.setSources([{ uri: server.url, suites: ['bookworm'] }], key.pub);
      expectAptOk(await apt.apt(['update']), 'apt-get update with the old InRelease');
      expect(server.requests.some((p) => p.includes('/by-hash/'))).toBe(true);
      const policy = await apt.apt(['policy', 'stale-a', 'stale-c'], 'apt-cache');
      expect(policy.stdout).toMatch(/stale-a:\n\s+Installed: \(none\)\n\s+Candidate: 1\.0-1/);
      // stale-c came two publishes later: the old state does not know it.
      expect(policy.stdout).not.toMatch(/^stale-c:/m);
    } finally {
      await server.close();
    }
  });
});
