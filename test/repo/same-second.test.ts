/**
 * Two publishes whose Release is byte for byte the same (same second, same indexes; Ed25519
 * signatures are deterministic) name the same generation directory. The second takes it again:
 * a file there that was changed in place (a hand edit, a damaged disk) must be written again,
 * not trusted because its name is there. Seen as a rare failure of apt-many.test.ts's --rebuild
 * step, whose three publishes can fall within one second.
 */
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { publish } from '../../src/services/publish/publish.js';
import { ed25519Key, gpgv } from '../sign/helpers.js';
import { buildDeb } from './apt-helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('a publish that names an existing generation again', () => {
  it('writes again the index files there that no longer hold what their names say', async () => {
    const key = await ed25519Key();
    // One second for both publishes, signatures included (openpgp.js dates them with the clock):
    // an hour ahead, so the key made just now is valid then.
    const second = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
    vi.useFakeTimers({ toFake: ['Date'], now: second });
    process.env.PKGTRACK_KEY_PASSPHRASE = key.passphrase;
    const work = await mkdtemp(join(tmpdir(), 'pkgtrack-same-second-'));
    const deb = buildDeb(work, 'samesec', '1.0-1');
    const out = join(work, 'out');
    const now = () => new Date();
    const req = { inputs: [deb], suite: 'bookworm', output: out, keyFiles: [key.privateFile], progress: silentProgress, now };
    await publish(req);
    const suite = join(out, 'apt/dists/bookworm');
    const packages = join(suite, 'main/binary-amd64/Packages');
    const good = readFileSync(packages, 'utf8');
    const sha = createHash('sha256').update(good).digest('hex');
    const byHash = join(suite, 'main/binary-amd64/by-hash/SHA256', sha);
    const generation = realpathSync(suite);
    // Changed in place: the by-hash name shares the file (one inode), so it changes too.
    writeFileSync(packages, good.replace('Description: ', 'Description: TAMPERED '));
    expect(readFileSync(byHash, 'utf8')).toContain('TAMPERED');

    const again = await publish({ ...req, rebuild: true });
    expect(again.reports[0]!.noChange).toBeFalsy();
    expect(realpathSync(suite)).toBe(generation); // the same generation: same Release, same name
    expect(readFileSync(packages, 'utf8')).toBe(good);
    expect(readFileSync(byHash, 'utf8')).toBe(good);
    expect((await gpgv(key.keyringFile, [join(suite, 'InRelease')])).code).toBe(0);
  });
});
