/**
 * The real clients: `apt-get update` against a file:// repository signed by OpenPgpSigner with
 * the key given in a deb822 `.sources` Signed-By (embedded and as a keyring path), InRelease and
 * Release + Release.gpg, one key and two (rotation); dnf with gpgcheck=1 and repo_gpgcheck=1
 * against repomd.xml.asc, using the generated .repo file.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import * as openpgp from 'openpgp';
import { OpenPgpSigner } from '../../src/sign/openpgp-signer.js';
import { debSources, releaseSignedBy, yumRepoFile } from '../../src/formats/user-files.js';
import { verifyDetachedArmored } from '../../src/sign/verify.js';
import { ed25519Key, gpgv, keyringOf, rsa4096Key, type TestKey } from './helpers.js';

let ed: TestKey;
let rsa: TestKey;

beforeAll(async () => {
  [ed, rsa] = await Promise.all([ed25519Key('Apt Test'), rsa4096Key()]);
});

/** A one-suite apt repository with an empty Packages index and a Release from apt-ftparchive. */
async function aptRepo(): Promise<{ root: string; dists: string; release: string }> {
  const root = await mkdtemp(join(tmpdir(), 'pkgtrack-aptrepo-'));
  const dists = join(root, 'dists', 'stable');
  await mkdir(join(dists, 'main', 'binary-amd64'), { recursive: true });
  await writeFile(join(dists, 'main', 'binary-amd64', 'Packages'), '');
  const r = await run(
    'apt-ftparchive',
    [
      '-o',
      'APT::FTPArchive::Release::Suite=stable',
      '-o',
      'APT::FTPArchive::Release::Codename=stable',
      '-o',
      'APT::FTPArchive::Release::Components=main',
      '-o',
      'APT::FTPArchive::Release::Architectures=amd64',
      'release',
      dists,
    ],
    { cwd: root },
  );
  await writeFile(join(dists, 'Release'), r.stdout);
  return { root, dists, release: r.stdout };
}

/** apt-get update in an isolated state directory; returns exit code and output. */
async function aptUpdate(sources: string) {
  const state = await mkdtemp(join(tmpdir(), 'pkgtrack-aptstate-'));
  await mkdir(join(state, 'lists', 'partial'), { recursive: true });
  await mkdir(join(state, 'cache', 'archives', 'partial'), { recursive: true });
  await mkdir(join(state, 'sources.list.d'), { recursive: true });
  await writeFile(join(state, 'sources.list.d', 'test.sources'), sources);
  const r = await run(
    'apt-get',
    [
      '-o',
      `Dir::State=${state}`,
      '-o',
      `Dir::State::Lists=${join(state, 'lists')}`,
      '-o',
      `Dir::Cache=${join(state, 'cache')}`,
      '-o',
      'Dir::Etc::SourceList=/dev/null',
      '-o',
      `Dir::Etc::SourceParts=${join(state, 'sources.list.d')}`,
      '-o',
      'Dir::Etc::TrustedParts=/nonexistent',
      '-o',
      'APT::Sandbox::User=root',
      '-o',
      'Debug::NoLocking=1',
      'update',
    ],
    { check: false },
  );
  await rm(state, { recursive: true, force: true });
  return { code: r.code, out: r.stdout + r.stderr };
}

const sourcesFor = async (root: string, keys: TestKey[], embedded = true) =>
  debSources({
    uri: `file://${root}`,
    suites: ['stable'],
    components: ['main'],
    signedBy: embedded
      ? { kind: 'embedded', armoredKey: (await Promise.all(keys.map((k) => readFile(k.publicFile, 'utf8')))).join('\n') }
      : { kind: 'path', path: await keyringOf(keys, root) },
  });

