/**
 * The signer a publish uses unlocks its keys when first needed (sign/deferred-signer.ts): while
 * xz compresses, not before the suite is read. Its key facts are refused before `ready()`, an
 * unlock error reaches every caller as the same typed error, and the rotation rule for rpm
 * (one header signature, the first key's) holds through the clock check's wrapper.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { signAfter } from '../../src/services/publish/clock.js';
import { publish } from '../../src/services/publish/publish.js';
import { loadSigner, startSigner } from '../../src/services/shared/signer.js';
import { rpmSignerOf } from '../../src/repo/yum/rpm-signing.js';
import { DeferredSigner } from '../../src/sign/deferred-signer.js';
import type { Signer } from '../../src/sign/signer.js';
import { buildDeb } from '../repo/apt-helpers.js';
import { ed25519Key, gpgv } from './helpers.js';

const saved = process.env.PKGTRACK_KEY_PASSPHRASE;
afterEach(() => {
  if (saved === undefined) delete process.env.PKGTRACK_KEY_PASSPHRASE;
  else process.env.PKGTRACK_KEY_PASSPHRASE = saved;
});

describe('DeferredSigner', () => {
  it('unlocks once, on the first ready() or signature; refuses its key facts before', async () => {
    const key = await ed25519Key();
    let unlocks = 0;
    const s = new DeferredSigner(async () => {
      unlocks++;
      return key.signer;
    });
    expect(unlocks).toBe(0);
    expect(() => s.fingerprints).toThrow(expect.objectContaining({ code: 'SIGN_NOT_READY' }));
    expect(() => s.publicKeysArmored()).toThrow(expect.objectContaining({ code: 'SIGN_NOT_READY' }));
    const sig = await s.detachSign(Buffer.from('Origin: test\n'));
    await Promise.all([s.ready(), s.ready()]);
    expect(unlocks).toBe(1);
    expect(s.fingerprints).toEqual([key.fingerprint]);
    expect(s.keyExpiry()?.getTime()).toBe(key.signer.keyExpiry()?.getTime());
    expect(s.publicKeysArmored()).toBe(key.signer.publicKeysArmored());
    expect(sig).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
  });

  it("gives the unlock's typed error to ready() and to every signature", async () => {
    const s = await startSigner({ keyFiles: [(await ed25519Key()).privateFile], passphrase: 'not-the-passphrase' });
    await expect(s.ready!()).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    await expect(s.clearsign('Origin: test\n')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
  });

  it('fails at once on a key file that is not there, before anything unlocks', async () => {
    await expect(startSigner({ keyFiles: ['/nonexistent/signing.key'], passphrase: 'x' })).rejects.toMatchObject({
      code: 'KEY_FILE_MISSING',
    });
  });

  it('signs rpm headers with the first key of two, also behind the clock check', async () => {
    const [a, b] = [await ed25519Key('A'), await ed25519Key('B')];
    const both = await loadSigner({ keyFiles: [a.privateFile, b.privateFile], passphrase: a.passphrase });
    for (const signer of [both, new DeferredSigner(async () => both)] as Signer[]) {
      await signer.ready?.();
      const wrapped = signAfter(signer, Promise.resolve());
      expect(wrapped.fingerprints).toEqual([a.fingerprint, b.fingerprint]);
      expect(rpmSignerOf(wrapped).fingerprints).toEqual([a.fingerprint]);
    }
  });
});

describe('publish with key files', () => {
  it('signs with the key unlocked on the way (gpgv verifies the InRelease naming it)', async () => {
    const key = await ed25519Key();
    const work = await mkdtemp(join(tmpdir(), 'pkgtrack-deferred-'));
    process.env.PKGTRACK_KEY_PASSPHRASE = key.passphrase;
    const deb = buildDeb(work, 'deferred', '1.0-1');
    const out = join(work, 'out');
    const r = await publish({ inputs: [deb], suite: 'bookworm', output: out, keyFiles: [key.privateFile], progress: silentProgress });
    expect(r.reports[0]!.added.map((p) => p.name)).toEqual(['deferred']);
    const inRelease = join(out, 'apt/dists/bookworm/InRelease');
    expect((await gpgv(key.keyringFile, [inRelease])).code).toBe(0);
    expect(await readFile(inRelease, 'utf8')).toContain(`Signed-By: ${key.fingerprint}`);
  });

  it('a wrong passphrase fails it with KEY_PASSPHRASE_WRONG: nothing goes live, nothing is placed in the pool', async () => {
    const key = await ed25519Key();
    const work = await mkdtemp(join(tmpdir(), 'pkgtrack-deferred-'));
    process.env.PKGTRACK_KEY_PASSPHRASE = 'not-the-passphrase';
    const deb = buildDeb(work, 'deferred', '1.0-1');
    const out = join(work, 'out');
    await expect(
      publish({ inputs: [deb], suite: 'bookworm', output: out, keyFiles: [key.privateFile], progress: silentProgress }),
    ).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    expect(await readdir(join(out, 'apt/dists')).catch(() => [])).toEqual([]);
    // The pool goes in place while xz runs only once the keys unlocked: none of it here.
    expect(await readdir(join(out, 'apt/pool')).catch(() => [])).toEqual([]);
  });
});
