/**
 * One entry point per `key` subcommand: each finds the recipes repository (when
 * there is one), fills in defaults from pkgtrack.yaml and calls the key services.
 */
import { isAbsolute, join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { loadRecipesRepository, type RecipesRepository } from '../../recipe/load.js';
import { openRecipesRepository, optionalRecipesRepository } from '../shared/recipes-repository.js';
import type { KeyType } from '../../sign/keys.js';
import { DEFAULT_PASSPHRASE_ENV, type PassphraseSource, signingNotConfigured } from '../shared/signer.js';
import {
  describeKeyFiles,
  type ExportFormat,
  exportKeys,
  type GeneratedKey,
  generateKeyFiles,
  importKeyFile,
  type KeyInfo,
  repositoryKeyFiles,
} from './files.js';
import { finishRotation, type RotationStatus, rotationStatus, startRotation } from './rotate.js';

export interface PassphraseFlags {
  passphraseFd?: number;
  passphraseFile?: string;
}

function passphraseSource(flags: PassphraseFlags, recipesRepo?: RecipesRepository): PassphraseSource {
  if (flags.passphraseFd !== undefined) return { fd: flags.passphraseFd };
  if (flags.passphraseFile) return { file: flags.passphraseFile };
  const s = recipesRepo?.config.signing;
  if (s?.passphraseFile && recipesRepo)
    return { file: isAbsolute(s.passphraseFile) ? s.passphraseFile : join(recipesRepo.root, s.passphraseFile) };
  return { env: s?.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV };
}

/** "Full Name <email>" → parts. */
function splitMaintainer(m: string): { name: string; email?: string } {
  const r = /^(.*?)\s*<([^>]+)>\s*$/.exec(m);
  return r ? { name: r[1]!, email: r[2]! } : { name: m };
}

export interface KeyGenerateRequest extends PassphraseFlags {
  recipesDir?: string;
  out?: string;
  type: KeyType;
  expires: string;
  name?: string;
  email?: string;
  force?: boolean;
}

export async function keyGenerate(req: KeyGenerateRequest): Promise<GeneratedKey & { configured: boolean }> {
  const recipesRepo = await optionalRecipesRepository(req.recipesDir);
  const who = recipesRepo ? splitMaintainer(recipesRepo.config.maintainer) : undefined;
  const name = req.name ?? (who ? `${recipesRepo!.config.label} archive signing key` : undefined);
  const email = req.email ?? who?.email;
  if (!name) throw inputError('KEY_NO_NAME', 'the key needs a name', 'Pass --name "Example Repository Signing Key" (and --email).');
  const out = req.out ?? (recipesRepo ? join(recipesRepo.root, recipesRepo.config.signing?.key ?? 'keys/signing.key') : undefined);
  if (!out) throw inputError('KEY_NO_OUT', 'where should the key go?', 'Pass --out keys/signing.key.');
  const generated = await generateKeyFiles({
    out,
    type: req.type,
    expires: req.expires,
    name,
    ...(email ? { email } : {}),
    passphrase: passphraseSource(req, recipesRepo),
    ...(req.force ? { force: true } : {}),
  });
  const configured = !!recipesRepo?.config.signing && join(recipesRepo.root, recipesRepo.config.signing.key) === generated.privateFile;
  return { ...generated, configured };
}

export interface KeyImportRequest extends PassphraseFlags {
  recipesDir?: string;
  file: string;
  out?: string;
  existing?: boolean;
  force?: boolean;
}

export async function keyImport(req: KeyImportRequest) {
  const recipesRepo = await optionalRecipesRepository(req.recipesDir);
  const out = req.out ?? (recipesRepo ? join(recipesRepo.root, recipesRepo.config.signing?.key ?? 'keys/signing.key') : undefined);
  if (!out) throw inputError('KEY_NO_OUT', 'where should the imported key go?', 'Pass --out keys/signing.key.');
  return importKeyFile({
    file: req.file,
    out,
    passphrase: passphraseSource(req, recipesRepo),
    ...(req.existing ? { existing: true } : {}),
    ...(req.force ? { force: true } : {}),
  });
}

export async function keyExport(req: { recipesDir?: string; format: ExportFormat; url?: string; keyUrl?: string }) {
  const recipesRepo = await openRecipesRepository(req.recipesDir);
  return exportKeys(recipesRepo, {
    format: req.format,
    ...(req.url ? { url: req.url } : {}),
    ...(req.keyUrl ? { keyUrl: req.keyUrl } : {}),
  });
}

export async function keyInfo(req: { recipesDir?: string; files?: string[] }): Promise<{ keys: KeyInfo[]; ok: boolean }> {
  let files: Array<{ file: string; role: KeyInfo['role'] }>;
  if (req.files?.length) files = req.files.map((file) => ({ file, role: 'file' as const }));
  else {
    const recipesRepo = await openRecipesRepository(req.recipesDir);
    files = repositoryKeyFiles(recipesRepo);
    if (files.length === 0) throw signingNotConfigured(recipesRepo);
  }
  const keys = await describeKeyFiles(files);
  return { keys, ok: keys.every((k) => k.violations.length === 0 && !k.expiresSoon) };
}

export interface KeyRotateRequest extends PassphraseFlags {
  recipesDir?: string;
  start?: boolean;
  finish?: boolean;
  force?: boolean;
  out?: string;
  type: KeyType;
  expires: string;
}

export async function keyRotate(
  req: KeyRotateRequest,
): Promise<{ action: 'status' | 'started' | 'finished'; status: RotationStatus; newKey?: GeneratedKey }> {
  const recipesRepo = await openRecipesRepository(req.recipesDir);
  if (req.start && req.finish)
    throw inputError('USAGE_ROTATE', '--start and --finish exclude each other', 'Run them in turn, the rotation window apart.');
  if (req.start) {
    const who = splitMaintainer(recipesRepo.config.maintainer);
    const stamp = new Date().toISOString().slice(0, 10);
    const { generated, status } = await startRotation(recipesRepo, {
      out: req.out ?? join(recipesRepo.root, 'keys', `signing-${stamp}.key`),
      type: req.type,
      expires: req.expires,
      name: `${recipesRepo.config.label} archive signing key (${stamp.slice(0, 4)})`,
      ...(who.email ? { email: who.email } : {}),
      ...(req.passphraseFd !== undefined ? { passphraseFd: req.passphraseFd } : {}),
    });
    return { action: 'started', status, newKey: generated };
  }
  if (req.finish) {
    await finishRotation(recipesRepo, req.force ? { force: true } : {});
    return { action: 'finished', status: await rotationStatus(await loadRecipesRepository(recipesRepo.root)) };
  }
  return { action: 'status', status: await rotationStatus(recipesRepo) };
}
