/**
 * The native signature fast path agrees with openpgp.js (and so with rpmkeys, tested elsewhere):
 * true for good RSA-4096 and Ed25519 header signatures, false for a flipped header byte, a
 * damaged signature, another key's signature and a missing key.
 */
import { readFileSync } from 'node:fs';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRpmHeaders } from '../../../src/formats/rpm/package.js';
import { headerSignature } from '../../../src/formats/rpm/signature.js';
import { nativeKeys, verifiesNatively } from '../../../src/repo/yum/fast-verify.js';
import { signRpmBytes } from '../../../src/sign/rpm-sign.js';
import { ed25519Key, rsa4096Key, type TestKey } from '../../sign/helpers.js';
import { corpusRpms } from './corpus.js';

let rpms: string[];
let keys: TestKey[];
const pub = async (k: TestKey) => openpgp.readKeys({ armoredKeys: readFileSync(k.publicFile, 'utf8') });

beforeAll(async () => {
  rpms = corpusRpms().filter((_, i) => i % 50 === 0);
  keys = [await rsa4096Key(), await ed25519Key('fast verify')];
});

async function openpgpSays(data: Uint8Array, packet: Uint8Array, k: openpgp.Key[]): Promise<boolean> {
  const r = await openpgp.verify({
    message: await openpgp.createMessage({ binary: data }),
    signature: await openpgp.readSignature({ binarySignature: packet }),
    verificationKeys: k,
    format: 'binary',
  });
  try {
    await r.signatures[0]!.verified;
    return true;
  } catch {
    return false;
  }
}

describe('native OpenPGP header signature check', () => {
  it('agrees with openpgp.js on good and bad signatures', async () => {
    let checked = 0;
    for (const k of keys) {
      const own = await pub(k);
      const other = await pub(keys.find((x) => x !== k)!);
      for (const f of rpms) {
        const signed = (await signRpmBytes(readFileSync(f), k.signer)).bytes;
        const { layout } = readRpmHeaders(signed);
        const header = signed.subarray(layout.headerStart, layout.headerEnd);
        const packet = headerSignature(signed)!.packet;
        const flipped = Buffer.from(header);
        flipped[flipped.length >> 1]! ^= 1;
        const badSig = Buffer.from(packet);
        badSig[badSig.length - 3]! ^= 0x55;
        const cases: Array<[Uint8Array, Uint8Array, openpgp.Key[]]> = [
          [header, packet, own],
          [flipped, packet, own],
          [header, badSig, own],
          [header, packet, other],
        ];
        for (const [d, p, ks] of cases) {
          const want = await openpgpSays(d, p, ks);
          expect(verifiesNatively(d, p, nativeKeys(ks)), `${k.signer.keys[0]!.algorithm}`).toBe(want);
          checked++;
        }
        expect(verifiesNatively(header, packet, nativeKeys(own))).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('accepts an RSA signature whose MPI lost a leading zero byte (1 in 256 signatures)', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'rsa', rsaBits: 2048, userIDs: [{ name: 't' }], format: 'object' });
    const keys = nativeKeys([publicKey]);
    for (let i = 0; i < 5000; i++) {
      const data = Buffer.from(`data ${i}`);
      const packet = (await openpgp.sign({
        message: await openpgp.createMessage({ binary: data }),
        signingKeys: privateKey,
        detached: true,
        format: 'binary',
      })) as Uint8Array;
      // The packet ends with the signature MPI: a short one is a bit count of 2033..2040 and 255 bytes.
      const shortBits = (packet[packet.length - 257]! << 8) | packet[packet.length - 256]!;
      if (shortBits < 2033 || shortBits > 2040) continue; // 256 bytes: the common case
      expect(await openpgpSays(data, packet, [publicKey])).toBe(true);
      expect(verifiesNatively(data, packet, keys)).toBe(true);
      return;
    }
    throw new Error('no short signature in 5000 tries (expected one in ~256)');
  }, 120_000);
});
