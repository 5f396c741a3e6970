/**
 * Keys made by `pkgtrack key generate` work with rpm: `rpmkeys --import` accepts them even with
 * an expiry (openpgp.js alone marks the key-expiration subpacket critical, which rpm refuses),
 * rpm packages signed with them pass `rpmkeys --checksig`, and a corrupted signed rpm is caught by
 * `pkgtrack verify` and by rpmkeys.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPath } from '../../src/services/sign-verify.js';
import { generateSigningKey } from '../../src/sign/keys.js';
import { OpenPgpSigner } from '../../src/sign/openpgp-signer.js';
import { signRpmFile } from '../../src/sign/rpm-sign.js';
import { corpusRpms } from '../repo/yum/corpus.js';

let work: string;
let publicFile: string;
let signer: OpenPgpSigner;
let rpms: string[];

beforeAll(async () => {
  rpms = corpusRpms();
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-rpmkey-'));
  const k = await generateSigningKey({
    type: 'ed25519',
    name: 'rpm key',
    email: 'rpm@example.org',
    expiresInSeconds: 365 * 86400,
    passphrase: 'pw',
  });
  publicFile = join(work, 'key.pub.asc');
  writeFileSync(publicFile, k.publicKey);
  signer = await OpenPgpSigner.create([
    await openpgp.decryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: k.privateKey }), passphrase: 'pw' }),
  ]);
});

function rpmkeys(withKey: boolean, args: string[]) {
  const db = mkdtempSync(join(work, 'db-'));
  if (withKey) {
    const imp = spawnSync('rpmkeys', ['--dbpath', db, '--import', publicFile], { encoding: 'utf8' });
    expect(imp.status, imp.stderr).toBe(0);
  }
  return spawnSync('rpmkeys', ['--dbpath', db, ...args], { encoding: 'utf8' });
}

describe('generated keys and rpm', () => {
  it('rpmkeys --import accepts an expiring generated key, and gpg reads the same expiry', async () => {
    rpmkeys(true, ['--version']);
    const key = await openpgp.readKey({ armoredKey: readFileSync(publicFile, 'utf8') });
    expect(await key.getExpirationTime()).toBeInstanceOf(Date);
    // gpg reads the same expiry (so the self-signature still verifies after the bit was cleared).
    const show = spawnSync('gpg', ['--homedir', mkdtempSync(join(work, 'gpg-')), '--with-colons', '--show-keys', publicFile], {
      encoding: 'utf8',
    });
    const pubLine = show.stdout
      .split('\n')
      .find((l) => l.startsWith('pub:'))!
      .split(':');
    expect(Number(pubLine[6])).toBe(Math.floor(((await key.getExpirationTime()) as Date).getTime() / 1000));
  });

  it('a package signed with it passes rpmkeys --checksig and pkgtrack verify; a corrupted one fails both', async () => {
    const f = join(work, basename(rpms[0]!));
    copyFileSync(rpms[0]!, f);
    await signRpmFile(f, signer);
    const ok = rpmkeys(true, ['--checksig', '-v', f]);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    const good = await verifyPath({ path: f, keyrings: [publicFile] });
    expect(good.problems).toEqual([]);
    expect(good.signers).toEqual([signer.fingerprints[0]]);

    const bytes = readFileSync(f);
    bytes.fill(0, bytes.length - 64, bytes.length - 32); // a few bytes of payload zeroed
    writeFileSync(f, bytes);
    const bad = rpmkeys(true, ['--checksig', f]);
    expect(bad.status).not.toBe(0);
    const ours = await verifyPath({ path: f, keyrings: [publicFile] });
    expect(ours.ok).toBe(false);
    expect(ours.problems.map((p) => p.code)).toContain('RPM_DIGEST_MISMATCH');
  });
});
