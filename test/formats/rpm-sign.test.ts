/**
 * RPM header signatures made natively, checked by rpm itself: `rpmkeys --checksig` after
 * `rpmkeys --import` into a throwaway --dbpath accepts them (RSA-4096 and Ed25519); a signed rpm
 * with a few bytes zeroed (header or payload) fails both rpmkeys and our verifier; the layout is
 * the one rpmsign writes (same size, reserved space shrunk).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRpmHeaders } from '../../src/formats/rpm/package.js';
import { SigTag } from '../../src/formats/rpm/tags.js';
import { signRpmFile, verifyRpmBytes } from '../../src/sign/rpm-sign.js';
import { corpusRpms } from '../repo/yum/corpus.js';
import { ed25519Key, rsa4096Key, type TestKey } from '../sign/helpers.js';

let work: string;
let rpms: string[];
const keys: Record<string, TestKey> = {};

beforeAll(async () => {
  rpms = corpusRpms();
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-rpmsign-'));
  keys.rsa = await rsa4096Key();
  // openpgp.js-made, with an expiry (as `pkgtrack key generate` makes them): rpm must import it.
  keys.ed25519 = await ed25519Key('rpm signer');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** rpmkeys with its own database holding only `key` (none: an empty database). */
function rpmkeys(key: TestKey | undefined, args: string[]) {
  const db = mkdtempSync(join(work, 'db-'));
  if (key) execFileSync('rpmkeys', ['--dbpath', db, '--import', key.publicFile]);
  return spawnSync('rpmkeys', ['--dbpath', db, ...args], { encoding: 'utf8' });
}

function signedCopy(src: string, tag: string): string {
  const dest = join(work, `${tag}-${basename(src)}`);
  copyFileSync(src, dest);
  return dest;
}

describe('rpm header signatures', () => {
  for (const kind of ['rsa', 'ed25519'] as const) {
    it(`${kind}: rpmkeys --checksig accepts our signature; our verifier agrees`, async () => {
      const sample = rpms.filter((_, i) => i % 60 === 0);
      for (const src of sample) {
        const f = signedCopy(src, kind);
        const before = readFileSync(f);
        const r = await signRpmFile(f, keys[kind]!.signer);
        expect(r.tag).toBe(kind === 'rsa' ? SigTag.RSA : SigTag.DSA);
        const after = readFileSync(f);
        // As rpmsign: same size, main header and payload untouched.
        expect(r.inPlace).toBe(true);
        expect(after.length).toBe(before.length);
        const lb = readRpmHeaders(before).layout;
        expect(Buffer.compare(after.subarray(lb.headerStart), before.subarray(lb.headerStart))).toBe(0);
        const ok = rpmkeys(keys[kind], ['--checksig', '-v', f]);
        expect(ok.status, ok.stdout + ok.stderr).toBe(0);
        expect(ok.stdout).toMatch(/Header V4 (RSA|EdDSA)\/SHA(256|384|512) Signature, key ID [0-9a-f]+: OK/);
        // Without the key rpm must not call it good.
        const nokey = rpmkeys(undefined, ['--checksig', f]);
        expect(nokey.status, nokey.stdout).not.toBe(0);
        const ours = await verifyRpmBytes(after, readFileSync(keys[kind]!.publicFile, 'utf8'), f);
        expect(ours.problems).toEqual([]);
        expect(ours.ok).toBe(true);
      }
    });
  }

  it('re-signing replaces the signature (one signature, still valid)', async () => {
    const f = signedCopy(rpms[3]!, 'resign');
    await signRpmFile(f, keys.rsa!.signer);
    await signRpmFile(f, keys.ed25519!.signer);
    const { signature } = readRpmHeaders(readFileSync(f));
    expect(signature.byTag.has(SigTag.RSA)).toBe(false);
    expect(signature.byTag.has(SigTag.DSA)).toBe(true);
    expect(rpmkeys(keys.ed25519, ['--checksig', f]).status).toBe(0);
  });

  it('a signed rpm with a few bytes zeroed fails rpmkeys and our verifier (header and payload)', async () => {
    const f = signedCopy(rpms[7]!, 'zero');
    await signRpmFile(f, keys.rsa!.signer);
    const good = readFileSync(f);
    const { layout } = readRpmHeaders(good);
    const spots = {
      header: layout.headerStart + Math.floor((layout.headerEnd - layout.headerStart) / 2),
      payload: layout.headerEnd + Math.floor((good.length - layout.headerEnd) / 2),
    };
    for (const [where, at] of Object.entries(spots)) {
      const bad = Buffer.from(good);
      bad.fill(0, at, at + 4);
      expect(Buffer.compare(bad, good), where).not.toBe(0);
      const t = join(work, `zeroed-${where}.rpm`);
      writeFileSync(t, bad);
      const r = rpmkeys(keys.rsa, ['--checksig', t]);
      expect(r.status, `${where}: ${r.stdout}`).not.toBe(0);
      const ours = await verifyRpmBytes(bad, readFileSync(keys.rsa!.publicFile, 'utf8'), t);
      expect(ours.ok, where).toBe(false);
      expect(ours.problems.length, where).toBeGreaterThan(0);
    }
  });

  it('a signature by another key is not accepted', async () => {
    const f = signedCopy(rpms[9]!, 'other');
    await signRpmFile(f, keys.ed25519!.signer);
    expect(rpmkeys(keys.rsa, ['--checksig', f]).status).not.toBe(0);
    const ours = await verifyRpmBytes(readFileSync(f), readFileSync(keys.rsa!.publicFile, 'utf8'), f);
    expect(ours.ok).toBe(false);
  });
});
