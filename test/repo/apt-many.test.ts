/**
 * Publishing many real .debs at once, as users do (the CLI from dist/): the .debs are read and
 * copied by the worker pool into a staging dir, then linked into the pool. The result must be
 * what apt-ftparchive says of the same files, every pool file byte-identical to its source, and
 * a publisher killed in the middle of linking must leave the old state, then finish cleanly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TMP_SUFFIX } from '../../src/repo/lock.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { ensureCorpus, FTPARCHIVE_SHA256_ONLY, makeKey, publishCli, type TestKey } from './apt-helpers.js';

const N = 200;
let dir: string;
let key: TestKey;
let debs: string;
let corpus: Awaited<ReturnType<typeof ensureCorpus>>;

beforeAll(async () => {
  corpus = await ensureCorpus();
  dir = tempDir('pkgtrack-apt-many-');
  key = makeKey(dir);
  debs = join(dir, 'debs');
  mkdirSync(debs);
  for (const d of corpus.debs.slice(0, N)) symlinkSync(join(corpus.dir, 'debs', d), join(debs, d));
}, 900_000);

const stanzas = (text: string) =>
  new Map(
    text
      .split('\n\n')
      .filter((s) => s.trim())
      .map((s) => [`${/^Package: (.*)$/m.exec(s)![1]} ${/^Version: (.*)$/m.exec(s)![1]} ${/^Architecture: (.*)$/m.exec(s)![1]}`, s.trim()]),
  );

describe(`publishing ${N} real .debs at once`, () => {
  it('survives a kill while pool files are linked, then publishes what apt-ftparchive reads, byte for byte', {
    timeout: 600_000,
  }, async () => {
    const out = join(dir, 'out');
    // A trace of the steps, then a kill at the 50th pool link.
    const trace = join(dir, 'trace');
    const probe = join(dir, 'probe');
    expect((await publishCli(dir, key, probe, ['--suite', 'bookworm', debs], { PKGTRACK_FAULT_TRACE: trace })).code).toBe(0);
    const poolSteps = readFileSync(trace, 'utf8')
      .split('\n')
      .map((l) => l.split('\t')[1] ?? '')
      .filter((s) => s.startsWith('pool:'));
    expect(poolSteps.length).toBe(N);
    const killed = await publishCli(dir, key, out, ['--suite', 'bookworm', debs], { PKGTRACK_FAULT_AT: poolSteps[49]! });
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(out, 'apt/dists/bookworm/InRelease'))).toBe(false); // nothing went live
    // The copies not linked yet are left beside their pool paths, as a dead publisher's temporaries.
    const temps = () => (readdirSync(join(out, 'apt'), { recursive: true }) as string[]).filter((f) => f.endsWith(TMP_SUFFIX));
    expect(temps().filter((f) => f.startsWith('pool/')).length).toBeGreaterThan(0);

    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', debs, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(temps()).toEqual([]); // leftovers swept
    const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    // Against apt-ftparchive over the same files (Filename differs: ours is the pool path).
    const ours = stanzas(readFileSync(join(out, 'apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8'));
    const ref = stanzas(
      execFileSync('apt-ftparchive', [...FTPARCHIVE_SHA256_ONLY, 'packages', 'debs'], {
        cwd: dir,
        maxBuffer: 1 << 28,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    );
    const amd64OrAll = [...ref.keys()].filter((k) => / (amd64|all)$/.test(k));
    expect([...ours.keys()].sort()).toEqual(amd64OrAll.sort());
    for (const k of amd64OrAll) {
      const strip = (s: string) => s.replace(/^Filename: .*$/m, '');
      expect(strip(ours.get(k)!), k).toBe(strip(ref.get(k)!));
      // The pool file is the very same bytes as the .deb given.
      const pool = /^Filename: (.*)$/m.exec(ours.get(k)!)![1]!;
      const src = /^Filename: (.*)$/m.exec(ref.get(k)!)![1]!;
      // By its name among the .debs given: apt-ftparchive prints a symlink's target relative to a
      // depth of its own, wrong once the folder sits deeper than /tmp/<dir>.
      expect(Buffer.compare(readFileSync(join(out, 'apt', pool)), readFileSync(join(debs, basename(src)))), pool).toBe(0);
    }
    writeFileSync(join(dir, 'done'), '');
  });

  it('a key that cannot be read fails the publish at once: the reader threads started ahead do not keep it running', async () => {
    const out = join(dir, 'no-key');
    const t0 = Date.now();
    const r = await publishCli(dir, { ...key, secret: join(dir, 'missing.asc') }, out, ['--suite', 'bookworm', debs]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[KEY_FILE_MISSING\]/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(existsSync(join(out, 'apt/dists'))).toBe(false); // nothing written
  });

  it('keys the index cache by the files as the worker threads read them: publishing them again reads none', {
    timeout: 300_000,
  }, async () => {
    const out = join(dir, 'again');
    const first = await publishCli(dir, key, out, ['--suite', 'bookworm', debs, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().cache).toEqual({ hits: 0, misses: N });
    const second = await publishCli(dir, key, out, ['--suite', 'bookworm', debs, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json().cache).toEqual({ hits: N, misses: 0 });
  });

  it('--rebuild reads every pool file again on the reader threads: an index stanza gone wrong is put back from the file', {
    timeout: 300_000,
  }, async () => {
    const out = join(dir, 'rebuild');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', debs])).code).toBe(0);
    const packages = join(out, 'apt/dists/bookworm/main/binary-amd64/Packages');
    const good = readFileSync(packages, 'utf8');
    // The suite is read back from its own index: a changed Description stays through a publish.
    const tampered = good.replace(/^Description: (.*)$/gm, 'Description: TAMPERED $1');
    writeFileSync(packages, tampered);
    const one = join(debs, readdirSync(debs)[0]!);
    const kept = await publishCli(dir, key, out, ['--suite', 'bookworm', one, '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    expect(readFileSync(packages, 'utf8')).toContain('TAMPERED');
    const rebuilt = await publishCli(dir, key, out, ['--suite', 'bookworm', '--rebuild', debs, '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.json().cache.hits).toBe(0);
    expect(readFileSync(packages, 'utf8')).toBe(good);
    const verify = await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub, '--json']);
    expect(verify.code, verify.stdout).toBe(0);
  });
  it('--rebuild with packages new to the suite: the new ones are read from their inputs, the published ones again from the pool', {
    timeout: 300_000,
  }, async () => {
    const some = readdirSync(debs).slice(0, 20);
    const before = join(dir, 'rebuild-new-in');
    mkdirSync(before);
    for (const d of some.slice(0, 15)) symlinkSync(join(debs, d), join(before, d));
    const out = join(dir, 'rebuild-new');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', before])).code).toBe(0);
    // Five not published yet: their pool files are only named at the commit, so --rebuild must
    // not look for them in the pool (it did: ARTIFACT_NOT_FOUND for the first new one).
    const rebuilt = await publishCli(dir, key, out, ['--suite', 'bookworm', '--rebuild', '--json', ...some.map((d) => join(debs, d))]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.json().cache.hits).toBe(0);
    expect(rebuilt.json().reports[0].added).toHaveLength(5);
    // The same index as one plain publish of all twenty.
    const plain = join(dir, 'rebuild-new-plain');
    expect((await publishCli(dir, key, plain, ['--suite', 'bookworm', ...some.map((d) => join(debs, d))])).code).toBe(0);
    const packages = (root: string) => readFileSync(join(root, 'apt/dists/bookworm/main/binary-amd64/Packages'), 'utf8');
    expect(stanzas(packages(out))).toEqual(stanzas(packages(plain)));
    expect((await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub])).code).toBe(0);
  });
});
