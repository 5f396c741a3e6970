/**
 * The real client: dnf --installroot with gpgcheck=1 and repo_gpgcheck=1 (no --nogpgcheck)
 * installs a signed rpm from our repository and upgrades it after a newer publish. The publisher
 * is SIGKILLed at every fault point of that second publish: each time dnf still reads a
 * complete repository (old or new version), repomd.xml.asc verifies against repomd.xml (gpgv),
 * and `repo verify` finds nothing wrong. A stale .asc is refused by dnf.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yumRepoFile } from '../../../src/formats/user-files.js';
import { pushOutputToGit } from '../../../src/services/publish/git.js';
import { verifyYumRepo } from '../../../src/repo/yum/verify.js';
import { signRpmFile } from '../../../src/sign/rpm-sign.js';
import { FIXTURE_PASSPHRASE, gpgv, rsa4096Key, type TestKey } from '../../sign/helpers.js';
import { spawnAsync } from '../../helpers/process.js';
import { buildVersions, dnfArgs, publishYum, REPO_ROOT_DIR } from './harness.js';

const SUITE = 'fedora/41/x86_64';
const NAME = 'pkgtrack-hello';
let work: string;
let key: TestKey;
let v1: string;
let v2: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-dnf-'));
  key = await rsa4096Key();
  [v1, v2] = buildVersions(join(work, 'build'), ['1.0-1', '2.0-1'], 'hello', NAME) as [string, string];
  // v1 arrives signed (as a build would sign it); v2 unsigned: publishing signs it into the pool.
  await signRpmFile(v1, key.signer);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** dnf against exactly one repo file, in its own install root and a fresh cache. */
function dnf(root: string, reposd: string, args: string[]) {
  const cache = mkdtempSync(join(work, 'cache-'));
  const r = spawnSync('dnf', dnfArgs({ root, reposd, cache }, args), { encoding: 'utf8' });
  rmSync(cache, { recursive: true, force: true });
  return r;
}

function reposdFor(repoDir: string): string {
  const d = mkdtempSync(join(work, 'reposd-'));
  writeFileSync(
    join(d, 'test.repo'),
    yumRepoFile({ id: 'pkgtrack-test', name: 'test', baseurl: `file://${repoDir}`, gpgkeys: [`file://${repoDir}/RPM-GPG-KEY-pkgtrack`] }),
  );
  return d;
}

