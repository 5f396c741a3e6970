/**
 * `pkgtrack key rotate`: replacing the signing key without breaking a single client.
 *
 * 1. start: generate the new key, add it to signing.extraKeys (same passphrase as the old one);
 *    from now on every InRelease/Release.gpg/repomd.xml.asc carries both signatures and Release
 *    lists both fingerprints in Signed-By. Publish the new public key (both keys in one file).
 * 2. window: users pick up the new key; clients holding old Release files see them expire.
 * 3. finish (after the window): the new key becomes signing.key, the old one is dropped.
 */
import { keyRotationsTable, type RotationRow } from '../../state/tables.js';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseDocument } from 'yaml';
import { conflictError, inputError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { loadRecipesRepository, type RecipesRepository } from '../../recipe/load.js';
import { type KeyType, readPrivateKey, unlockKey } from '../../sign/keys.js';
import { releaseSignedBy } from '../../formats/user-files.js';
import { StateStore } from '../../state/store.js';
import { passphraseSourceOf, readPassphrase, signingKeyFiles, signingNotConfigured } from '../shared/signer.js';
import { generateKeyFiles, type GeneratedKey } from './files.js';

/** Shortest overlap: long enough for users to install the new key and for old Releases to expire. */
export const MIN_ROTATION_DAYS = 30;
export const rotationDays = (recipesRepo: RecipesRepository) => Math.max(MIN_ROTATION_DAYS, 2 * recipesRepo.config.validDays);

export interface RotationStep {
  step: string;
  done: boolean;
  detail: string;
}

export interface RotationStatus {
  phase: 'single-key' | 'window' | 'ready-to-finish';
  keys: Array<{ fingerprint: string; file: string; role: 'signing.key' | 'signing.extraKeys' }>;
  /** The Release `Signed-By:` value publish writes now. */
  signedBy: string;
  startedAt?: string;
  /** When the old key can go (end of the overlap window). */
  canRetireAt?: string;
  steps: RotationStep[];
}

async function fingerprintOf(file: string): Promise<string> {
  return (await readPrivateKey(await readFile(file), file)).getFingerprint().toUpperCase();
}

function openRotation(root: string): RotationRow | undefined {
  const store = StateStore.open(root);
  try {
    return keyRotationsTable(store).open();
  } finally {
    store.close();
  }
}

export async function rotationStatus(recipesRepo: RecipesRepository, now = new Date()): Promise<RotationStatus> {
  const files = signingKeyFiles(recipesRepo);
  if (files.length === 0) throw signingNotConfigured(recipesRepo);
  const keys = await Promise.all(
    files.map(async (file, i) => ({
      file,
      fingerprint: await fingerprintOf(file),
      role: i === 0 ? ('signing.key' as const) : ('signing.extraKeys' as const),
    })),
  );
  const signedBy = releaseSignedBy(keys.map((k) => k.fingerprint));
  const row = openRotation(recipesRepo.root);
  if (keys.length === 1 || !row) {
    return {
      phase: keys.length === 1 ? 'single-key' : 'window',
      keys,
      signedBy,
      steps: [
        {
          step: 'start',
          done: keys.length > 1,
          detail:
            keys.length > 1
              ? 'several keys sign already (extraKeys set by hand); run `pkgtrack key rotate --start` only for a new rotation'
              : 'run `pkgtrack key rotate --start` to generate the new key and sign with both',
        },
      ],
    };
  }
  const canRetire = new Date(Date.parse(row.started_at) + rotationDays(recipesRepo) * 86_400_000);
  const ready = now >= canRetire;
  return {
    phase: ready ? 'ready-to-finish' : 'window',
    keys,
    signedBy,
    startedAt: row.started_at,
    canRetireAt: canRetire.toISOString(),
    steps: [
      { step: 'start', done: true, detail: `new key ${row.new_fingerprint} added to signing.extraKeys on ${row.started_at.slice(0, 10)}` },
      { step: 'sign with both', done: true, detail: `every publish signs with both keys; Release carries Signed-By: ${signedBy}` },
      {
        step: 'publish the new public key',
        done: false,
        detail: 'run `pkgtrack key export > <name>-archive-keyring.asc` (both keys) and publish it; tell users to refresh their keyring',
      },
      {
        step: 'finish',
        done: false,
        detail: ready
          ? 'the window is over: run `pkgtrack key rotate --finish`'
          : `wait until ${canRetire.toISOString().slice(0, 10)} (${rotationDays(recipesRepo)} days: 2 × validDays, at least ${MIN_ROTATION_DAYS}), then run \`pkgtrack key rotate --finish\``,
      },
    ],
  };
}

async function editSigning(
  recipesRepo: RecipesRepository,
  edit: (signing: { key: string; extraKeys: string[] }) => { key: string; extraKeys: string[] },
): Promise<void> {
  const text = await readFile(recipesRepo.configFile, 'utf8');
  const doc = parseDocument(text);
  const s = recipesRepo.config.signing!;
  const next = edit({ key: s.key, extraKeys: [...s.extraKeys] });
  doc.setIn(['signing', 'key'], next.key);
  doc.setIn(['signing', 'extraKeys'], next.extraKeys);
  await writeFileAtomic(recipesRepo.configFile, doc.toString());
}

export interface StartRotationRequest {
  out: string;
  type: KeyType;
  expires: string;
  name: string;
  email?: string;
  passphraseFd?: number;
}

/** Step 1: a new key, encrypted with the passphrase of the current one, signing alongside it. */
export async function startRotation(
  recipesRepo: RecipesRepository,
  req: StartRotationRequest,
): Promise<{ generated: GeneratedKey; status: RotationStatus }> {
  const files = signingKeyFiles(recipesRepo);
  if (files.length === 0)
    throw inputError('SIGN_NOT_CONFIGURED', 'no signing key to rotate from', 'Generate one with `pkgtrack key generate`.', {
      file: recipesRepo.configFile,
    });
  if (files.length > 1 || openRotation(recipesRepo.root)) {
    throw conflictError(
      'ROTATION_IN_PROGRESS',
      'a rotation is already under way (signing.extraKeys is set)',
      'Check `pkgtrack key rotate`; finish it before starting another.',
    );
  }
  const src = passphraseSourceOf(recipesRepo, req.passphraseFd);
  const passphrase = await readPassphrase(src);
  const oldFile = files[0]!;
  const old = await unlockKey(await readPrivateKey(await readFile(oldFile), oldFile), passphrase, oldFile);
  const generated = await generateKeyFiles({
    out: req.out,
    type: req.type,
    expires: req.expires,
    name: req.name,
    ...(req.email ? { email: req.email } : {}),
    // The same passphrase source: one passphrase unlocks every configured key.
    passphrase: src,
  });
  const rel = relative(recipesRepo.root, generated.privateFile);
  await editSigning(recipesRepo, (s) => ({ key: s.key, extraKeys: [...s.extraKeys, rel] }));
  const store = StateStore.open(recipesRepo.root);
  try {
    keyRotationsTable(store).start(old.getFingerprint().toUpperCase(), generated.fingerprint, rel);
  } finally {
    store.close();
  }
  return { generated, status: await rotationStatus(await loadRecipesRepository(recipesRepo.root)) };
}

/** Step 3: the new key becomes signing.key; the old one stops signing. */
export async function finishRotation(
  recipesRepo: RecipesRepository,
  opts: { force?: boolean; now?: Date } = {},
): Promise<{ retired: string; current: string }> {
  const status = await rotationStatus(recipesRepo, opts.now);
  const row = openRotation(recipesRepo.root);
  if (!row) throw inputError('ROTATION_NOT_STARTED', 'no rotation is under way', 'Start one with `pkgtrack key rotate --start`.');
  if (status.phase !== 'ready-to-finish' && !opts.force) {
    throw conflictError(
      'ROTATION_TOO_EARLY',
      `the old key must keep signing until ${status.canRetireAt?.slice(0, 10)}: clients that have not picked up the new key would fail`,
      'Wait, or pass --force if every client already trusts the new key.',
    );
  }
  await editSigning(recipesRepo, (s) => ({ key: row.new_key_file, extraKeys: s.extraKeys.filter((k) => k !== row.new_key_file) }));
  const store = StateStore.open(recipesRepo.root);
  try {
    keyRotationsTable(store).finish(row.new_fingerprint);
  } finally {
    store.close();
  }
  return { retired: row.old_fingerprint, current: row.new_fingerprint };
}
