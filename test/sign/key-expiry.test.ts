/**
 * #24 item 12: a signing key that expires. openpgp.js accepts a signature made while the key
 * was valid; apt (gpgv's EXPKEYSIG) refuses it once the key has expired, so `verify` must too.
 * And a publish whose Valid-Until outlives the key warns, naming both dates and the fix.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { publish } from '../../src/services/publish/publish.js';
import { GpgvVerifier } from '../../src/sign/gpgv-verifier.js';
import { binaryPublicKeys } from '../../src/sign/keys.js';
import { OpenPgpSigner } from '../../src/sign/openpgp-signer.js';
import { keyExpiresBeforeValidUntil } from '../../src/sign/policy.js';
import { verifyDetachedArmored } from '../../src/sign/verify.js';
import { buildDeb } from '../repo/apt-helpers.js';
import { gpgv } from './helpers.js';

const DAY = 86_400_000;
const RELEASE = new TextEncoder().encode('Origin: test\nSuite: stable\n');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-key-expiry-'));
});

async function keyCreated(at: Date, expiresInSeconds: number) {
  const { privateKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Expiring', email: 'expiring@example.org' }],
    date: at,
    keyExpirationTime: expiresInSeconds,
    format: 'object',
  });
  return privateKey;
}

describe('verifying a signature whose key has expired since', () => {
  it('is SIG_KEY_EXPIRED (as gpgv reports EXPKEYSIG), and passes when checked as of a date the key was valid', async () => {
    const created = new Date(Date.now() - 10 * DAY);
    const key = await keyCreated(created, 86_400); // valid for its first day only
    const signedAt = new Date(created.getTime() + 3_600_000);
    const sig = await openpgp.sign({
      message: await openpgp.createMessage({ binary: RELEASE }),
      signingKeys: key,
      detached: true,
      date: signedAt,
    });
    const pub = key.toPublic();

    const now = await verifyDetachedArmored('Release.gpg', new TextEncoder().encode(sig), 'Release', RELEASE, [pub]);
    expect(now.signers).toEqual([]);
    const expired = now.problems.filter((p) => p.severity === 'error');
    expect(expired.map((p) => p.code)).toEqual(['SIG_KEY_EXPIRED']);
    expect(expired[0]!.message).toContain(new Date(created.getTime() + DAY).toISOString().slice(0, 10));

    const then = await verifyDetachedArmored('Release.gpg', new TextEncoder().encode(sig), 'Release', RELEASE, [pub], {
      date: new Date(signedAt.getTime() + 60_000),
    });
    expect(then.problems).toEqual([]);
    expect(then.signers).toEqual([pub.getFingerprint().toUpperCase()]);

    // What apt sees: gpgv's status line for this signature is EXPKEYSIG, which apt refuses.
    const keyring = join(work, 'expired.gpg');
    await writeFile(keyring, binaryPublicKeys([pub]));
    await writeFile(join(work, 'Release'), RELEASE);
    await writeFile(join(work, 'Release.gpg'), sig);
    const g = await gpgv(keyring, ['--status-fd', '1', join(work, 'Release.gpg'), join(work, 'Release')]);
    expect(g.stdoutBytes.toString()).toMatch(/^\[GNUPG:\] EXPKEYSIG /m);
    // ... and the gpgv-based verifier (archives signed by others) draws apt's conclusion from it.
    const viaGpgv = await new GpgvVerifier(keyring).detached('Release.gpg', new TextEncoder().encode(sig), 'Release', RELEASE);
    expect(viaGpgv.signers).toEqual([]);
    expect(viaGpgv.problems.map((p) => p.code)).toEqual(['SIG_BAD']);
    expect(viaGpgv.problems[0]!.message).toContain('expired or revoked');
  });
});

describe('publishing with a key that expires before Valid-Until', () => {
  it('warns with both dates and the fix; a key that outlives Valid-Until gets no warning', async () => {
    const now = new Date();
    const soon = await OpenPgpSigner.create([await keyCreated(now, 5 * 86_400)]);
    const later = await OpenPgpSigner.create([await keyCreated(now, 100 * 86_400)]);
    expect(soon.keyExpiry()!.getTime()).toBeCloseTo(now.getTime() + 5 * DAY, -4);
    expect(keyExpiresBeforeValidUntil(later.keyExpiry(), 14, now)).toBeUndefined();
    expect(keyExpiresBeforeValidUntil(soon.keyExpiry(), 3, now)).toBeUndefined();

    const deb = buildDeb(work, 'expiry', '1.0-1');
    const warned: string[] = [];
    const progress = { ...silentProgress, warn: (m: string) => warned.push(m) };
    const r = await publish({ inputs: [deb], suite: 'bookworm', output: join(work, 'out'), signer: soon, progress });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain(`expires on ${soon.keyExpiry()!.toISOString().slice(0, 10)}`);
    expect(r.warnings[0]).toContain('pkgtrack key rotate');
    expect(warned).toContain(r.warnings[0]);

    const quiet = await publish({ inputs: [deb], suite: 'bookworm', output: join(work, 'out2'), signer: later, progress: silentProgress });
    expect(quiet.warnings).toEqual([]);
  });
});
