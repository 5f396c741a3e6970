/** The Verifier port: openpgp.js and gpgv agree on what pkgtrack signs, and both refuse a tampering. */
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { GpgvVerifier } from '../../src/sign/gpgv-verifier.js';
import { problemSummary, type Verifier, verified } from '../../src/sign/verifier.js';
import { OpenPgpVerifier } from '../../src/sign/verify.js';
import { ed25519Key, type TestKey } from './helpers.js';

const RELEASE = 'Origin: test\nLabel: test\nSuite: stable\nDate: Fri, 04 Dec 2026 12:00:00 UTC\n';

let key: TestKey;
let other: TestKey;
let verifiers: Array<[string, Verifier]>;

beforeAll(async () => {
  key = await ed25519Key('Repository Key');
  other = await ed25519Key('Someone Else');
  const pub = await openpgp.readKey({ armoredKey: await readFile(key.publicFile, 'utf8') });
  verifiers = [
    ['openpgp.js', new OpenPgpVerifier([pub])],
    ['gpgv (binary keyring)', new GpgvVerifier(key.keyringFile)],
    ['gpgv (armored key)', new GpgvVerifier(key.publicFile)],
  ];
});

describe('Verifier implementations', () => {
  it('accept a clearsigned Release and a detached signature by the key, naming its fingerprint and the signed text', async () => {
    const inRelease = Buffer.from(await key.signer.clearsign(RELEASE));
    const gpg = Buffer.from(await key.signer.detachSign(Buffer.from(RELEASE)));
    for (const [name, v] of verifiers) {
      const c = await v.cleartext('InRelease', inRelease);
      expect(verified(c), `${name}: ${problemSummary(c)}`).toBe(true);
      expect(c.signers, name).toEqual([key.fingerprint]);
      expect(c.text, name).toBe(RELEASE);
      const d = await v.detached('Release.gpg', gpg, 'Release', Buffer.from(RELEASE));
      expect(verified(d), `${name}: ${problemSummary(d)}`).toBe(true);
    }
  });

  it('refuse a changed text and a signature by another key', async () => {
    const tampered = Buffer.from((await key.signer.clearsign(RELEASE)).replace('Suite: stable', 'Suite: stablf'));
    const foreign = Buffer.from(await other.signer.detachSign(Buffer.from(RELEASE)));
    for (const [name, v] of verifiers) {
      const c = await v.cleartext('InRelease', tampered);
      expect(verified(c), name).toBe(false);
      expect(
        c.problems.some((p) => p.severity === 'error'),
        name,
      ).toBe(true);
      expect(verified(await v.detached('Release.gpg', foreign, 'Release', Buffer.from(RELEASE))), name).toBe(false);
    }
  });

  it('gpgv: a keyring that cannot be read is KEYRING_MISSING with the fix given', async () => {
    const v = new GpgvVerifier('/nonexistent/keyring.gpg', 'apt-get install debian-archive-keyring');
    const e = await v.cleartext('InRelease', Buffer.from('x')).catch((x: unknown) => x);
    expect(isPkgtrackError(e) && e.code).toBe('KEYRING_MISSING');
    expect(isPkgtrackError(e) && e.fix).toBe('apt-get install debian-archive-keyring');
  });
});
