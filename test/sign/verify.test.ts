/**
 * Tampered signed files (shared/reference/hostile-inputs.md) are caught by our verification and
 * the outcome is compared with gpgv, the verifier apt runs.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { verifyDetachedArmored, verifyInRelease } from '../../src/sign/verify.js';
import { ed25519Key, FIXTURE_PASSPHRASE, FIXTURES, gpgv, type TestKey } from './helpers.js';

let k: TestKey;
let other: TestKey;
let pub: openpgp.PublicKey[];
let work: string;
const enc = (s: string) => new TextEncoder().encode(s);

const RELEASE = 'Origin: test\nLabel: test\nSuite: stable\nSHA256:\n 0000 0 main/binary-amd64/Packages\n';
const REPOMD = '<?xml version="1.0" encoding="UTF-8"?>\n<repomd><revision>1</revision></repomd>\n';

beforeAll(async () => {
  [k, other] = await Promise.all([ed25519Key('Repo Key'), ed25519Key('Other Key')]);
  pub = [await openpgp.readKey({ armoredKey: await readFile(k.publicFile, 'utf8') })];
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-verify-'));
});

async function put(name: string, data: string | Uint8Array) {
  const f = join(work, name);
  await writeFile(f, data);
  return f;
}
const codes = (r: { problems: Array<{ code: string; severity: string }> }) =>
  r.problems.filter((p) => p.severity === 'error').map((p) => p.code);

describe('InRelease', () => {
  it('a good InRelease and matching Release pass', async () => {
    const inrel = await k.signer.clearsign(RELEASE);
    const r = await verifyInRelease('InRelease', enc(inrel), pub, { release: { file: 'Release', bytes: enc(RELEASE) } });
    expect(r.problems).toEqual([]);
    expect(r.signers).toEqual([k.fingerprint]);
  });

  it('unsigned text appended after the signature: we refuse; gpgv passes it but authenticates only the signed text', async () => {
    const inrel = `${await k.signer.clearsign(RELEASE)}Suite: evil\n`;
    const r = await verifyInRelease('InRelease', enc(inrel), pub);
    expect(codes(r)).toEqual(['CLEARTEXT_TEXT_AFTER']);
    expect(r.problems[0]!.line).toBeGreaterThan(5);
    const f = await put('InRelease-appended', inrel);
    const g = await gpgv(k.keyringFile, ['--output', '-', f]);
    // gpgv exits 0 here; what it vouches for is the signed text only, never "Suite: evil". A
    // client reading the file itself would see the appended line: hence the strict check.
    expect(g.stdoutBytes.toString()).toBe(RELEASE);
  });

  it('text before the BEGIN line is refused', async () => {
    const inrel = `Suite: evil\n${await k.signer.clearsign(RELEASE)}`;
    const r = await verifyInRelease('InRelease', enc(inrel), pub);
    expect(codes(r)).toEqual(['CLEARTEXT_TEXT_BEFORE']);
  });

  it('an unescaped "-" line inserted in the text is refused by us and fails gpgv', async () => {
    const inrel = (await k.signer.clearsign(RELEASE)).replace('Suite: stable\n', 'Suite: stable\n-Injected: yes\n');
    const r = await verifyInRelease('InRelease', enc(inrel), pub);
    expect(codes(r)).toEqual(['CLEARTEXT_NOT_DASH_ESCAPED']);
    const g = await gpgv(k.keyringFile, [await put('InRelease-dash', inrel)]);
    expect(g.code).not.toBe(0);
  });

  it('a modified signed line is a BAD signature for us and for gpgv', async () => {
    const inrel = (await k.signer.clearsign(RELEASE)).replace('Suite: stable', 'Suite: stabl3');
    const r = await verifyInRelease('InRelease', enc(inrel), pub);
    expect(codes(r)).toEqual(['SIG_BAD']);
    const g = await gpgv(k.keyringFile, [await put('InRelease-mod', inrel)]);
    expect(g.stderr).toMatch(/BAD signature/);
    expect(g.code).not.toBe(0);
  });

  it('Release differing from the signed text is reported with the line', async () => {
    const inrel = await k.signer.clearsign(RELEASE);
    const r = await verifyInRelease('InRelease', enc(inrel), pub, {
      release: { file: 'Release', bytes: enc(RELEASE.replace('Suite: stable', 'Suite: other')) },
    });
    expect(codes(r)).toEqual(['RELEASE_DIFFERS']);
    expect(r.problems[0]!.line).toBe(3);
  });

  it('a signature from an unknown key is not a good signature', async () => {
    const inrel = await other.signer.clearsign(RELEASE);
    const r = await verifyInRelease('InRelease', enc(inrel), pub);
    expect(codes(r)).toEqual(['SIG_UNKNOWN_KEY', 'SIG_NO_GOOD']);
    const g = await gpgv(k.keyringFile, [await put('InRelease-other', inrel)]);
    expect(g.code).not.toBe(0);
  });
});

describe('detached signatures', () => {
  it('Release.gpg over Release passes', async () => {
    const sig = await k.signer.detachSign(enc(RELEASE));
    const r = await verifyDetachedArmored('Release.gpg', enc(sig), 'Release', enc(RELEASE), pub);
    expect(r.problems).toEqual([]);
  });

  it('text appended to Release.gpg is refused', async () => {
    const sig = `${await k.signer.detachSign(enc(RELEASE))}Suite: evil\n`;
    const r = await verifyDetachedArmored('Release.gpg', enc(sig), 'Release', enc(RELEASE), pub);
    expect(codes(r)).toEqual(['SIG_TEXT_AFTER']);
  });

  it('a Release.gpg carrying a signed payload is refused by us, and gpgv does not accept it as a signature of Release', async () => {
    // An inline-signed message over other text: gpgv would happily verify its embedded payload.
    const priv = await openpgp.decryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: await readFile(k.privateFile, 'utf8') }),
      passphrase: k.passphrase,
    });
    const evil = await openpgp.sign({ message: await openpgp.createMessage({ binary: enc('Suite: evil\n') }), signingKeys: priv });
    const armored = (evil as string).replace('BEGIN PGP MESSAGE', 'BEGIN PGP SIGNATURE').replace('END PGP MESSAGE', 'END PGP SIGNATURE');
    const r = await verifyDetachedArmored('Release.gpg', enc(armored), 'Release', enc(RELEASE), pub);
    expect(codes(r)).toContain('SIG_PAYLOAD');
    const g = await gpgv(k.keyringFile, [await put('Release-payload.gpg', armored), await put('Release-payload', RELEASE)]);
    expect(g.code).not.toBe(0);
  });

  it('a binary Release.gpg is refused (apt wants armor)', async () => {
    const bin = await k.signer.detachSignBinary(enc(RELEASE));
    const r = await verifyDetachedArmored('Release.gpg', bin, 'Release', enc(RELEASE), pub);
    expect(codes(r)).toEqual(['SIG_NOT_ARMORED']);
  });

  it('a stale repomd.xml.asc (from the previous repomd.xml) is caught by us and by gpgv', async () => {
    const oldAsc = await k.signer.detachSign(enc(REPOMD));
    const newRepomd = REPOMD.replace('<revision>1', '<revision>2');
    const r = await verifyDetachedArmored('repomd.xml.asc', enc(oldAsc), 'repomd.xml', enc(newRepomd), pub);
    expect(codes(r)).toEqual(['SIG_BAD']);
    expect(r.problems[0]!.message).toMatch(/stale or modified/);
    const g = await gpgv(k.keyringFile, [await put('repomd.xml.asc', oldAsc), await put('repomd.xml', newRepomd)]);
    expect(g.stderr).toMatch(/BAD signature/);
    expect(g.code).not.toBe(0);
  });

  it('rotation: a required signer that did not sign is reported', async () => {
    const sig = await k.signer.detachSign(enc(RELEASE));
    const r = await verifyDetachedArmored('Release.gpg', enc(sig), 'Release', enc(RELEASE), pub, { requireSigners: [other.fingerprint] });
    expect(codes(r)).toEqual(['SIG_MISSING_SIGNER']);
  });
});

it('trailing blanks in the signed text are a warning on the right line', async () => {
  const inrel = await k.signer.clearsign('Origin: x\nLabel: y  \n');
  const r = await verifyInRelease('InRelease', enc(inrel), pub);
  expect(codes(r)).toEqual([]);
  expect(r.problems).toEqual([expect.objectContaining({ code: 'CLEARTEXT_TRAILING_BLANKS', severity: 'warning', line: 5 })]);
  expect(inrel.split('\n')[4]).toBe('Label: y  ');
});

describe('signatures made by gpg', () => {
  async function gpgSign(args: string[], data: string): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), 'pkgtrack-gpgsign-'));
    await writeFile(join(home, 'gpg.conf'), `pinentry-mode loopback\npassphrase ${FIXTURE_PASSPHRASE}\nbatch\n`);
    try {
      await run('gpg', ['--homedir', home, '--quiet', '--import', join(FIXTURES, 'rsa4096.sec.asc')]);
      await writeFile(join(home, 'data'), data);
      await run('gpg', [
        '--homedir',
        home,
        '--quiet',
        '--armor',
        '--detach-sign',
        ...args,
        '-o',
        join(home, 'data.asc'),
        join(home, 'data'),
      ]);
      return await readFile(join(home, 'data.asc'), 'utf8');
    } finally {
      await run('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { check: false });
    }
  }
  const rsaPub = async () => [await openpgp.readKey({ armoredKey: await readFile(join(FIXTURES, 'rsa4096.pub.asc'), 'utf8') })];

  it('a gpg --textmode detached signature verifies, with a warning about its type', async () => {
    const sig = await gpgSign(['--textmode', '--digest-algo', 'SHA256'], RELEASE);
    const r = await verifyDetachedArmored('Release.gpg', enc(sig), 'Release', enc(RELEASE), await rsaPub());
    expect(codes(r)).toEqual([]);
    expect(r.problems.map((p) => p.code)).toEqual(['SIG_TYPE']);
    expect(r.signers).toHaveLength(1);
  });

  it('a SHA-1 signature is refused (apt >= 1.4 and RHEL 9 refuse it too)', async () => {
    const sig = await gpgSign(['--digest-algo', 'SHA1'], RELEASE);
    const r = await verifyDetachedArmored('Release.gpg', enc(sig), 'Release', enc(RELEASE), await rsaPub());
    expect(codes(r)).toEqual(['SIG_WEAK_HASH']);
  });
});
