/**
 * `pkgtrack key generate|import|export|info`: key files on disk, passphrases from a descriptor,
 * file or environment variable (never argv), policy on everything that comes in.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as openpgp from 'openpgp';
import { inputError, conflictError, notFound } from '../../core/errors.js';
import { exists, writeFileAtomic } from '../../core/fsutil.js';
import type { RecipesRepository } from '../../recipe/load.js';
import { resolveTarget } from '../../recipe/targets.js';
import { armorPublicKeys, enforcePolicy, generateSigningKey, type KeyType, readKeys, unlockKey } from '../../sign/keys.js';
import { checkKeyPolicy, daysToExpiry, EXPIRY_WARNING_DAYS, type KeyFacts, keyFacts, type PolicyViolation } from '../../sign/policy.js';
import { debSources, releaseSignedBy, yumRepoFile, yumRepoId } from '../../formats/user-files.js';
import { DEFAULT_PASSPHRASE_ENV, type PassphraseSource, readPassphrase, signingKeyFiles } from '../shared/signer.js';
import { keyHref } from '../site/gather.js';

/** "2y", "18m", "90d", "never" → seconds (0 = never). */
export function parseExpiry(s: string): number {
  if (s === 'never') return 0;
  const m = /^(\d+)([ymd])$/.exec(s.trim());
  if (!m || Number(m[1]) === 0) {
    throw inputError(
      'KEY_BAD_EXPIRY',
      `cannot read expiry "${s}"`,
      'Write a number and a unit: 2y, 18m, 90d (or "never", not recommended).',
      { field: 'expires' },
    );
  }
  const n = Number(m[1]);
  const days = m[2] === 'y' ? n * 365 : m[2] === 'm' ? n * 30 : n;
  return days * 86_400;
}

/** keys/signing.key → keys/signing.pub.asc (also for .asc, .sec.asc, .gpg names). */
export function publicPathFor(privateFile: string): string {
  const base = basename(privateFile).replace(/(\.sec)?\.(key|asc|gpg|pgp)$/, '');
  return join(dirname(privateFile), `${base}.pub.asc`);
}
export function revocationPathFor(privateFile: string): string {
  const base = basename(privateFile).replace(/(\.sec)?\.(key|asc|gpg|pgp)$/, '');
  return join(dirname(privateFile), `${base}.rev.asc`);
}

async function requirePassphrase(src: PassphraseSource, what: string): Promise<string> {
  const p = await readPassphrase(src);
  if (p === undefined || p === '') {
    throw inputError(
      'KEY_PASSPHRASE_MISSING',
      `${what} needs a passphrase and none was given`,
      `Export ${src.env ?? DEFAULT_PASSPHRASE_ENV}, or pass --passphrase-file FILE or --passphrase-fd N (never on the command line).`,
    );
  }
  return p;
}

export interface GenerateKeyRequest {
  out: string;
  type: KeyType;
  expires: string;
  name: string;
  email?: string;
  passphrase: PassphraseSource;
  force?: boolean;
}

export interface GeneratedKey {
  fingerprint: string;
  type: KeyType;
  privateFile: string;
  publicFile: string;
  revocationFile: string;
  expires: string | null;
}

export async function generateKeyFiles(req: GenerateKeyRequest): Promise<GeneratedKey> {
  const privateFile = resolve(req.out);
  const publicFile = publicPathFor(privateFile);
  const revocationFile = revocationPathFor(privateFile);
  if (!req.force) {
    for (const f of [privateFile, publicFile]) {
      if (await exists(f))
        throw conflictError(
          'KEY_FILE_EXISTS',
          `${f} already exists`,
          'Choose another --out, or pass --force to replace it (the old key is lost).',
          { file: f },
        );
    }
  }
  const expiresInSeconds = parseExpiry(req.expires);
  const passphrase = await requirePassphrase(req.passphrase, 'the new private key');
  const k = await generateSigningKey({
    type: req.type,
    name: req.name,
    ...(req.email ? { email: req.email } : {}),
    expiresInSeconds,
    passphrase,
  });
  await enforcePolicy(await openpgp.readKey({ armoredKey: k.publicKey }), privateFile, { isNew: true });
  // Public first: a crash leaves no private key without its public half.
  await writeFileAtomic(publicFile, k.publicKey, 0o644);
  await writeFileAtomic(revocationFile, k.revocationCertificate, 0o600);
  await writeFileAtomic(privateFile, k.privateKey, 0o600);
  return {
    fingerprint: k.fingerprint,
    type: req.type,
    privateFile,
    publicFile,
    revocationFile,
    expires: expiresInSeconds ? new Date(Date.now() + expiresInSeconds * 1000).toISOString() : null,
  };
}

