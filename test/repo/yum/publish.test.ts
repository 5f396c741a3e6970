/**
 * The yum RepoFormat end to end on the corpus: signed and verified metadata equal to
 * createrepo_c's, an incremental publish that reads only the new file, keep-N retention,
 * removal, refusal of changed pool bytes, and the .repo file users get.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  lstatSync,
  statSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../../src/core/errors.js';
import { verifyYumRepo } from '../../../src/repo/yum/verify.js';
import { ed25519Key, gpgv, rsa4096Key, type TestKey } from '../../sign/helpers.js';
import { corpusRpms } from './corpus.js';
import { expectSameAsCreaterepo, packagesById, readRepo } from './compare.js';
import { buildVersions, CountingCache, publishYum } from './harness.js';

let rpms: string[];
let key: TestKey;
let work: string;
const SUITE = 'fedora/41/x86_64';

beforeAll(async () => {
  rpms = corpusRpms();
  key = await ed25519Key('yum publish test');
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-yum-pub-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const pkgs = (root: string) => readRepo(join(root, SUITE));

describe('yum publish', () => {
  it('publishes the corpus signed; metadata equals createrepo_c over the published pool; gpgv accepts repomd.xml.asc', async () => {
    const root = join(work, 'full');
    const cache = new CountingCache();
    const r = await publishYum({ root, suite: SUITE, add: rpms, signer: key.signer, publicKeyFile: key.publicFile, cache });
    expect(r.added.length).toBe(rpms.length);
    const repo = join(root, SUITE);
    expect(readlinkSync(join(repo, 'repodata'))).toMatch(/^\.repodata\/[0-9a-f]{20}$/);
    const v = await gpgv(key.keyringFile, [join(repo, 'repodata/repomd.xml.asc'), join(repo, 'repodata/repomd.xml')]);
    expect(v.code, v.stderr).toBe(0);
    const report = await verifyYumRepo(repo, { keyring: key.publicFile });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);

    // createrepo_c over a copy of the same pool (same paths, same mtimes via hard links).
    expectSameAsCreaterepo(repo, join(work, 'cr'), rpms.length, (a, b, what) => expect(a, what).toEqual(b));
    const ours = packagesById(pkgs(root).docs);
    // `time file`: createrepo_c takes the mtime of the file in the repo (our pool copy's is the
    // moment of publishing); we record the artifact's own mtime, stable across republishing.
    const mtimes = new Map(rpms.map((f) => [basename(f), String(Math.floor(statSync(f).mtimeMs / 1000))]));
    for (const p of ours.primary!.values()) {
      const href = p.children!.find((c) => c.name === 'location')!.attrs.href!;
      expect(p.children!.find((c) => c.name === 'time')!.attrs.file, href).toBe(mtimes.get(basename(href)));
    }
    const repoFile = readdirSync(repo).find((f) => f.endsWith('.repo'))!;
    const text = readFileSync(join(repo, repoFile), 'utf8');
    expect(text).toMatch(/^gpgcheck=1$/m);
    expect(text).toMatch(/^repo_gpgcheck=1$/m);
    expect(text).toMatch(/^gpgkey=file:\/\/.*RPM-GPG-KEY-pkgtrack$/m);
    expect(readFileSync(join(repo, 'RPM-GPG-KEY-pkgtrack'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
  });

  it('adds one package reading only that file; keeps older metadata generations reachable', async () => {
    const root = join(work, 'incr');
    const cache = new CountingCache();
    const [first, ...rest] = rpms;
    await publishYum({ root, suite: SUITE, add: rest, signer: key.signer, publicKeyFile: key.publicFile, cache });
    const oldRepomd = readFileSync(join(root, SUITE, 'repodata/repomd.xml'), 'utf8');
    cache.hits = 0;
    cache.misses = 0;
    const r = await publishYum({ root, suite: SUITE, add: [first!], signer: key.signer, publicKeyFile: key.publicFile, cache });
    expect(r.added.map((p) => p.name)).toHaveLength(1);
    // Every already-published package came from the index cache; only the new file was read.
    expect(cache.hits).toBe(rest.length);
    expect(cache.misses).toBe(1);
    expect(packagesById(pkgs(root).docs).primary!.size).toBe(rpms.length);
    // The previous repomd.xml's files are still there through the switched link.
    for (const href of oldRepomd.matchAll(/href="([^"]+)"/g)) expect(existsSync(join(root, SUITE, href[1]!)), href[1]).toBe(true);
    expect((await verifyYumRepo(join(root, SUITE), { keyring: key.publicFile })).ok).toBe(true);
  });

  it('applies keep-N retention per name and arch, and removes by request, deleting unreferenced pool files', async () => {
    const root = join(work, 'ret');
    const dir = mkdtempSync(join(work, 'vers-'));
    const built = buildVersions(dir, ['1.0-1', '1.1-1', '1:0.5-1', '2.0-1']);
    // 2.0-1 after 1:0.5-1 is deliberately a downgrade (the epoch wins): retention must order by EVR, not by publish order.
    for (const f of built)
      await publishYum({ root, suite: SUITE, add: [f], signer: key.signer, publicKeyFile: key.publicFile, keep: 2, allowDowngrade: true });
    const names = () =>
      [...packagesById(pkgs(root).docs).primary!.values()].map((t) => JSON.stringify(t.children!.find((c) => c.name === 'version')!.attrs));
    // Epoch 1 beats everything; then 2.0. 1.0 and 1.1 are gone from metadata and pool.
    expect(names().sort()).toEqual(
      [JSON.stringify({ epoch: '0', ver: '2.0', rel: '1' }), JSON.stringify({ epoch: '1', ver: '0.5', rel: '1' })].sort(),
    );
    const pool = readdirSync(join(root, SUITE, 'Packages/r'));
    expect(pool.sort()).toEqual([basename(built[2]!), basename(built[3]!)].sort());
    await publishYum({
      root,
      suite: SUITE,
      remove: [{ name: 'retained', version: '2.0' }],
      signer: key.signer,
      publicKeyFile: key.publicFile,
      keep: 2,
    });
    expect(readdirSync(join(root, SUITE, 'Packages/r'))).toEqual([basename(built[2]!)]);
    expect((await verifyYumRepo(join(root, SUITE), { keyring: key.publicFile })).ok).toBe(true);
  });

  it('refuses different bytes under a published name, and an unsigned publish; nothing changes', async () => {
    const root = join(work, 'imm');
    const dir = mkdtempSync(join(work, 'imm-'));
    const [a] = buildVersions(dir, ['1.0-1']);
    await publishYum({ root, suite: SUITE, add: [a!], signer: key.signer, publicKeyFile: key.publicFile });
    const before = readlinkSync(join(root, SUITE, 'repodata'));
    const other = mkdtempSync(join(work, 'imm2-'));
    const [b] = buildVersions(other, ['1.0-1'], 'changed');
    await expect(publishYum({ root, suite: SUITE, add: [b!], signer: key.signer, publicKeyFile: key.publicFile })).rejects.toMatchObject({
      code: 'POOL_IMMUTABLE',
    });
    await expect(publishYum({ root, suite: SUITE, add: [] })).rejects.toMatchObject({ code: 'REPO_NO_SIGNER' });
    await expect(publishYum({ root, suite: '../escape', add: [] })).rejects.toBeInstanceOf(PkgtrackError);
    expect(readlinkSync(join(root, SUITE, 'repodata'))).toBe(before);
  });

  it('a repomd.xml.asc that does not verify is refused before the switch; nothing goes live', async () => {
    const root = join(work, 'badsig');
    const dir = mkdtempSync(join(work, 'badsig-'));
    const [a, b] = buildVersions(dir, ['1.0-1', '1.1-1'], 'sig', 'badsig');
    await publishYum({ root, suite: SUITE, add: [a!], signer: key.signer, publicKeyFile: key.publicFile });
    const live = readlinkSync(join(root, SUITE, 'repodata'));
    const liveRepomd = readFileSync(join(root, SUITE, 'repodata/repomd.xml'));
    const other = await ed25519Key('someone else');
    // A signer that signs with a key other than the published one.
    const wrong = {
      fingerprints: key.signer.fingerprints,
      clearsign: (t: string) => other.signer.clearsign(t),
      detachSign: (d: Uint8Array) => other.signer.detachSign(d),
      detachSignBinary: (d: Uint8Array) => other.signer.detachSignBinary(d),
    };
    await expect(publishYum({ root, suite: SUITE, add: [b!], signer: wrong, publicKeyFile: key.publicFile })).rejects.toMatchObject({
      code: 'YUM_SIGNATURE_INVALID',
    });
    expect(readlinkSync(join(root, SUITE, 'repodata'))).toBe(live);
    expect(readFileSync(join(root, SUITE, 'repodata/repomd.xml'))).toEqual(liveRepomd);
    expect((await verifyYumRepo(join(root, SUITE), { keyring: key.publicFile })).ok).toBe(true);
  });

  it('publishes again into a copy restored from a static host (repodata a plain directory); foreign repodata stays refused', async () => {
    const root = join(work, 'restored');
    const dir = mkdtempSync(join(work, 'restored-'));
    const [a, b, c] = buildVersions(dir, ['1.0-1', '1.1-1', '1.2-1'], 'restored', 'restored');
    await publishYum({ root, suite: SUITE, add: [a!], signer: key.signer, publicKeyFile: key.publicFile });
    // What a static host serves and gives back (gh-pages, a Pages artifact): symlinks followed,
    // the .repodata generation store left behind, as `publish --to git+…` copies it.
    const copy = join(work, 'restored-copy');
    cpSync(root, copy, { recursive: true, dereference: true, filter: (src) => !/\/\.repodata(\/|$)/.test(src.slice(root.length)) });
    expect(lstatSync(join(copy, SUITE, 'repodata')).isDirectory()).toBe(true);
    await publishYum({ root: copy, suite: SUITE, add: [b!], signer: key.signer, publicKeyFile: key.publicFile });
    expect(readlinkSync(join(copy, SUITE, 'repodata'))).toMatch(/^\.repodata\/[0-9a-f]{20}$/);
    expect((await verifyYumRepo(join(copy, SUITE), { keyring: key.publicFile })).ok).toBe(true);
    const versions = (r: string) =>
      [...packagesById(pkgs(r).docs).primary!.values()].map((t) => t.children!.find((x) => x.name === 'version')!.attrs.ver).sort();
    expect(versions(copy)).toEqual(['1.0', '1.1']);
    // And a third round trip, as every CI run makes one.
    const copy2 = join(work, 'restored-copy2');
    cpSync(copy, copy2, { recursive: true, dereference: true, filter: (src) => !/\/\.repodata(\/|$)/.test(src.slice(copy.length)) });
    await publishYum({ root: copy2, suite: SUITE, add: [c!], signer: key.signer, publicKeyFile: key.publicFile });
    expect((await verifyYumRepo(join(copy2, SUITE), { keyring: key.publicFile })).ok).toBe(true);
    expect(versions(copy2)).toEqual(['1.0', '1.1', '1.2']);

    // Metadata signed by another key (or unsigned: another tool's) is never replaced.
    const foreign = join(work, 'restored-foreign');
    cpSync(copy, foreign, { recursive: true, dereference: true, filter: (src) => !/\/\.repodata(\/|$)/.test(src.slice(copy.length)) });
    const other = await ed25519Key('another tool');
    writeFileSync(
      join(foreign, SUITE, 'repodata/repomd.xml.asc'),
      await other.signer.detachSign(readFileSync(join(foreign, SUITE, 'repodata/repomd.xml'))),
    );
    const before = readFileSync(join(foreign, SUITE, 'repodata/repomd.xml'));
    await expect(
      publishYum({ root: foreign, suite: SUITE, add: [c!], signer: key.signer, publicKeyFile: key.publicFile }),
    ).rejects.toMatchObject({
      code: 'YUM_FOREIGN_REPODATA',
    });
    rmSync(join(foreign, SUITE, 'repodata/repomd.xml.asc'));
    await expect(
      publishYum({ root: foreign, suite: SUITE, add: [c!], signer: key.signer, publicKeyFile: key.publicFile }),
    ).rejects.toMatchObject({
      code: 'YUM_FOREIGN_REPODATA',
    });
    expect(lstatSync(join(foreign, SUITE, 'repodata')).isDirectory()).toBe(true);
    expect(readFileSync(join(foreign, SUITE, 'repodata/repomd.xml'))).toEqual(before);
  });

  it('two publishers at once: both wait their turn under the lock and no package is lost', async () => {
    const root = join(work, 'race');
    const dir = mkdtempSync(join(work, 'race-'));
    const [a] = buildVersions(dir, ['1.0-1'], 'a', 'race-a');
    const [b] = buildVersions(dir, ['1.0-1'], 'b', 'race-b');
    await Promise.all([
      publishYum({ root, suite: SUITE, add: [a!], signer: key.signer, publicKeyFile: key.publicFile }),
      publishYum({ root, suite: SUITE, add: [b!], signer: key.signer, publicKeyFile: key.publicFile }),
    ]);
    const names = [...packagesById(pkgs(root).docs).primary!.values()].map((t) => t.children!.find((c) => c.name === 'name')!.text);
    expect(names.sort()).toEqual(['race-a', 'race-b']);
  });

  it('signs unsigned rpms into the pool (rpmkeys accepts them), leaves the artifacts alone, and re-publishing them is a no-op', async () => {
    const rsa = await rsa4096Key();
    const root = join(work, 'pkgsign');
    const sample = rpms.filter((_, i) => i % 40 === 0);
    const before = sample.map((f) => readFileSync(f));
    const r = await publishYum({ root, suite: SUITE, add: sample, signer: rsa.signer, publicKeyFile: rsa.publicFile });
    expect(r.added).toHaveLength(sample.length);
    for (const [i, f] of sample.entries()) expect(readFileSync(f).equals(before[i]!), f).toBe(true);
    const db = mkdtempSync(join(work, 'rpmdb-'));
    execFileSync('rpmkeys', ['--dbpath', db, '--import', rsa.publicFile]);
    const pool = sample.map((f) => join(root, SUITE, 'Packages', basename(f)[0]!, basename(f)));
    const check = spawnSync('rpmkeys', ['--dbpath', db, '--checksig', ...pool], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(sample.length);
    const again = await publishYum({ root, suite: SUITE, add: sample, signer: rsa.signer, publicKeyFile: rsa.publicFile });
    expect(again.added).toHaveLength(0);
    expect(again.unchanged).toHaveLength(sample.length);
  });

  it('writes the .repo file for the public URL it is served at', async () => {
    const root = join(work, 'url');
    await publishYum({
      root,
      suite: SUITE,
      add: rpms.slice(0, 1),
      signer: key.signer,
      publicKeyFile: key.publicFile,
      format: { baseUrl: 'https://pkgs.example.org/yum/' },
    });
    const text = readFileSync(join(root, SUITE, 'pkgtrack-fedora-41-x86_64.repo'), 'utf8');
    expect(text).toContain(`baseurl=https://pkgs.example.org/yum/${SUITE}\n`);
    expect(text).toContain(`gpgkey=https://pkgs.example.org/yum/${SUITE}/RPM-GPG-KEY-pkgtrack\n`);
    expect(text).toMatch(/^\[pkgtrack-fedora-41-x86_64\]$/m);
  });

  it('verify reports packages without a signature by the repository key', async () => {
    const root = join(work, 'unsigned');
    await publishYum({
      root,
      suite: SUITE,
      add: rpms.slice(0, 3),
      signer: key.signer,
      publicKeyFile: key.publicFile,
      format: { signPackages: false },
    });
    const r = await verifyYumRepo(join(root, SUITE), { keyring: key.publicFile });
    expect(r.ok).toBe(false);
    expect(r.problems.filter((p) => p.problem.includes('no valid header signature'))).toHaveLength(3);
  });

  it('verify reports a tampered package and a stale repomd.xml.asc', async () => {
    const root = join(work, 'tamper');
    const dir = mkdtempSync(join(work, 'tam-'));
    const built = buildVersions(dir, ['1.0-1', '1.1-1']);
    await publishYum({ root, suite: SUITE, add: [built[0]!], signer: key.signer, publicKeyFile: key.publicFile });
    const repo = join(root, SUITE);
    const oldAsc = readFileSync(join(repo, 'repodata/repomd.xml.asc'));
    await publishYum({ root, suite: SUITE, add: [built[1]!], signer: key.signer, publicKeyFile: key.publicFile });
    const gen = join(repo, readlinkSync(join(repo, 'repodata')));
    writeFileSync(join(gen, 'repomd.xml.asc'), oldAsc);
    const r = await verifyYumRepo(repo, { keyring: key.publicFile });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.file)).toContain(join(repo, 'repodata/repomd.xml.asc'));
    const pkg = join(repo, 'Packages/r', basename(built[0]!));
    const bytes = readFileSync(pkg);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    rmSync(pkg);
    writeFileSync(pkg, bytes);
    const r2 = await verifyYumRepo(repo, { keyring: key.publicFile });
    expect(r2.problems.map((p) => p.problem)).toContain('sha256 differs from primary');
  });
});
