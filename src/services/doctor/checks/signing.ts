/**
 * Signing: the configured keys exist and are readable, the passphrase is available and unlocks
 * them, the key policy accepts them, and nothing expires within 30 days.
 */
import { readFile } from 'node:fs/promises';
import { isPkgtrackError } from '../../../core/errors.js';
import { readPrivateKey, unlockKey } from '../../../sign/keys.js';
import { EXPIRY_WARNING_DAYS, GOOD_KEY_FIX } from '../../../sign/policy.js';
import { passphraseSourceOf, readPassphrase } from '../../shared/signer.js';
import { describeKeyFiles, repositoryKeyFiles } from '../../key/files.js';
import type { DoctorCheck, Finding } from '../types.js';

export const signingChecks: DoctorCheck[] = [
  {
    id: 'signing',
    title: 'Signing keys',
    async run(ctx) {
      const recipesRepo = ctx.recipesRepo;
      if (!recipesRepo) return [{ id: 'signing.key', status: 'skip', message: 'not inside a recipes repository' }];
      if (!recipesRepo.config.signing) {
        return [
          {
            id: 'signing.key',
            status: 'warn',
            message: 'no signing key configured: published repositories would be unsigned, and apt and dnf refuse them',
            fix: 'Run `pkgtrack key generate --out keys/signing.key` and add `signing: { key: keys/signing.key }` to pkgtrack.yaml.',
          },
        ];
      }
      const findings: Finding[] = [];
      const files = repositoryKeyFiles(recipesRepo);
      const src = passphraseSourceOf(recipesRepo);
      let passphrase: string | undefined;
      try {
        passphrase = await readPassphrase(src);
      } catch (e) {
        findings.push({
          id: 'signing.passphrase',
          status: 'error',
          message: isPkgtrackError(e) ? e.message : String(e),
          fix: isPkgtrackError(e) ? (e.fix ?? '') : '',
        });
      }
      const where = src.file ? `file ${src.file}` : `environment variable ${src.env}`;
      if (passphrase === undefined && findings.length === 0) {
        findings.push({
          id: 'signing.passphrase',
          status: 'warn',
          message: `no passphrase in ${where}: publishing cannot sign`,
          fix: `Set ${src.env ?? 'the passphrase file'} in the environment that publishes (CI secret), or signing.passphraseFile.`,
        });
      }
      for (const { file, role } of files) {
        let infos: Awaited<ReturnType<typeof describeKeyFiles>>;
        try {
          infos = await describeKeyFiles([{ file, role }]);
        } catch (e) {
          findings.push({
            id: `signing.key.${role}`,
            status: 'error',
            message: isPkgtrackError(e) ? e.message : `cannot read ${file}: ${(e as Error).message}`,
            fix: isPkgtrackError(e) && e.fix ? e.fix : 'Check signing.key in pkgtrack.yaml.',
            details: { file },
          });
          continue;
        }
        for (const k of infos) {
          const base = { details: { file, fingerprint: k.fingerprint, expires: k.expires, daysToExpiry: k.daysToExpiry } };
          if (k.violations.length) {
            findings.push({
              id: `signing.policy.${k.fingerprint}`,
              status: 'error',
              message: `key ${k.fingerprint} (${file}) is refused: ${k.violations.map((v) => `${v.component}: ${v.message}`).join('; ')}`,
              fix: GOOD_KEY_FIX,
              ...base,
            });
          } else if (k.expiresSoon) {
            findings.push({
              id: `signing.expiry.${k.fingerprint}`,
              status: 'warn',
              message: `key ${k.fingerprint} expires in ${k.daysToExpiry} days (${k.expires?.slice(0, 10)}); clients stop accepting signatures then`,
              fix: `Start a rotation now (\`pkgtrack key rotate --start\`), or extend the expiry; warned ${EXPIRY_WARNING_DAYS} days ahead.`,
              ...base,
            });
          } else {
            findings.push({
              id: `signing.policy.${k.fingerprint}`,
              status: 'ok',
              message: `key ${k.fingerprint} ok${k.expires ? `, expires ${k.expires.slice(0, 10)}` : ', no expiry'}`,
              ...base,
            });
          }
          if (!k.private) {
            findings.push({
              id: `signing.private.${k.fingerprint}`,
              status: 'error',
              message: `${file} holds only the public key`,
              fix: 'Point signing.key at the private key file.',
              ...base,
            });
          }
        }
        if (passphrase !== undefined) {
          try {
            await unlockKey(await readPrivateKey(await readFile(file), file), passphrase, file);
            findings.push({ id: `signing.unlock.${role}`, status: 'ok', message: `passphrase unlocks ${file}` });
          } catch (e) {
            findings.push({
              id: `signing.unlock.${role}`,
              status: 'error',
              message: isPkgtrackError(e) ? e.message : String(e),
              fix: isPkgtrackError(e) && e.fix ? e.fix : 'Check the passphrase.',
              details: { file },
            });
          }
        }
      }
      return findings;
    },
  },
];
