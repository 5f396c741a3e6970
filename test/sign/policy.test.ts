/**
 * Key policy against real keys made by GnuPG (fixtures/make-fixtures.sh): weak, DSA, SHA-1
 * self-signed, expired, revoked and expired-subkey keys are refused with a reason and a fix;
 * good keys pass; and loading a signer applies the policy before anything is signed.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { isPkgtrackError, type PkgtrackError } from '../../src/core/errors.js';
import { loadSigner } from '../../src/services/shared/signer.js';
import { binaryPublicKeys, readKeys } from '../../src/sign/keys.js';
import { checkKeyPolicy, daysToExpiry, keyFacts } from '../../src/sign/policy.js';
import { FIXTURE_PASSPHRASE, FIXTURES, gpgv } from './helpers.js';

async function key(name: string) {
  const file = join(FIXTURES, `${name}.pub.asc`);
  const [k] = await readKeys(await readFile(file, 'utf8'), file);
  return k!;
}

async function codes(name: string, isNew = false): Promise<string[]> {
  return (await checkKeyPolicy(await key(name), { isNew })).map((v) => v.code);
}

describe('checkKeyPolicy on GnuPG-made keys', () => {
  it('accepts RSA-4096 for new and existing use', async () => {
    expect(await codes('rsa4096', true)).toEqual([]);
    expect(await codes('rsa4096')).toEqual([]);
  });
  it('refuses RSA-1024 always', async () => {
    expect(await codes('rsa1024')).toContain('KEY_RSA_TOO_SHORT');
  });
  it('accepts an existing RSA-2048 key but refuses it as a new key', async () => {
    expect(await codes('rsa2048')).toEqual([]);
    expect(await codes('rsa2048', true)).toEqual(['KEY_RSA_TOO_SHORT_NEW']);
  });
  it('refuses a DSA primary key', async () => {
    expect(await codes('dsa')).toContain('KEY_WEAK_ALGORITHM');
  });
  it('refuses SHA-1 self-signatures', async () => {
    expect(await codes('sha1-selfsig')).toContain('KEY_WEAK_SELF_SIGNATURE');
  });
  it('accepts a key whose SHA-1 self-signature was superseded by a SHA-512 one', async () => {
    const k = await key('sha1-repaired');
    expect(k.users[0]!.selfCertifications.map((s) => Number(s.hashAlgorithm)).sort((a, b) => a - b)).toEqual([2, 10]);
    expect(await codes('sha1-repaired')).toEqual([]);
  });
  it('refuses a version 6 key (openpgp.js can make them; apt and rpm cannot read them)', async () => {
    const { publicKey } = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{ name: 'v6' }],
      config: { v6Keys: true },
      format: 'object',
    });
    expect((await checkKeyPolicy(publicKey)).map((x) => x.code)).toEqual(['KEY_VERSION']);
  });
  it('refuses an expired key', async () => {
    expect(await codes('expired')).toEqual(['KEY_EXPIRED']);
  });
  it('refuses a revoked key', async () => {
    expect(await codes('revoked')).toContain('KEY_REVOKED');
  });
  it('refuses a key whose signing subkey expired', async () => {
    expect(await codes('subkey-expired')).toEqual(['KEY_SUBKEY_EXPIRED']);
  });
  it('reads expiry the way gpg shows it', async () => {
    const facts = await keyFacts(await key('expired'));
    // created 2023-01-01 with a 1y expiry in GnuPG's faked time
    expect(facts.expires?.slice(0, 4)).toBe('2024');
    expect(daysToExpiry(facts)).toBeLessThan(0);
    const good = await keyFacts(await key('rsa4096'));
    expect(daysToExpiry(good)).toBeGreaterThan(3000);
  });
});

describe('loadSigner applies the policy', () => {
  it.each([
    ['rsa1024', 'KEY_RSA_TOO_SHORT', /RSA-1024/],
    ['dsa', 'KEY_WEAK_ALGORITHM', /DSA/],
    ['sha1-selfsig', 'KEY_WEAK_SELF_SIGNATURE', /SHA1/],
    ['expired', 'KEY_EXPIRED', /expired on 2024/],
    ['revoked', 'KEY_REVOKED', /revoked/],
    ['subkey-expired', 'KEY_SUBKEY_EXPIRED', /subkey .* expired/],
  ])('%s is refused with %s, a reason and how to make a good key', async (name, code, reason) => {
    const file = join(FIXTURES, `${name}.sec.asc`);
    const err = await loadSigner({ keyFiles: [file], passphrase: FIXTURE_PASSPHRASE }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPkgtrackError(err)).toBe(true);
    const e = err as PkgtrackError;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(reason);
    expect(e.message).toContain(file);
    expect(e.fix).toMatch(/pkgtrack key generate/);
    expect(e.message).not.toContain(FIXTURE_PASSPHRASE);
  });

  it('a certify-only primary signs through its signing subkey (gpgv verifies)', async () => {
    expect(await codes('subkey-signs', true)).toEqual([]);
    const s = await loadSigner({ keyFiles: [join(FIXTURES, 'subkey-signs.sec.asc')], passphrase: FIXTURE_PASSPHRASE });
    expect(s.keys[0]!.signingFingerprint).not.toBe(s.keys[0]!.fingerprint);
    const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-subkey-'));
    const keyring = join(dir, 'k.gpg');
    await writeFile(keyring, binaryPublicKeys(await readKeys(await readFile(join(FIXTURES, 'subkey-signs.pub.asc'), 'utf8'), 'pub')));
    await writeFile(join(dir, 'InRelease'), await s.clearsign('Origin: x\n'));
    const g = await gpgv(keyring, [join(dir, 'InRelease')]);
    expect(g.stderr).toContain(s.keys[0]!.signingFingerprint);
    expect(g.code).toBe(0);
  });

  it('signs with a good gpg-made key', async () => {
    const s = await loadSigner({ keyFiles: [join(FIXTURES, 'rsa4096.sec.asc')], passphrase: FIXTURE_PASSPHRASE });
    expect(s.fingerprints).toHaveLength(1);
    expect(s.keys[0]!.bits).toBe(4096);
  });
});
