/**
 * Throwaway signing keys and independent verifiers for tests (also usable by the apt and yum
 * tests): Ed25519 keys are generated in milliseconds; the RSA-4096 key is a committed fixture
 * because generating one takes tens of seconds.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { run } from '../../src/core/exec.js';
import { binaryPublicKeys, generateSigningKey, readKeys } from '../../src/sign/keys.js';
import { OpenPgpSigner } from '../../src/sign/openpgp-signer.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** Passphrase of every encrypted fixture key (fixtures/README.md). */
export const FIXTURE_PASSPHRASE = 'pkgtrack-test-passphrase';

export interface TestKey {
  dir: string;
  /** Encrypted armored private key file. */
  privateFile: string;
  /** Armored public key file. */
  publicFile: string;
  /** Binary keyring with the public key (for gpgv --keyring, sqv --keyring, apt Signed-By). */
  keyringFile: string;
  passphrase: string;
  fingerprint: string;
  signer: OpenPgpSigner;
}

/** Write key material for an armored private key (plus its passphrase) into a fresh temp dir. */
async function materialise(privateArmored: string, passphrase: string): Promise<TestKey> {
  const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-key-'));
  const priv = await openpgp.readPrivateKey({ armoredKey: privateArmored });
  const pub = priv.toPublic();
  const privateFile = join(dir, 'signing.asc');
  const publicFile = join(dir, 'signing.pub.asc');
  const keyringFile = join(dir, 'keyring.gpg');
  await writeFile(privateFile, privateArmored, { mode: 0o600 });
  await writeFile(publicFile, pub.armor());
  await writeFile(keyringFile, binaryPublicKeys([pub]));
  const unlocked = await openpgp.decryptKey({ privateKey: priv, passphrase });
  return {
    dir,
    privateFile,
    publicFile,
    keyringFile,
    passphrase,
    fingerprint: priv.getFingerprint().toUpperCase(),
    signer: await OpenPgpSigner.create([unlocked]),
  };
}

/** A fresh Ed25519 key (fast). */
export async function ed25519Key(name = 'Test Signer', passphrase = FIXTURE_PASSPHRASE): Promise<TestKey> {
  const k = await generateSigningKey({ type: 'ed25519', name, email: 'test@example.org', expiresInSeconds: 2 * 365 * 86400, passphrase });
  return materialise(k.privateKey, passphrase);
}

/** The committed RSA-4096 fixture key (fixtures/rsa4096.sec.asc). */
export async function rsa4096Key(): Promise<TestKey> {
  return materialise(await readFile(join(FIXTURES, 'rsa4096.sec.asc'), 'utf8'), FIXTURE_PASSPHRASE);
}

/** A binary keyring holding the public keys of several test keys. */
export async function keyringOf(keys: readonly TestKey[], dir: string): Promise<string> {
  const all = [];
  for (const k of keys) all.push(...(await readKeys(await readFile(k.publicFile, 'utf8'), k.publicFile)));
  const file = join(dir, `keyring-${keys.length}.gpg`);
  await writeFile(file, binaryPublicKeys(all));
  return file;
}

/** gpgv with an isolated home; returns the exit code and stderr (and stdout for --output -). */
export async function gpgv(keyring: string, args: string[]) {
  const home = await mkdtemp(join(tmpdir(), 'pkgtrack-gpgv-'));
  return run('gpgv', ['--homedir', home, '--keyring', keyring, ...args], { check: false, binary: true });
}

export async function sqv(keyring: string, sigFile: string, dataFile: string, n = 1) {
  return run('sqv', ['--keyring', keyring, '--signatures', String(n), sigFile, dataFile], { check: false });
}

/** `sq verify` of an inline-signed (cleartext) message; stdout is the signed text. */
export async function sqVerifyInline(certFile: string, file: string, n = 1) {
  return run('sq', ['verify', '--signer-cert', certFile, '--signatures', String(n), file], { check: false, binary: true });
}
