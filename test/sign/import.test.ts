/**
 * `key import` on GnuPG-made keys: policy for new keys (RSA-2048 only with --existing), the
 * stored private key always encrypted, the passphrase proven to unlock it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { importKeyFile } from '../../src/services/key/files.js';
import { tempDir } from '../helpers/cli.js';
import { FIXTURE_PASSPHRASE, FIXTURES } from './helpers.js';

const fx = (n: string) => join(FIXTURES, n);
const src = { env: 'PKGTRACK_TEST_IMPORT_PASSPHRASE' };

async function attempt(file: string, opts: { existing?: boolean } = {}) {
  process.env.PKGTRACK_TEST_IMPORT_PASSPHRASE = FIXTURE_PASSPHRASE;
  try {
    return await importKeyFile({ file, out: join(tempDir(), 'signing.key'), passphrase: src, ...opts });
  } finally {
    delete process.env.PKGTRACK_TEST_IMPORT_PASSPHRASE;
  }
}
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (isPkgtrackError(e) ? e.code : String(e)),
  );

describe('key import', () => {
  it('imports a gpg-made RSA-4096 key, kept encrypted, with its public key', async () => {
    const r = await attempt(fx('rsa4096.sec.asc'));
    expect(r.encryptedNow).toBe(false);
    const priv = await openpgp.readPrivateKey({ armoredKey: await readFile(r.privateFile, 'utf8') });
    expect(priv.isDecrypted()).toBe(false);
    expect((await readFile(r.publicFile, 'utf8')).includes('PUBLIC KEY BLOCK')).toBe(true);
  });

  it('RSA-2048 is refused as a new key and accepted with --existing', async () => {
    expect(await codeOf(attempt(fx('rsa2048.sec.asc')))).toBe('KEY_RSA_TOO_SHORT_NEW');
    expect(await codeOf(attempt(fx('rsa2048.sec.asc'), { existing: true }))).toBe('OK');
  });

  it.each(['rsa1024', 'dsa', 'sha1-selfsig', 'expired', 'revoked', 'subkey-expired'])(
    '%s is refused even with --existing',
    async (name) => {
      expect(await codeOf(attempt(fx(`${name}.sec.asc`), { existing: true }))).not.toBe('OK');
    },
  );

  it('a public key alone is refused', async () => {
    expect(await codeOf(attempt(fx('rsa4096.pub.asc')))).toBe('KEY_IMPORT_NOT_ONE_PRIVATE');
  });

  it('an unencrypted private key is stored encrypted with the passphrase', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'plain' }],
      format: 'object',
    });
    const file = join(tempDir(), 'plain.asc');
    await writeFile(file, privateKey.armor());
    const r = await attempt(file);
    expect(r.encryptedNow).toBe(true);
    const stored = await openpgp.readPrivateKey({ armoredKey: await readFile(r.privateFile, 'utf8') });
    expect(stored.isDecrypted()).toBe(false);
    await expect(openpgp.decryptKey({ privateKey: stored, passphrase: FIXTURE_PASSPHRASE })).resolves.toBeTruthy();
  });
});