export interface ImportKeyRequest {
  file: string;
  out: string;
  passphrase: PassphraseSource;
  /** Accept RSA-2048 (an existing key users already trust); new keys need 3072+. */
  existing?: boolean;
  force?: boolean;
}

/** Import a private key: policy-checked, stored encrypted (encrypting it if it was not). */
export async function importKeyFile(req: ImportKeyRequest): Promise<GeneratedKey & { encryptedNow: boolean }> {
  const data = await readFile(req.file).catch((e: NodeJS.ErrnoException) => {
    throw notFound(
      'KEY_FILE_MISSING',
      `cannot read ${req.file}: ${e.code ?? e.message}`,
      'Pass the path of an exported private key (gpg --export-secret-keys --armor).',
      { file: req.file },
    );
  });
  const keys = await readKeys(data, req.file);
  const priv = keys.filter((k): k is openpgp.PrivateKey => k.isPrivate());
  if (priv.length !== 1) {
    throw inputError(
      'KEY_IMPORT_NOT_ONE_PRIVATE',
      `${req.file} holds ${priv.length} private keys; import needs exactly one`,
      'Export one secret key: gpg --armor --export-secret-keys FINGERPRINT > key.asc',
      { file: req.file },
    );
  }
  const key = priv[0]!;
  await enforcePolicy(key, req.file, { isNew: !req.existing });
  const passphrase = await requirePassphrase(req.passphrase, `importing ${req.file}`);
  const privateFile = resolve(req.out);
  const publicFile = publicPathFor(privateFile);
  if (!req.force && (await exists(privateFile)))
    throw conflictError('KEY_FILE_EXISTS', `${privateFile} already exists`, 'Choose another --out or pass --force.', { file: privateFile });
  let armored: string;
  let encryptedNow = false;
  if (key.isDecrypted()) {
    armored = (await openpgp.encryptKey({ privateKey: key, passphrase })).armor();
    encryptedNow = true;
  } else {
    await unlockKey(key, passphrase, req.file); // proves the passphrase we will sign with works
    armored = key.armor();
  }
  await writeFileAtomic(publicFile, key.toPublic().armor(), 0o644);
  await writeFileAtomic(privateFile, armored, 0o600);
  const facts = await keyFacts(key);
  const algo = facts.algorithm.startsWith('rsa') ? 'rsa4096' : 'ed25519';
  return { fingerprint: facts.fingerprint, type: algo, privateFile, publicFile, revocationFile: '', expires: facts.expires, encryptedNow };
}

export interface KeyInfo extends KeyFacts {
  file: string;
  role: 'signing.key' | 'signing.extraKeys' | 'file';
  private: boolean;
  daysToExpiry: number | null;
  expiresSoon: boolean;
  violations: PolicyViolation[];
}

/** Facts, policy verdict and expiry of the keys in `files` (no passphrase needed). */
export async function describeKeyFiles(
  files: ReadonlyArray<{ file: string; role: KeyInfo['role'] }>,
  now = new Date(),
): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for (const { file, role } of files) {
    const data = await readKeyFile(file);
    for (const key of await readKeys(data, file)) {
      const facts = await keyFacts(key);
      const days = daysToExpiry(facts, now);
      out.push({
        ...facts,
        file,
        role,
        private: key.isPrivate(),
        daysToExpiry: days,
        expiresSoon: days !== null && days >= 0 && days <= EXPIRY_WARNING_DAYS,
        violations: await checkKeyPolicy(key, { now }),
      });
    }
  }
  return out;
}

/** A configured key file's bytes; KEY_FILE_MISSING naming the settings when it cannot be read. */
function readKeyFile(file: string): Promise<Buffer> {
  return readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw notFound(
      'KEY_FILE_MISSING',
      `cannot read ${file}: ${e.code ?? e.message}`,
      'Check signing.key / signing.extraKeys in pkgtrack.yaml.',
      {
        file,
      },
    );
  });
}

