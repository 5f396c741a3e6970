/** Exported public keys must be readable by GnuPG (which dnf uses), not only by apt. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { armorPublicKeys } from '../../src/sign/keys.js';

describe('armored public keys', () => {
  it('carry the checksum line and every one of many keys reads with gpg --show-keys', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-armor-'));
    for (let i = 0; i < 12; i++) {
      const { privateKey } = await openpgp.generateKey({
        type: 'ecc',
        curve: 'ed25519Legacy',
        userIDs: [{ name: `k${i}`, email: `k${i}@example.org` }],
        format: 'object',
      });
      const armored = armorPublicKeys([privateKey]);
      expect(armored).toMatch(/^=[A-Za-z0-9+/]{4}$/m);
      const file = join(dir, `k${i}.asc`);
      writeFileSync(file, armored);
      const r = spawnSync('gpg', ['--batch', '--homedir', dir, '--show-keys', file], { encoding: 'utf8' });
      expect(r.status, `key ${i}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(privateKey.getFingerprint().toUpperCase());
    }
  });
});