/** The version of NAME dnf sees available in the repository at repoDir (throws when dnf fails). */
function availableVersion(repoDir: string): string {
  const root = mkdtempSync(join(work, 'root-'));
  const r = dnf(root, reposdFor(repoDir), ['-q', 'repoquery', '--latest-limit', '1', '--qf', '%{version}-%{release}', NAME]);
  rmSync(root, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`dnf failed on ${repoDir}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

async function childPublish(root: string, add: string[], env: Record<string, string>) {
  const cfg = join(work, `cfg-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(cfg, JSON.stringify({ root, suite: SUITE, add, privateKeyFile: key.privateFile, publicKeyFile: key.publicFile }));
  const r = await spawnAsync(process.execPath, ['--import', 'tsx', join(REPO_ROOT_DIR, 'test/repo/yum/publish-child.ts'), cfg], {
    input: FIXTURE_PASSPHRASE,
    cwd: REPO_ROOT_DIR,
    env: { ...process.env, ...env },
  });
  return { ...r, status: r.signal ? null : r.code };
}

describe('dnf against our yum repository', () => {
  it('installs with gpgcheck=1 and repo_gpgcheck=1, then upgrades after a newer publish', async () => {
    const out = join(work, 'served');
    await publishYum({ root: out, suite: SUITE, add: [v1], signer: key.signer, publicKeyFile: key.publicFile });
    const repoDir = join(out, SUITE);
    // The .repo file users get, unchanged.
    const reposd = mkdtempSync(join(work, 'reposd-'));
    cpSync(join(repoDir, `pkgtrack-${SUITE.replaceAll('/', '-')}.repo`), join(reposd, 'pkgtrack.repo'));
    const root = join(work, 'installroot');
    mkdirSync(root);
    const inst = dnf(root, reposd, ['install', NAME]);
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    expect(execFileSync('rpm', ['--root', root, '-q', NAME], { encoding: 'utf8' }).trim()).toBe(`${NAME}-1.0-1.noarch`);
    await publishYum({ root: out, suite: SUITE, add: [v2], signer: key.signer, publicKeyFile: key.publicFile });
    const up = dnf(root, reposd, ['upgrade', NAME]);
    expect(up.status, up.stdout + up.stderr).toBe(0);
    expect(execFileSync('rpm', ['--root', root, '-q', NAME], { encoding: 'utf8' }).trim()).toBe(`${NAME}-2.0-1.noarch`);
  });

  it('reads zstd-compressed metadata (the --compression zst option)', async () => {
    const out = join(work, 'zst');
    await publishYum({
      root: out,
      suite: SUITE,
      add: [v1],
      signer: key.signer,
      publicKeyFile: key.publicFile,
      format: { compression: 'zst' },
    });
    expect(readFileSync(join(out, SUITE, 'repodata/repomd.xml'), 'utf8')).toMatch(/-primary\.xml\.zst"/);
    expect(availableVersion(join(out, SUITE))).toBe('1.0-1');
  });

  it('pushed to a git branch for a static host (publish --to git+...), the clone has a real repodata/ dnf reads', async () => {
    const out = join(work, 'pages');
    await publishYum({ root: join(out, 'yum'), suite: SUITE, add: [v1], signer: key.signer, publicKeyFile: key.publicFile });
    const bare = join(work, 'pages.git');
    execFileSync('git', ['init', '--quiet', '--bare', bare]);
    await pushOutputToGit(out, `git+file://${bare}#gh-pages`);
    const clone = join(work, 'pages-clone');
    execFileSync('git', ['clone', '--quiet', '--branch', 'gh-pages', `file://${bare}`, clone]);
    const repoDir = join(clone, 'yum', SUITE);
    // Static hosts serve no symlinks: the switched link must arrive as the directory it names.
    expect(lstatSync(join(repoDir, 'repodata')).isDirectory()).toBe(true);
    const sig = await gpgv(key.keyringFile, [join(repoDir, 'repodata/repomd.xml.asc'), join(repoDir, 'repodata/repomd.xml')]);
    expect(sig.code).toBe(0);
    expect(availableVersion(repoDir)).toBe('1.0-1');
  });

  it('refuses a repository whose repomd.xml.asc belongs to an older repomd.xml', async () => {
    const out = join(work, 'stale');
    await publishYum({ root: out, suite: SUITE, add: [v1], signer: key.signer, publicKeyFile: key.publicFile });
    const repoDir = join(out, SUITE);
    const oldAsc = readFileSync(join(repoDir, 'repodata/repomd.xml.asc'));
    await publishYum({ root: out, suite: SUITE, add: [v2], signer: key.signer, publicKeyFile: key.publicFile });
    expect(availableVersion(repoDir)).toContain('2.0-1');
    writeFileSync(join(repoDir, readlinkSync(join(repoDir, 'repodata')), 'repomd.xml.asc'), oldAsc);
    expect(() => availableVersion(repoDir)).toThrow(/GPG signature verification error/);
  });

  it('a publisher killed at any step leaves a repository dnf reads as old or new, never a mix', async () => {
    const base = join(work, 'base');
    await publishYum({ root: base, suite: SUITE, add: [v1], signer: key.signer, publicKeyFile: key.publicFile });
    // Learn the steps of the second publish.
    const traced = join(work, 'traced');
    cpSync(base, traced, { recursive: true, verbatimSymlinks: true });
    const trace = join(work, 'trace.txt');
    const t = await childPublish(traced, [v2], { PKGTRACK_FAULT_TRACE: trace });
    expect(t.status, t.stderr).toBe(0);
    const steps = readFileSync(trace, 'utf8').trim().split('\n');
    expect(steps.some((s) => s.endsWith(`rename:${SUITE}/repodata`))).toBe(true);
    const seen = new Set<string>();
    for (let i = 1; i <= steps.length; i++) {
      const dir = join(work, `kill-${i}`);
      cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
      const r = await childPublish(dir, [v2], { PKGTRACK_FAULT_AT: String(i) });
      expect(r.signal, `step ${i} (${steps[i - 1]}) should have been killed`).toBe('SIGKILL');
      const repoDir = join(dir, SUITE);
      const v = availableVersion(repoDir);
      expect(['1.0-1', '2.0-1'], `after kill at ${steps[i - 1]}`).toContain(v);
      seen.add(v);
      const sig = await gpgv(key.keyringFile, [join(repoDir, 'repodata/repomd.xml.asc'), join(repoDir, 'repodata/repomd.xml')]);
      expect(sig.code, `gpgv after kill at ${steps[i - 1]}`).toBe(0);
      const report = await verifyYumRepo(repoDir, { keyring: key.publicFile });
      expect(report.problems, `verify after kill at ${steps[i - 1]}`).toEqual([]);
      // And the next publish completes the job.
      if (i === steps.length || i % 4 === 0) {
        const again = await childPublish(dir, [v2], {});
        expect(again.status, again.stderr).toBe(0);
        expect(availableVersion(repoDir)).toBe('2.0-1');
      }
      rmSync(dir, { recursive: true, force: true });
    }
    expect([...seen].sort()).toEqual(['1.0-1', '2.0-1']);
  }, 600_000);
});
