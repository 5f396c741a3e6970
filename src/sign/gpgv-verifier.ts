/**
 * Verifier over gpgv and a keyring file: how apt checks an archive it did not sign itself
 * (Debian's InRelease against debian-archive-keyring). The signed text is what gpgv writes with
 * --output, so only bytes gpgv vouched for are ever read.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envError } from '../core/errors.js';
import { run } from '../core/exec.js';
import type { Verifier } from './verifier.js';
import type { InReleaseResult, SignatureResult, VerifyProblem } from './verify.js';

export class GpgvVerifier implements Verifier {
  readonly name = 'gpgv';

  /** `keyring`: armored or binary public keys; `missingFix`: what to say when it cannot be read. */
  constructor(
    private readonly keyring: string,
    private readonly missingFix = 'Check the keyring path.',
  ) {}

  async cleartext(file: string, bytes: Uint8Array): Promise<InReleaseResult> {
    return this.withGpgv(async (dir, ring) => {
      const signed = join(dir, 'signed');
      const out = join(dir, 'text');
      await writeFile(signed, bytes);
      const r = await this.gpgv(dir, ring, ['--output', out, signed]);
      if (!r.ok) return { file, signers: [], problems: [this.problem(file, r.stderr)] };
      return { file, signers: r.signers, problems: [], text: await readFile(out, 'utf8') };
    });
  }

  async detached(file: string, signature: Uint8Array, _dataFile: string, data: Uint8Array): Promise<SignatureResult> {
    return this.withGpgv(async (dir, ring) => {
      await writeFile(join(dir, 'sig'), signature);
      await writeFile(join(dir, 'data'), data);
      const r = await this.gpgv(dir, ring, [join(dir, 'sig'), join(dir, 'data')]);
      return r.ok ? { file, signers: r.signers, problems: [] } : { file, signers: [], problems: [this.problem(file, r.stderr)] };
    });
  }

  private problem(file: string, stderr: string): VerifyProblem {
    const why = stderr.trim().split('\n').slice(-2).join(' ');
    return { file, code: 'SIG_BAD', severity: 'error', message: `not signed by a key in ${this.keyring}: ${why}` };
  }

  private async gpgv(dir: string, ring: string, args: string[]): Promise<{ ok: boolean; signers: string[]; stderr: string }> {
    const r = await run('gpgv', ['--homedir', dir, '--status-fd', '1', '--keyring', ring, ...args], { check: false });
    // apt's rule: a good signature by an expired or revoked key is worthless (gpgv still says
    // VALIDSIG for it, and may exit 0).
    const worthless = new Set([...r.stdout.matchAll(/^\[GNUPG:\] (?:EXPKEYSIG|REVKEYSIG) ([0-9A-F]{16})/gm)].map((m) => m[1]!));
    const signers = [...r.stdout.matchAll(/^\[GNUPG:\] VALIDSIG ([0-9A-F]{40})/gm)]
      .map((m) => m[1]!)
      .filter((f) => !worthless.has(f.slice(-16)));
    const stderr = worthless.size
      ? `${r.stderr}\nsigned by an expired or revoked key (${[...worthless].join(', ')}): apt refuses it`
      : r.stderr;
    return { ok: r.code === 0 && signers.length > 0, signers, stderr };
  }

  /** A scratch gpg home and the keyring as gpgv wants it (binary: armored keys are dearmored). */
  private async withGpgv<T>(fn: (dir: string, ring: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'pkgtrack-gpgv-'));
    try {
      const keyBytes = await readFile(this.keyring).catch(() => {
        throw envError('KEYRING_MISSING', `keyring ${this.keyring} cannot be read`, this.missingFix, { file: this.keyring });
      });
      let ring = this.keyring;
      if (Buffer.from(keyBytes.subarray(0, 40)).toString('latin1').includes('-----BEGIN PGP')) {
        ring = join(dir, 'keyring.gpg');
        await run('gpg', ['--batch', '--homedir', dir, '--dearmor', '--output', ring, this.keyring], { what: 'gpg --dearmor' });
      }
      return await fn(dir, ring);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
