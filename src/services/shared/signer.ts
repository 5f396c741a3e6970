/**
 * Loading signing keys: files, passphrases (environment variable, file or descriptor, never
 * argv), policy, and the Signer that repository writers use.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { envError, inputError, notFound, type PkgtrackError } from '../../core/errors.js';
import { registerSecret } from '../../core/secrets.js';
import type { RecipesRepository } from '../../recipe/load.js';
import { DeferredSigner } from '../../sign/deferred-signer.js';
import type { OpenPgpSigner } from '../../sign/openpgp-signer.js';
import type { Signer } from '../../sign/signer.js';
import type { KeyFile } from '../../sign/unlock.js';

export const DEFAULT_PASSPHRASE_ENV = 'PKGTRACK_KEY_PASSPHRASE';

/** Where the passphrase comes from. At most one source is used, in the order fd, file, env. */
export interface PassphraseSource {
  /** An inherited file descriptor to read the passphrase from (`--passphrase-fd N`). */
  fd?: number;
  /** A file whose first line is the passphrase. */
  file?: string;
  /** Name of an environment variable holding the passphrase. */
  env?: string;
}

/** First line of `text`, without its line ending: passphrase files usually end in "\n". */
function firstLine(text: string): string {
  const nl = text.search(/\r?\n/);
  return nl === -1 ? text : text.slice(0, nl);
}

const fdCache = new Map<number, string>();

/** Read the passphrase; `undefined` when no source holds one. Registers it with redact(). */
export async function readPassphrase(src: PassphraseSource): Promise<string | undefined> {
  let value: string | undefined;
  if (src.fd !== undefined) {
    // A descriptor can be read once; remember it for the other keys of the same run.
    if (!fdCache.has(src.fd)) {
      try {
        // Read the descriptor itself (works for files, pipes and sockets alike) up to EOF.
        fdCache.set(src.fd, firstLine(readFileSync(src.fd, 'utf8')));
      } catch (e) {
        throw envError(
          'PASSPHRASE_FD_UNREADABLE',
          `cannot read the passphrase from file descriptor ${src.fd}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
          'Open the descriptor for reading, e.g. `pkgtrack ... --passphrase-fd 3 3<passphrase.txt`.',
        );
      }
    }
    value = fdCache.get(src.fd);
  } else if (src.file !== undefined) {
    try {
      value = firstLine(await readFile(src.file, 'utf8'));
    } catch (e) {
      throw notFound(
        'PASSPHRASE_FILE_UNREADABLE',
        `cannot read passphrase file ${src.file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        'Check signing.passphraseFile in pkgtrack.yaml.',
        {
          file: src.file,
        },
      );
    }
  } else {
    const v = process.env[src.env ?? DEFAULT_PASSPHRASE_ENV];
    value = v === undefined || v === '' ? undefined : v;
  }
  registerSecret(value);
  return value;
}

export interface LoadSignerOptions {
  /** Private key files; the first is the main key, the others sign along (rotation window). */
  keyFiles: readonly string[];
  /** The passphrase (one for all keys) or where to read it. */
  passphrase?: string | PassphraseSource;
  /** Check the policy at this time (tests); default now. */
  now?: Date;
}

/** The key files' bytes, and the passphrase; a missing file is KEY_FILE_MISSING. */
async function readKeyFiles(opts: LoadSignerOptions): Promise<{ files: KeyFile[]; passphrase: string | undefined }> {
  if (opts.keyFiles.length === 0)
    throw inputError('SIGN_NO_KEYS', 'no signing key configured', 'Set signing.key in pkgtrack.yaml (see `pkgtrack key generate`).');
  const passphrase =
    typeof opts.passphrase === 'string' || opts.passphrase === undefined ? opts.passphrase : await readPassphrase(opts.passphrase);
  if (typeof opts.passphrase === 'string') registerSecret(opts.passphrase);
  const files = await Promise.all(
    opts.keyFiles.map(async (file) => ({
      file,
      data: await readFile(file).catch((e: NodeJS.ErrnoException) => {
        throw notFound(
          'KEY_FILE_MISSING',
          `cannot read signing key ${file}: ${e.code ?? e.message}`,
          'Check signing.key / signing.extraKeys, or create a key with `pkgtrack key generate`.',
          { file },
        );
      }),
    })),
  );
  return { files, passphrase };
}

/** Read, policy-check and unlock every key file, and build the Signer. */
export async function loadSigner(opts: LoadSignerOptions): Promise<OpenPgpSigner> {
  const { files, passphrase } = await readKeyFiles(opts);
  // openpgp.js is loaded here, not at start-up: a publish starts its reader threads first.
  const { unlockSigner } = await import('../../sign/unlock.js');
  return unlockSigner(files, passphrase, opts.now);
}

/**
 * The Signer for a change to a repository: the key files and the passphrase are read now (a
 * missing one fails at once); openpgp.js loads and the keys unlock when the caller first awaits
 * `ready()` or signs (sign/deferred-signer.ts), where a wrong passphrase then fails the change
 * before anything goes live.
 */
export async function startSigner(opts: LoadSignerOptions): Promise<Signer> {
  const { files, passphrase } = await readKeyFiles(opts);
  return new DeferredSigner(async () => (await import('../../sign/unlock.js')).unlockSigner(files, passphrase, opts.now));
}

export interface RepositorySigningOptions {
  /** `--passphrase-fd N`, which wins over the configured sources. */
  passphraseFd?: number;
  now?: Date;
}

/** `loadSigner`'s options for the keys pkgtrack.yaml `signing` names. */
export function repositorySigning(recipesRepo: RecipesRepository, opts: RepositorySigningOptions = {}): LoadSignerOptions {
  if (!recipesRepo.config.signing) throw signingNotConfigured(recipesRepo);
  return {
    keyFiles: signingKeyFiles(recipesRepo),
    passphrase: passphraseSourceOf(recipesRepo, opts.passphraseFd),
    ...(opts.now ? { now: opts.now } : {}),
  };
}

/** Key files named by pkgtrack.yaml `signing`, absolute. */
export function signingKeyFiles(recipesRepo: RecipesRepository): string[] {
  const s = recipesRepo.config.signing;
  if (!s) return [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(join(recipesRepo.root, p)));
  return [abs(s.key), ...s.extraKeys.map(abs)];
}

/** Where pkgtrack.yaml says the passphrase is, unless `--passphrase-fd` was given. */
export function passphraseSourceOf(recipesRepo: RecipesRepository, fd?: number): PassphraseSource {
  if (fd !== undefined) return { fd };
  const s = recipesRepo.config.signing;
  if (s?.passphraseFile) return { file: isAbsolute(s.passphraseFile) ? s.passphraseFile : join(recipesRepo.root, s.passphraseFile) };
  return { env: s?.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV };
}

/** pkgtrack.yaml has no `signing` section: one error, one fix, wherever a key is needed. */
export function signingNotConfigured(recipesRepo: RecipesRepository): PkgtrackError {
  return inputError(
    'SIGN_NOT_CONFIGURED',
    `${recipesRepo.configFile} has no signing section`,
    'Run `pkgtrack key generate` (it writes keys/signing.key) and add `signing: { key: keys/signing.key }` to pkgtrack.yaml.',
    { file: recipesRepo.configFile, field: 'signing' },
  );
}

/** The Signer configured by pkgtrack.yaml `signing` (main key plus `extraKeys`). */
export async function signerFromRepository(recipesRepo: RecipesRepository, opts: RepositorySigningOptions = {}): Promise<OpenPgpSigner> {
  return loadSigner(repositorySigning(recipesRepo, opts));
}
