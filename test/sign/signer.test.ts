/**
 * Every kind of signature OpenPgpSigner makes, checked by the verifiers the clients use: gpgv
 * (apt), sqv and sq (Sequoia, apt's newer verifier). Cleartext edge cases must verify AND give
 * back exactly the text that was signed.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCleartextStrict } from '../../src/sign/cleartext.js';
import { OpenPgpSigner } from '../../src/sign/openpgp-signer.js';
import { ed25519Key, gpgv, keyringOf, rsa4096Key, sqv, sqVerifyInline, type TestKey } from './helpers.js';

let ed: TestKey;
let rsa: TestKey;
let work: string;

beforeAll(async () => {
  [ed, rsa] = await Promise.all([ed25519Key(), rsa4096Key()]);
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-sign-'));
});

const RELEASE = `Origin: pkgtrack test
Label: pkgtrack test
Suite: stable
Codename: bookworm
Date: Sat, 21 Nov 2026 12:00:00 +0000
Architectures: amd64
Components: main
SHA256:
 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855        0 main/binary-amd64/Packages
`;

const EDGE_CASES: Record<string, string> = {
  'release file': RELEASE,
  'trailing spaces and tabs': 'Origin: x   \nLabel: y\t\n \n',
  CRLF: 'Origin: x\r\nLabel: y\r\n',
  'lines starting with dashes': '-----BEGIN PGP SIGNATURE-----\n- dash\n--\n-\nnormal\n',
  'non-ASCII': 'Description: Ünïcödé ✓ 日本語\n',
  'empty lines': '\n\nOrigin: x\n\n\nLabel: y\n\n',
  'no trailing newline': 'Origin: x\nLabel: y',
  'single line': 'x',
  'From line': 'From the start\n',
};

async function write(name: string, data: string | Uint8Array): Promise<string> {
  const f = join(work, name);
  await writeFile(f, data);
  return f;
}

describe.each([
  ['Ed25519', () => ed],
  ['RSA-4096', () => rsa],
])('%s key', (_label, key) => {
  it.each(Object.entries(EDGE_CASES))('clearsign %s: gpgv and sq verify, and the signed text is the input', async (name, text) => {
    const k = key();
    const signed = await k.signer.clearsign(text);
    const file = await write(`InRelease-${_label}-${name.replace(/\W/g, '_')}`, signed);

    // gpgv writes the signed text as a file: always newline-terminated (GnuPG's convention),
    // and without the trailing blanks the signature does not cover (RFC 9580 §7.2).
    const asFile = (text.endsWith('\n') ? text : `${text}\n`).replace(/[ \t]+(?=\r?\n)/g, '');
    const g = await gpgv(k.keyringFile, ['--output', '-', file]);
    expect(g.stderr).toContain('Good signature');
    expect(g.code).toBe(0);
    expect(g.stdoutBytes.toString('utf8')).toBe(asFile);

    const s = await sqVerifyInline(k.publicFile, file);
    expect(s.stderr).toMatch(/Good signature/i);
    expect(s.code).toBe(0);
    expect(s.stdoutBytes.toString('utf8')).toBe(asFile);

    // Our own strict parser gives back the input byte for byte (blanks included).
    const parsed = parseCleartextStrict(signed);
    expect(parsed.ok && parsed.value.fileText).toBe(text.endsWith('\n') ? text : `${text}\n`);
  });

  it('detached armored signature (Release.gpg, repomd.xml.asc) verifies with gpgv and sqv', async () => {
    const k = key();
    const data = new TextEncoder().encode(RELEASE);
    const sig = await k.signer.detachSign(data);
    expect(sig.startsWith('-----BEGIN PGP SIGNATURE-----\n')).toBe(true);
    expect(sig.trimEnd().endsWith('-----END PGP SIGNATURE-----')).toBe(true);
    const dataFile = await write(`Release-${_label}`, data);
    const sigFile = await write(`Release-${_label}.gpg`, sig);
    const g = await gpgv(k.keyringFile, [sigFile, dataFile]);
    expect(g.stderr).toContain('Good signature');
    expect(g.code).toBe(0);
    const s = await sqv(k.keyringFile, sigFile, dataFile);
    expect(s.stderr + s.stdout).toContain(k.fingerprint);
    expect(s.code).toBe(0);
  });

  it('detached binary signature is one v4 packet: SHA-256, non-critical issuer and issuer fingerprint, verifiable', async () => {
    const k = key();
    const data = new Uint8Array([0, 1, 2, 3, 255, 254]);
    const bin = await k.signer.detachSignBinary(data);
    const dataFile = await write(`hdr-${_label}`, data);
    const sigFile = await write(`hdr-${_label}.sig`, bin);
    expect((await gpgv(k.keyringFile, [sigFile, dataFile])).code).toBe(0);
    expect((await sqv(k.keyringFile, sigFile, dataFile)).code).toBe(0);

    const sig = await openpgp.readSignature({ binarySignature: bin });
    expect(sig.packets).toHaveLength(1);
    const p = sig.packets[0]!;
    expect(p.version).toBe(4);
    // RSA: SHA-256 as rpmsign writes; EdDSA: SHA-512, the hash Ed25519 itself is built on.
    expect(p.hashAlgorithm).toBe(
      p.publicKeyAlgorithm === openpgp.enums.publicKey.rsaEncryptSign ? openpgp.enums.hash.sha256 : openpgp.enums.hash.sha512,
    );
    expect([openpgp.enums.publicKey.rsaEncryptSign, openpgp.enums.publicKey.eddsaLegacy]).toContain(p.publicKeyAlgorithm);
    // Walk the hashed subpackets by hand: type byte's high bit is the critical flag.
    const crit = criticalSubpackets(bin);
    expect(crit.issuer).toBe(false);
    expect(crit.issuerFingerprint).toBe(false);
  });
});

it('several keys sign at once: one armor block, both signatures verify, sqv -n 2 agrees', async () => {
  const both = await OpenPgpSigner.create([...(await unlockedKeys(ed)), ...(await unlockedKeys(rsa))]);
  expect(both.fingerprints).toEqual([ed.fingerprint, rsa.fingerprint]);
  const keyring = await keyringOf([ed, rsa], work);
  const signed = await both.clearsign(RELEASE);
  expect(signed.match(/BEGIN PGP SIGNATURE/g)).toHaveLength(1);
  const f = await write('InRelease-two', signed);
  const g = await gpgv(keyring, ['--output', '-', f]);
  expect(g.code).toBe(0);
  expect(g.stderr.match(/Good signature/g)).toHaveLength(2);
  expect(g.stdoutBytes.toString()).toBe(RELEASE);

  const data = new TextEncoder().encode(RELEASE);
  const dataFile = await write('Release-two', data);
  const sigFile = await write('Release-two.gpg', await both.detachSign(data));
  expect((await sqv(keyring, sigFile, dataFile, 2)).code).toBe(0);
  // Only one of the two keys known: gpgv reports the good one and the missing key (apt accepts
  // on one good signature from a trusted key), sqv -n 1 accepts, sqv -n 2 does not.
  const one = await gpgv(ed.keyringFile, [sigFile, dataFile]);
  expect(one.stderr).toContain('Good signature');
  expect(one.stderr).toMatch(/No public key/);
  expect((await sqv(ed.keyringFile, sigFile, dataFile, 1)).code).toBe(0);
  expect((await sqv(ed.keyringFile, sigFile, dataFile, 2)).code).not.toBe(0);
});

async function unlockedKeys(k: TestKey) {
  const { readFile } = await import('node:fs/promises');
  const priv = await openpgp.readPrivateKey({ armoredKey: await readFile(k.privateFile, 'utf8') });
  return [await openpgp.decryptKey({ privateKey: priv, passphrase: k.passphrase })];
}

/** Critical flags of the issuer (16) and issuer fingerprint (33) subpackets of a v4 signature packet. */
function criticalSubpackets(bin: Uint8Array): { issuer?: boolean; issuerFingerprint?: boolean } {
  let pos = 0;
  const tag = bin[pos++]!;
  // New or old format header; only lengths matter to skip it.
  if (tag & 0x40) {
    const l = bin[pos++]!;
    if (l >= 192 && l < 224) pos++;
    else if (l === 255) pos += 4;
  } else {
    const lt = tag & 3;
    pos += lt === 0 ? 1 : lt === 1 ? 2 : 4;
  }
  pos += 4; // version, type, pk algo, hash algo
  const out: { issuer?: boolean; issuerFingerprint?: boolean } = {};
  for (const area of [0, 1]) {
    const len = (bin[pos]! << 8) | bin[pos + 1]!;
    pos += 2;
    const end = pos + len;
    while (pos < end) {
      let l = bin[pos++]!;
      if (l >= 192 && l < 255) l = ((l - 192) << 8) + bin[pos++]! + 192;
      else if (l === 255) {
        l = (bin[pos]! << 24) | (bin[pos + 1]! << 16) | (bin[pos + 2]! << 8) | bin[pos + 3]!;
        pos += 4;
      }
      const type = bin[pos]!;
      const critical = (type & 0x80) !== 0;
      if ((type & 0x7f) === 16) out.issuer = out.issuer || critical;
      if ((type & 0x7f) === 33) out.issuerFingerprint = out.issuerFingerprint || critical;
      pos += l;
    }
    void area;
  }
  return out;
}