export function repositoryKeyFiles(recipesRepo: RecipesRepository): Array<{ file: string; role: KeyInfo['role'] }> {
  return signingKeyFiles(recipesRepo).map((file, i) => ({ file, role: i === 0 ? 'signing.key' : 'signing.extraKeys' }));
}

/** Public keys of the configured signing keys (read from the private key files, no passphrase). */
export async function repositoryPublicKeys(recipesRepo: RecipesRepository): Promise<openpgp.PublicKey[]> {
  const out: openpgp.PublicKey[] = [];
  for (const { file } of repositoryKeyFiles(recipesRepo)) {
    const data = await readKeyFile(file);
    for (const k of await readKeys(data, file)) out.push(k.toPublic());
  }
  return out;
}

export type ExportFormat = 'armored' | 'sources' | 'repo' | 'signed-by';

export interface ExportRequest {
  format: ExportFormat;
  /** Base URL of the published repository (default: pkgtrack.yaml `url`). */
  url?: string;
  /** Where users will find the armored key, for `.repo` gpgkey= (default: <url>/<name>-archive-keyring.asc). */
  keyUrl?: string;
}

/** The public key(s) in the form users install. Several during a rotation window. */
export async function exportKeys(
  recipesRepo: RecipesRepository,
  req: ExportRequest,
): Promise<{ format: ExportFormat; fingerprints: string[]; text: string }> {
  const keys = await repositoryPublicKeys(recipesRepo);
  const fingerprints = keys.map((k) => k.getFingerprint().toUpperCase());
  const armored = armorPublicKeys(keys);
  if (req.format === 'armored') return { format: req.format, fingerprints, text: armored };
  if (req.format === 'signed-by') return { format: req.format, fingerprints, text: `${releaseSignedBy(fingerprints)}\n` };
  const url = req.url ?? recipesRepo.config.url;
  if (!url) {
    throw inputError(
      'EXPORT_NO_URL',
      `${req.format} snippets need the public URL of the repository`,
      'Set `url:` in pkgtrack.yaml or pass --url.',
      { file: recipesRepo.configFile, field: 'url' },
    );
  }
  const targets = recipesRepo.config.targets
    .map((t) => (typeof t === 'string' ? resolveTarget(t) : resolveTarget(t.id, t)))
    .filter((t) => t !== undefined);
  if (req.format === 'sources') {
    const suites = targets
      .filter((t) => t.format === 'deb')
      .map((t) => `${t.publishPath}${recipesRepo.config.channels.stable.suiteSuffix}`);
    if (suites.length === 0)
      throw inputError('EXPORT_NO_DEB_TARGETS', 'no deb targets in pkgtrack.yaml', 'Add e.g. debian:bookworm to targets.', {
        file: recipesRepo.configFile,
        field: 'targets',
      });
    const text = debSources({
      // The output holds apt/ and yum/ side by side (see repo/registry.ts).
      uri: `${url.replace(/\/$/, '')}/apt`,
      suites,
      components: recipesRepo.config.components,
      architectures: recipesRepo.config.architectures,
      signedBy: { kind: 'embedded', armoredKey: armored },
    });
    return { format: req.format, fingerprints, text };
  }
  const rpm = targets.filter((t) => t.format === 'rpm');
  if (rpm.length === 0)
    throw inputError('EXPORT_NO_RPM_TARGETS', 'no rpm targets in pkgtrack.yaml', 'Add e.g. fedora:41 to targets.', {
      file: recipesRepo.configFile,
      field: 'targets',
    });
  const keyUrl = req.keyUrl ?? `${url.replace(/\/$/, '')}/${keyHref(recipesRepo.config.name)}`;
  const text = rpm
    .map((t) =>
      yumRepoFile({
        id: yumRepoId(recipesRepo.config.name, t.publishPath),
        name: `${recipesRepo.config.label} (${t.id})`,
        baseurl: `${url.replace(/\/$/, '')}/yum/${t.publishPath}`,
        gpgkeys: [keyUrl],
      }),
    )
    .join('\n');
  return { format: req.format, fingerprints, text };
}
