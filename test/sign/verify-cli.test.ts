/**
 * `pkgtrack verify` on real trees: an apt suite made by apt-ftparchive and a yum repo made by
 * createrepo_c, both signed by OpenPgpSigner; then the tampering from hostile-inputs.md, each
 * caught with exit code 11 and a precise problem; gpgv agrees where it can judge.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { ed25519Key, gpgv, type TestKey } from './helpers.js';
import { primaryHref } from '../repo/yum/compare.js';

let k: TestKey;
let stranger: TestKey;

beforeAll(async () => {
  [k, stranger] = await Promise.all([ed25519Key('Verify Test'), ed25519Key('Stranger')]);
});

/** dists/stable with a non-empty Packages(.gz) index, Release, InRelease and Release.gpg; repo/ with repodata and .asc. */
async function publishedTree(): Promise<{ root: string; suite: string; repodata: string }> {
  const root = tempDir('pkgtrack-verifytree-');
  const suite = join(root, 'dists', 'stable');
  const bin = join(suite, 'main', 'binary-amd64');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'Packages'), 'Package: hello\nVersion: 1.0-1\nArchitecture: amd64\n');
  await run('gzip', ['-k', '-n', join(bin, 'Packages')]);
  const rel = await run('apt-ftparchive', ['-o', 'APT::FTPArchive::Release::Suite=stable', 'release', suite]);
  await writeFile(join(suite, 'Release'), rel.stdout);
  await writeFile(join(suite, 'InRelease'), await k.signer.clearsign(rel.stdout));
  await writeFile(join(suite, 'Release.gpg'), await k.signer.detachSign(new TextEncoder().encode(rel.stdout)));
  const yum = join(root, 'yum', 'fedora', '41', 'x86_64');
  await mkdir(yum, { recursive: true });
  await run('createrepo_c', ['--quiet', yum]);
  const repodata = join(yum, 'repodata');
  await writeFile(join(repodata, 'repomd.xml.asc'), await k.signer.detachSign(await readFile(join(repodata, 'repomd.xml'))));
  return { root, suite, repodata };
}

const verify = async (path: string, keyring = k.publicFile) => await pkgtrack(['verify', path, '--keyring', keyring, '--json']);
const errorCodes = (r: Awaited<ReturnType<typeof verify>>) =>
  (r.json().problems as Array<{ code: string; severity: string }>).filter((p) => p.severity === 'error').map((p) => p.code);

describe('pkgtrack verify', () => {
  it('a good tree passes: every signature and every listed hash', async () => {
    const t = await publishedTree();
    const r = await verify(t.root);
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.ok).toBe(true);
    expect(out.problems).toEqual([]);
    expect(out.signers).toEqual([k.fingerprint]);
    expect(out.checked).toEqual(
      expect.arrayContaining([
        'dists/stable/InRelease',
        'dists/stable/Release.gpg',
        'dists/stable/Release',
        'yum/fedora/41/x86_64/repodata/repomd.xml',
      ]),
    );
    // And gpgv agrees on both apt signatures.
    expect((await gpgv(k.keyringFile, [join(t.suite, 'InRelease')])).code).toBe(0);
    expect((await gpgv(k.keyringFile, [join(t.suite, 'Release.gpg'), join(t.suite, 'Release')])).code).toBe(0);
  });

  it('text appended to InRelease: exit 11, CLEARTEXT_TEXT_AFTER with the line', async () => {
    const t = await publishedTree();
    await appendFile(join(t.suite, 'InRelease'), 'Suite: evil\n');
    const r = await verify(join(t.suite, 'InRelease'));
    expect(r.code).toBe(11);
    const p = r.json().problems.find((x: { code: string }) => x.code === 'CLEARTEXT_TEXT_AFTER');
    expect(p).toMatchObject({ file: 'InRelease', severity: 'error' });
    expect(p.line).toBeGreaterThan(10);
    const human = await pkgtrack(['verify', t.root, '--keyring', k.publicFile]);
    expect(human.code).toBe(11);
    expect(human.stdout).toMatch(
      /ERROR dists\/stable\/InRelease:\d+: unsigned text after the signature: "Suite: evil" \[CLEARTEXT_TEXT_AFTER\]/,
    );
  });

  it('payload appended to Release.gpg: exit 11', async () => {
    const t = await publishedTree();
    await appendFile(join(t.suite, 'Release.gpg'), 'extra payload\n');
    const r = await verify(t.root);
    expect(r.code).toBe(11);
    expect(errorCodes(r)).toEqual(['SIG_TEXT_AFTER']);
  });

  it('stale repomd.xml.asc (repomd.xml regenerated after signing): exit 11, and gpgv says BAD', async () => {
    const t = await publishedTree();
    await writeFile(join(t.repodata, 'dummy'), '');
    const repomd = await readFile(join(t.repodata, 'repomd.xml'), 'utf8');
    await writeFile(join(t.repodata, 'repomd.xml'), repomd.replace(/<revision>\d+<\/revision>/, '<revision>1</revision>'));
    const r = await verify(t.root);
    expect(r.code).toBe(11);
    expect(errorCodes(r)).toEqual(['SIG_BAD']);
    const g = await gpgv(k.keyringFile, [join(t.repodata, 'repomd.xml.asc'), join(t.repodata, 'repomd.xml')]);
    expect(g.stderr).toMatch(/BAD signature/);
  });

  it('an index changed after signing: HASH_MISMATCH against Release and repomd.xml', async () => {
    const t = await publishedTree();
    await appendFile(join(t.suite, 'main', 'binary-amd64', 'Packages'), 'Package: evil\n');
    const yum = join(t.repodata, '..');
    await appendFile(join(yum, primaryHref(yum)), 'x');
    const r = await verify(t.root);
    expect(r.code).toBe(11);
    expect(errorCodes(r)).toEqual(['HASH_MISMATCH', 'HASH_MISMATCH']);
  });

  it('signed by a key the user does not trust: exit 11', async () => {
    const t = await publishedTree();
    const r = await verify(t.root, stranger.publicFile);
    expect(r.code).toBe(11);
    expect(errorCodes(r)).toContain('SIG_NO_GOOD');
  });

  it('unsigned metadata is an error, not a pass', async () => {
    const t = await publishedTree();
    await run('rm', [join(t.suite, 'InRelease'), join(t.suite, 'Release.gpg'), join(t.repodata, 'repomd.xml.asc')]);
    const r = await verify(t.root);
    expect(r.code).toBe(11);
    expect(errorCodes(r).sort()).toEqual(['RELEASE_UNSIGNED', 'REPOMD_UNSIGNED']);
  });

  it('no keys at all is a usage error with a fix', async () => {
    const r = await pkgtrack(['verify', tempDir()], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/VERIFY_NO_KEYS[\s\S]*fix: Pass --keyring/);
  });
});