describe('apt-get update', () => {
  it.each([
    ['Ed25519', 'InRelease', true, () => [ed]],
    ['RSA-4096', 'InRelease', false, () => [rsa]],
    ['Ed25519', 'Release.gpg', true, () => [ed]],
    ['Ed25519 + RSA-4096 (rotation)', 'InRelease', true, () => [ed, rsa]],
  ] as const)('accepts %s signatures in %s (key embedded in Signed-By: %s)', async (_l, kind, embedded, keys) => {
    const ks = keys();
    const s = ks.length === 1 ? ks[0]!.signer : await bothSigner(ks);
    const repo = await aptRepo();
    if (kind === 'InRelease') await writeFile(join(repo.dists, 'InRelease'), await s.clearsign(repo.release));
    else await writeFile(join(repo.dists, 'Release.gpg'), await s.detachSign(new TextEncoder().encode(repo.release)));
    const r = await aptUpdate(await sourcesFor(repo.root, ks, embedded));
    expect(r.out).not.toMatch(/^[WE]:/m);
    expect(r.code).toBe(0);
  });

  it('refuses a repository signed by a key that is not in Signed-By', async () => {
    const repo = await aptRepo();
    await writeFile(join(repo.dists, 'InRelease'), await rsa.signer.clearsign(repo.release));
    const r = await aptUpdate(await sourcesFor(repo.root, [ed]));
    expect(r.out).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/);
  });

  it('refuses text appended to Release.gpg, as pkgtrack verify does (gpgv and sqv alone pass it)', async () => {
    const repo = await aptRepo();
    const sig = await ed.signer.detachSign(new TextEncoder().encode(repo.release));
    await writeFile(join(repo.dists, 'Release.gpg'), `${sig}Suite: evil\n`);
    const r = await aptUpdate(await sourcesFor(repo.root, [ed]));
    expect(r.out).toMatch(/contains lines not belonging to a signature/);
    expect(r.out).toMatch(/is not signed/);
    expect(r.code).not.toBe(0);
    const ours = await verifyDetachedArmored(
      'Release.gpg',
      new TextEncoder().encode(`${sig}Suite: evil\n`),
      'Release',
      new TextEncoder().encode(repo.release),
      [await openpgp.readKey({ armoredKey: await readFile(ed.publicFile, 'utf8') })],
    );
    expect(ours.problems.map((p) => p.code)).toEqual(['SIG_TEXT_AFTER']);
    // The independent verifiers do not look past the signature block.
    expect((await gpgv(ed.keyringFile, [join(repo.dists, 'Release.gpg'), join(repo.dists, 'Release')])).code).toBe(0);
  });

  it('accepts two armored signature blocks in Release.gpg, as pkgtrack verify does', async () => {
    const repo = await aptRepo();
    const data = new TextEncoder().encode(repo.release);
    const two = `${await ed.signer.detachSign(data)}${await rsa.signer.detachSign(data)}`;
    await writeFile(join(repo.dists, 'Release.gpg'), two);
    const r = await aptUpdate(await sourcesFor(repo.root, [ed, rsa]));
    expect(r.code).toBe(0);
    const pubs = [];
    for (const k of [ed, rsa]) pubs.push(await openpgp.readKey({ armoredKey: await readFile(k.publicFile, 'utf8') }));
    const ours = await verifyDetachedArmored('Release.gpg', new TextEncoder().encode(two), 'Release', data, pubs);
    expect(ours.problems).toEqual([]);
    expect(ours.signers.sort()).toEqual([ed.fingerprint, rsa.fingerprint].sort());
  });

  it('refuses unsigned text appended to InRelease, as pkgtrack verify does (gpgv passes it)', async () => {
    const repo = await aptRepo();
    await writeFile(join(repo.dists, 'InRelease'), `${await ed.signer.clearsign(repo.release)}Suite: evil\n`);
    const r = await aptUpdate(await sourcesFor(repo.root, [ed]));
    expect(r.out).toMatch(/Splitting up .*InRelease into data and signature failed/);
    expect(r.code).not.toBe(0);
  });

  it('refuses an InRelease with a modified line', async () => {
    const repo = await aptRepo();
    await writeFile(join(repo.dists, 'InRelease'), (await ed.signer.clearsign(repo.release)).replace('Suite: stable', 'Suite: stabl3'));
    const r = await aptUpdate(await sourcesFor(repo.root, [ed]));
    expect(r.out).toMatch(/BADSIG|invalid|not signed|couldn't be verified/i);
  });
});

