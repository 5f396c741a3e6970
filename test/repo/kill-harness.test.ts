/**
 * The kill -9 harness of issue #24: publishes of a few hundred small packages (apt and yum),
 * each SIGKILLed at a random step, while a loop of real clients reads the repositories:
 * `apt-get update` with by-hash on and off, and `dnf makecache` with repo_gpgcheck=1.
 *
 * A client failure counts as a broken state when the repository did not switch during the
 * client's run (the suite's link named the same generation before and after): it then read one
 * state, and that state was broken. A by-hash-off apt that read an InRelease before a switch and
 * the indexes after it can fail without anything being broken (the race every apt repository
 * has without by-hash); such runs are counted apart, not as broken, and are not failures of
 * by-hash-on apt or dnf, which must never fail. After every kill `pkgtrack verify` must pass,
 * and a by-hash-off apt reads the state an apt publish's kill left before the next publish.
 */
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { yumRepoFile } from '../../src/formats/user-files.js';
import { mapLimit } from '../../src/core/concurrency.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { aptRoot, makeKey } from './apt-helpers.js';
import { dnfArgs } from './yum/harness.js';

const KILLS = 40;
const DEBS = 240;
const RPMS = 120;
const YUM_SUITE = 'fedora/41/x86_64';

/** A small .deb, built without blocking the worker. */
async function deb(dir: string, name: string, version: string): Promise<string> {
  const root = join(dir, `src-${name}-${version}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc', name), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: H <h@example.org>\nSection: misc\nPriority: optional\nDescription: harness\n kill -9 harness package\n`,
  );
  writeFileSync(join(root, 'usr/share/doc', name, 'README'), `${name} ${version}\n`);
  const out = join(dir, `${name}_${version}_amd64.deb`);
  const r = await spawnAsync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', root, out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

/** Many small noarch rpms from ONE rpmbuild: a spec whose subpackages are the packages. */
async function rpms(dir: string, names: string[], release: number): Promise<string[]> {
  const spec = join(dir, `harness-${release}.spec`);
  const lines = ['Name: harness', 'Version: 1.0', `Release: ${release}`, 'Summary: harness', 'License: MIT', 'BuildArch: noarch'];
  lines.push('%description', 'harness');
  for (const n of names) lines.push(`%package -n ${n}`, `Summary: ${n}`, `%description -n ${n}`, n, `%files -n ${n}`, `/usr/share/${n}`);
  lines.push('%install', ...names.map((n) => `mkdir -p %{buildroot}/usr/share/${n} && echo ${release} > %{buildroot}/usr/share/${n}/f`));
  writeFileSync(spec, `${lines.join('\n')}\n`);
  const out = join(dir, `rpms-${release}`);
  const r = await spawnAsync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${join(dir, 'top')}`, '--define', `_rpmdir ${out}`, spec]);
  if (r.code !== 0) throw new Error(r.stderr);
  return names.map((n) => join(out, 'noarch', `${n}-1.0-${release}.noarch.rpm`));
}

const linkOf = (path: string) => {
  try {
    return readlinkSync(path);
  } catch {
    return 'none';
  }
};

interface ClientTally {
  runs: number;
  failures: number;
  /** Failures while the suite switched during the run (by-hash off only). */
  racing: number;
  broken: string[];
}

describe('kill -9 harness', () => {
  it(`${KILLS} random kills of apt and yum publishes while apt and dnf read: 0 broken states, verify passes after every kill`, async () => {
    const dir = tempDir('pkgtrack-killharness-');
    const key = makeKey(dir);
    const out = join(dir, 'out');
    const aptRepo = join(out, 'apt');
    const yumRepo = join(out, 'yum', YUM_SUITE);
    const publish = async (files: string[], suite: string, env: Record<string, string> = {}) =>
      await pkgtrack(['publish', '--key', key.secret, '--output', out, '--suite', suite, ...files], { cwd: dir, env });

    const debNames = Array.from({ length: DEBS }, (_, i) => `hd${i}`);
    const rpmNames = Array.from({ length: RPMS }, (_, i) => `hr${i}`);
    const first = await mapLimit(debNames, 4, (n) => deb(dir, n, '1.0-1'));
    const firstApt = await publish(first, 'bookworm');
    expect(firstApt.code, firstApt.stderr).toBe(0);
    const firstYum = await publish(await rpms(dir, rpmNames, 1), YUM_SUITE);
    expect(firstYum.code, firstYum.stderr).toBe(0);

    // The clients, in a loop until the publishes are done.
    const tally = { on: newTally(), off: newTally(), dnf: newTally() };
    let publishing = true;
    const reposd = join(dir, 'reposd');
    mkdirSync(reposd);
    writeFileSync(
      join(reposd, 'h.repo'),
      yumRepoFile({ id: 'harness', name: 'harness', baseurl: `file://${yumRepo}`, gpgkeys: [`file://${yumRepo}/RPM-GPG-KEY-pkgtrack`] }),
    );
    const watch = async (t: ClientTally, link: string, what: string, run: () => Promise<{ ok: boolean; out: string }>) => {
      const before = linkOf(link);
      const r = await run();
      const after = linkOf(link);
      t.runs++;
      if (r.ok) return;
      t.failures++;
      if (before === after) t.broken.push(`${what} at ${before}:\n${r.out.slice(-2000)}`);
      else t.racing++;
    };
    const apt = (byHash: 'yes' | 'no') => async () => {
      const a = aptRoot();
      a.setSources([{ uri: `file:${aptRepo}`, suites: ['bookworm'] }], key.pub);
      const r = await a.apt(['-o', `Acquire::By-Hash=${byHash}`, 'update']);
      await rm(a.root, { recursive: true, force: true });
      const text = `${r.stdout}\n${r.stderr}`;
      return { ok: r.status === 0 && !/^(W|E|Err):/m.test(text), out: text };
    };
    const dnf = async () => {
      const root = await mkdtemp(join(dir, 'dnfroot-'));
      const cache = await mkdtemp(join(dir, 'dnfcache-'));
      const r = await spawnAsync('dnf', [...dnfArgs({ root, reposd, cache }, ['makecache']), '--setopt', 'harness.repo_gpgcheck=1']);
      await Promise.all([rm(root, { recursive: true, force: true }), rm(cache, { recursive: true, force: true })]);
      return { ok: r.code === 0, out: `${r.stdout}\n${r.stderr}` };
    };
    const clients = (async () => {
      while (publishing) {
        await watch(tally.on, join(aptRepo, 'dists/bookworm'), 'apt By-Hash=yes', apt('yes'));
        await watch(tally.off, join(aptRepo, 'dists/bookworm'), 'apt By-Hash=no', apt('no'));
        await watch(tally.dnf, join(yumRepo, 'repodata'), 'dnf makecache', dnf);
      }
    })();

    // Steps of a typical publish of each kind, learnt once (traced, not killed).
    const steps = { apt: 0, yum: 0 };
    let kills = 0;
    const verifyFailures: string[] = [];
    try {
      for (let i = 0; i < KILLS + 2; i++) {
        const kind = i % 2 === 0 ? 'apt' : 'yum';
        // A handful of packages get a new version each round (the suites keep their few hundred).
        const some = (names: string[]) => names.filter((_, j) => (j * 7 + i) % 23 === 0);
        const files =
          kind === 'apt' ? await mapLimit(some(debNames), 4, (n) => deb(dir, n, `1.${i + 1}-1`)) : await rpms(dir, some(rpmNames), i + 2);
        const suite = kind === 'apt' ? 'bookworm' : YUM_SUITE;
        if (!steps[kind]) {
          const trace = join(dir, `trace-${i}`);
          const r = await publish(files, suite, { PKGTRACK_FAULT_TRACE: trace });
          expect(r.code, r.stderr).toBe(0);
          steps[kind] = readFileSync(trace, 'utf8').trim().split('\n').length;
          continue;
        }
        const at = 1 + Math.floor(Math.random() * steps[kind]);
        const r = await publish(files, suite, { PKGTRACK_FAULT_AT: String(at) });
        if (r.code === 128) kills++;
        else expect(r.code, r.stderr).toBe(0);
        // The state the kill left, read once more by the client a kill mid-switch would break
        // (besides the loop, which may not happen to run before the next publish).
        if (kind === 'apt') await watch(tally.off, join(aptRepo, 'dists/bookworm'), `apt By-Hash=no after a kill at step ${at}`, apt('no'));
        const v = await pkgtrack(['verify', out, '--keyring', key.pub]);
        if (v.code !== 0) verifyFailures.push(`after ${kind} step ${at}:\n${v.stdout}${v.stderr}`);
      }
    } finally {
      publishing = false;
      await clients;
    }
    const report = Object.entries(tally).map(
      ([k, t]) => `${k}: ${t.runs} runs, ${t.failures} failed, ${t.racing} racing, ${t.broken.length} broken`,
    );
    console.log(`kill harness: ${kills} kills; ${report.join('; ')}`);
    expect(verifyFailures).toEqual([]);
    expect(tally.on.broken).toEqual([]);
    expect(tally.off.broken).toEqual([]);
    expect(tally.dnf.broken).toEqual([]);
    // By hash (apt) and dnf find every generation they were told about, switch or not.
    expect(tally.on.failures).toBe(0);
    expect(tally.dnf.failures).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(KILLS * 0.75);
    for (const t of Object.values(tally)) expect(t.runs).toBeGreaterThan(0);
  }, 900_000);
});

function newTally(): ClientTally {
  return { runs: 0, failures: 0, racing: 0, broken: [] };
}
