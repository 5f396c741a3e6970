/**
 * The key commands, verify and doctor's signing check, run as a user runs them (built CLI, real
 * processes), with a sentinel passphrase that must never show up in output, argv or the
 * environment of a child process.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { loadRecipesRepository } from '../../src/recipe/load.js';
import { signerFromRepository } from '../../src/services/shared/signer.js';
import { binaryPublicKeys, readKeys } from '../../src/sign/keys.js';
import { BIN, pkgtrack, tempDir } from '../helpers/cli.js';
import { gpgv } from './helpers.js';

const SENTINEL = 'sentinel-Passphrase-7f3a9c';
const ENV = { PKGTRACK_KEY_PASSPHRASE: SENTINEL };

function noSentinel(...texts: string[]) {
  for (const t of texts) expect(t).not.toContain(SENTINEL);
}

async function makeRepo(extra = ''): Promise<string> {
  const dir = tempDir('pkgtrack-signrepo-');
  await writeFile(
    join(dir, 'pkgtrack.yaml'),
    `name: example
origin: Example
label: Example Packages
maintainer: Ada Lovelace <ada@example.org>
url: https://repo.example.org/packages
targets: [debian:bookworm, fedora:41]
validDays: 7
signing:
  key: keys/signing.key
${extra}`,
  );
  await mkdir(join(dir, 'recipes'));
  return dir;
}

describe('key generate / info / export', () => {
  let repo: string;
  beforeAll(async () => {
    repo = await makeRepo();
  });

  it('generates an encrypted Ed25519 key at signing.key, public key and revocation next to it', async () => {
    const r = await pkgtrack(['key', 'generate', '--type', 'ed25519', '--json'], { cwd: repo, env: ENV });
    noSentinel(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    const out = r.json();
    expect(out.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(out.configured).toBe(true);
    expect(out.privateFile).toBe(join(repo, 'keys/signing.key'));
    expect((await stat(out.privateFile)).mode & 0o777).toBe(0o600);
    const priv = await openpgp.readPrivateKey({ armoredKey: await readFile(out.privateFile, 'utf8') });
    expect(priv.isDecrypted()).toBe(false);
    expect(priv.getUserIDs()).toEqual(['Example Packages archive signing key <ada@example.org>']);
    expect(await readFile(join(repo, 'keys/signing.pub.asc'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(await readFile(join(repo, 'keys/signing.rev.asc'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    // Never silently replaces a key.
    const again = await pkgtrack(['key', 'generate', '--type', 'ed25519'], { cwd: repo, env: ENV });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/KEY_FILE_EXISTS[\s\S]*fix:/);
  });

  it('refuses to generate without a passphrase (none on the command line exists)', async () => {
    const r = await pkgtrack(['key', 'generate', '--type', 'ed25519', '--out', join(repo, 'other.key')], {
      cwd: repo,
      env: { PKGTRACK_KEY_PASSPHRASE: undefined },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KEY_PASSPHRASE_MISSING/);
    expect(r.stderr).toMatch(/--passphrase-fd/);
  });

  it('reads the passphrase from a file descriptor', async () => {
    const out = join(repo, 'fd.key');
    const child = spawn(
      process.execPath,
      [BIN, 'key', 'generate', '--type', 'ed25519', '--name', 'FD', '--out', out, '--passphrase-fd', '3', '--json'],
      {
        cwd: repo,
        env: { ...process.env, PKGTRACK_KEY_PASSPHRASE: '' },
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      },
    );
    (child.stdio[3] as NodeJS.WritableStream).end(`${SENTINEL}\n`);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += b));
    child.stderr!.on('data', (b) => (stderr += b));
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    noSentinel(stdout, stderr);
    expect(code).toBe(0);
    const priv = await openpgp.readPrivateKey({ armoredKey: await readFile(out, 'utf8') });
    await expect(openpgp.decryptKey({ privateKey: priv, passphrase: SENTINEL })).resolves.toBeTruthy();
  });

  it('key info reports the policy verdict; refused keys exit 11', async () => {
    const ok = await pkgtrack(['key', 'info', '--json'], { cwd: repo });
    expect(ok.code).toBe(0);
    expect(ok.json().keys[0]).toMatchObject({ role: 'signing.key', private: true, violations: [], expiresSoon: false });
    const bad = await pkgtrack(['key', 'info', join(import.meta.dirname, 'fixtures/rsa1024.pub.asc')], { cwd: repo });
    expect(bad.code).toBe(11);
    expect(bad.stdout).toMatch(/REFUSED\s+primary: RSA-1024/);
  });

  it('key export: armored key gpgv can use, .sources with Signed-By, .repo with checks on', async () => {
    const armored = await pkgtrack(['key', 'export'], { cwd: repo });
    expect(armored.code).toBe(0);
    expect(armored.stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(armored.stdout).not.toContain('PRIVATE');
    const sources = await pkgtrack(['key', 'export', '--format', 'sources'], { cwd: repo });
    expect(sources.stdout).toMatch(
      /^Types: deb\nURIs: https:\/\/repo.example.org\/packages\/apt\nSuites: bookworm\nComponents: main\nArchitectures: amd64\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n \.\n/,
    );
    const yum = await pkgtrack(['key', 'export', '--format', 'repo'], { cwd: repo });
    // The published layout: <url>/apt, <url>/yum/<path>, <url>/keys/<name>-archive-keyring.asc.
    expect(yum.stdout).toContain('baseurl=https://repo.example.org/packages/yum/fedora/41');
    expect(yum.stdout).toMatch(
      /gpgcheck=1\nrepo_gpgcheck=1\ngpgkey=https:\/\/repo.example.org\/packages\/keys\/example-archive-keyring.asc/,
    );
  });
});

describe('doctor signing check', () => {
  it('ok with key and passphrase; error with a wrong passphrase; warn without one; warn 30 days before expiry', async () => {
    const repo = await makeRepo();
    expect((await pkgtrack(['key', 'generate', '--type', 'ed25519', '--expires', '20d'], { cwd: repo, env: ENV })).code).toBe(0);
    const doctor = async (env: Record<string, string | undefined>) =>
      await pkgtrack(['doctor', '--check', 'signing', '--json'], { cwd: repo, env });
    const good = await doctor(ENV);
    noSentinel(good.stdout, good.stderr);
    const f = good.json().findings as Array<{ id: string; status: string }>;
    expect(f.find((x) => x.id.startsWith('signing.unlock'))?.status).toBe('ok');
    expect(f.find((x) => x.id.startsWith('signing.expiry'))?.status).toBe('warn');
    const wrong = await doctor({ PKGTRACK_KEY_PASSPHRASE: 'not-the-passphrase' });
    expect(wrong.code).toBe(11);
    expect((wrong.json().findings as Array<{ id: string; status: string }>).find((x) => x.id.startsWith('signing.unlock'))?.status).toBe(
      'error',
    );
    expect(wrong.stdout).not.toContain('not-the-passphrase');
    const none = await doctor({ PKGTRACK_KEY_PASSPHRASE: undefined });
    expect((none.json().findings as Array<{ id: string; status: string }>).find((x) => x.id === 'signing.passphrase')?.status).toBe('warn');
  });
});

describe('key rotate', () => {
  it('start adds the new key to extraKeys, both sign with both fingerprints, finish refuses early and swaps with --force', async () => {
    const repo = await makeRepo();
    expect((await pkgtrack(['key', 'generate', '--type', 'ed25519'], { cwd: repo, env: ENV })).code).toBe(0);
    const status0 = await pkgtrack(['key', 'rotate', '--json'], { cwd: repo });
    expect(status0.json().status.phase).toBe('single-key');
    const start = await pkgtrack(['key', 'rotate', '--start', '--type', 'ed25519', '--json'], { cwd: repo, env: ENV });
    noSentinel(start.stdout, start.stderr);
    expect(start.code).toBe(0);
    const s = start.json().status;
    expect(s.phase).toBe('window');
    expect(s.keys).toHaveLength(2);
    expect(s.signedBy).toBe(`${s.keys[0].fingerprint}, ${s.keys[1].fingerprint}`);
    // 2 × validDays (7) is below the 30-day floor.
    expect(Date.parse(s.canRetireAt) - Date.parse(s.startedAt)).toBe(30 * 86_400_000);
    expect(await readFile(join(repo, 'pkgtrack.yaml'), 'utf8')).toMatch(/extraKeys:\n\s+- keys\/signing-\d{4}-\d\d-\d\d\.key/);

    // The repository's signer now signs with both keys; gpgv sees two good signatures.
    process.env.PKGTRACK_KEY_PASSPHRASE = SENTINEL;
    try {
      const signer = await signerFromRepository(await loadRecipesRepository(repo));
      expect(signer.fingerprints).toEqual(s.keys.map((k: { fingerprint: string }) => k.fingerprint));
      const exported = await pkgtrack(['key', 'export'], { cwd: repo });
      const both = await readKeys(exported.stdout, 'export');
      expect(both.map((k) => k.getFingerprint().toUpperCase())).toEqual(signer.fingerprints);
      await writeFile(join(repo, 'both.gpg'), binaryPublicKeys(both));
      await writeFile(join(repo, 'InRelease'), await signer.clearsign('Origin: x\n'));
      const g = await gpgv(join(repo, 'both.gpg'), [join(repo, 'InRelease')]);
      expect(g.stderr.match(/Good signature/g)).toHaveLength(2);
    } finally {
      delete process.env.PKGTRACK_KEY_PASSPHRASE;
    }

    const early = await pkgtrack(['key', 'rotate', '--finish'], { cwd: repo });
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/ROTATION_TOO_EARLY/);
    const forced = await pkgtrack(['key', 'rotate', '--finish', '--force', '--json'], { cwd: repo });
    expect(forced.code).toBe(0);
    expect(forced.json().status.keys).toEqual([expect.objectContaining({ role: 'signing.key', fingerprint: s.keys[1].fingerprint })]);
  });
});

describe('secrets', () => {
  afterEach(() => {
    delete process.env.PKGTRACK_KEY_PASSPHRASE;
    delete process.env.REPO_SIGNING_PW;
  });

  it.each([
    ['PKGTRACK_KEY_PASSPHRASE', ''],
    ['REPO_SIGNING_PW', '  passphraseEnv: REPO_SIGNING_PW\n'],
  ])('a passphrase read from %s never reaches a child process (env or argv)', async (name, yamlExtra) => {
    const repo = await makeRepo(yamlExtra);
    expect((await pkgtrack(['key', 'generate', '--type', 'ed25519'], { cwd: repo, env: { [name]: SENTINEL } })).code).toBe(0);
    process.env[name] = SENTINEL;
    const signer = await signerFromRepository(await loadRecipesRepository(repo));
    expect(signer.fingerprints).toHaveLength(1);
    // A child started the only way pkgtrack starts processes: its environment and argv, as the kernel sees them.
    const r = await run('sh', ['-c', 'tr "\\0" "\\n" </proc/$$/environ; tr "\\0" " " </proc/$$/cmdline']);
    expect(r.stdout).toContain('PATH=');
    noSentinel(r.stdout, r.stderr);
  });

  it('a wrong passphrase is reported without echoing it', async () => {
    const repo = await makeRepo();
    expect((await pkgtrack(['key', 'generate', '--type', 'ed25519'], { cwd: repo, env: ENV })).code).toBe(0);
    process.env.PKGTRACK_KEY_PASSPHRASE = `${SENTINEL}-wrong`;
    const e = await signerFromRepository(await loadRecipesRepository(repo)).catch((x: Error & { code?: string; fix?: string }) => x);
    expect((e as { code?: string }).code).toBe('KEY_PASSPHRASE_WRONG');
    noSentinel((e as Error).message, JSON.stringify(e));
  });
});