describe('apt-get update across a key rotation', () => {
  it('during the window either key is enough; after it only the new key works, so users need it first', async () => {
    const both = await bothSigner([ed, rsa]);
    const repo = await aptRepo();
    // Release pins the keys for the next update: both fingerprints during the window.
    const release = repo.release.replace(/^(Codename: .*)$/m, `$1\nSigned-By: ${releaseSignedBy(both.fingerprints)}`);
    expect(release).toContain(`Signed-By: ${ed.fingerprint}, ${rsa.fingerprint}`);
    await writeFile(join(repo.dists, 'Release'), release);
    await writeFile(join(repo.dists, 'InRelease'), await both.clearsign(release));
    for (const trusted of [[ed], [rsa], [ed, rsa]]) {
      const r = await aptUpdate(await sourcesFor(repo.root, trusted));
      expect(r.out, trusted.map((k) => k.fingerprint).join()).not.toMatch(/^[WE]:/m);
      expect(r.code).toBe(0);
    }
    // After --finish: only the new key signs. A user still trusting only the old key is locked out.
    const after = repo.release.replace(/^(Codename: .*)$/m, `$1\nSigned-By: ${rsa.fingerprint}`);
    await writeFile(join(repo.dists, 'Release'), after);
    await writeFile(join(repo.dists, 'InRelease'), await rsa.signer.clearsign(after));
    const stale = await aptUpdate(await sourcesFor(repo.root, [ed]));
    expect(stale.out).toMatch(/NO_PUBKEY|not signed|couldn't be verified/);
    const updated = await aptUpdate(await sourcesFor(repo.root, [ed, rsa]));
    expect(updated.code).toBe(0);
  });
});

async function bothSigner(ks: readonly TestKey[]): Promise<OpenPgpSigner> {
  const keys = [];
  for (const k of ks) {
    const priv = await openpgp.readPrivateKey({ armoredKey: await readFile(k.privateFile, 'utf8') });
    keys.push(await openpgp.decryptKey({ privateKey: priv, passphrase: k.passphrase }));
  }
  return OpenPgpSigner.create(keys);
}

describe('dnf with gpgcheck=1 and repo_gpgcheck=1', () => {
  it('reads repomd.xml signed by repomd.xml.asc, and refuses a stale .asc', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pkgtrack-yumrepo-'));
    const repo = join(root, 'repo');
    await mkdir(repo);
    await run('createrepo_c', ['--quiet', repo]);
    const repomdPath = join(repo, 'repodata', 'repomd.xml');
    const repomd = await readFile(repomdPath);
    await writeFile(`${repomdPath}.asc`, await ed.signer.detachSign(repomd));
    const conf = join(root, 'test.repo');
    await writeFile(
      conf,
      yumRepoFile({ id: 'pkgtrack-test', name: 'pkgtrack test', baseurl: `file://${repo}`, gpgkeys: [`file://${ed.publicFile}`] }),
    );
    const dnf = (cache: string) =>
      run(
        'dnf',
        // skip_if_unavailable=0: otherwise dnf "ignores" a repository whose signature fails and exits 0.
        [
          '-y',
          '--quiet',
          '--setopt',
          'skip_if_unavailable=0',
          '--setopt',
          `cachedir=${cache}`,
          '--setopt',
          `reposdir=${root}`,
          '--setopt',
          'install_weak_deps=0',
          '--installroot',
          join(root, 'inst'),
          '--disablerepo=*',
          '--enablerepo=pkgtrack-test',
          'makecache',
        ],
        { check: false },
      );
    const good = await dnf(join(root, 'cache1'));
    expect(good.stderr).not.toMatch(/error|fail/i);
    expect(good.code).toBe(0);

    // Rewrite repomd.xml (a new revision) but keep the old signature.
    await writeFile(repomdPath, repomd.toString().replace(/<revision>\d+<\/revision>/, '<revision>99</revision>'));
    const stale = await dnf(join(root, 'cache2'));
    expect(stale.code).not.toBe(0);
    expect(stale.stderr + stale.stdout).toMatch(/signature|GPG|gpg/i);
    // librepo started gpg-agents for its keyrings under our cache dirs: stop them.
    const homes = await run('find', [root, '-type', 'd', '-name', 'pubring'], { check: false });
    for (const h of homes.stdout.split('\n').filter(Boolean))
      await run('gpgconf', ['--homedir', h, '--kill', 'gpg-agent'], { check: false });
  });
});
