/**
 * One entry point per `key` subcommand: each finds the recipes repository (when
 * there is one), fills in defaults from pkgtrack.yaml and calls the key services.
 */
import { isAbsolute, join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { loadRepository, type Repository } from '../../recipe/load.js';
import { openRepository, optionalRepository } from '../shared/recipes-repository.js';
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

function passphraseSource(flags: PassphraseFlags, repo?: Repository): PassphraseSource {
  if (flags.passphraseFd !== undefined) return { fd: flags.passphraseFd };
  if (flags.passphraseFile) return { file: flags.passphraseFile };
  const s = repo?.config.signing;
  if (s?.passphraseFile && repo) return { file: isAbsolute(s.passphraseFile) ? s.passphraseFile : join(repo.root, s.passphraseFile) };
  return { env: s?.passphraseEnv ?? DEFAULT_PASSPHRASE_ENV };
}

/** "Full Name <email>" → parts. */
function splitMaintainer(m: string): { name: string; email?: string } {
  const r = /^(.*?)\s*<([^>]+)>\s*$/.exec(m);
  return r ? { name: r[1]!, email: r[2]! } : { name: m };
}

export interface KeyGenerateRequest extends PassphraseFlags {
  repoDir?: string;
  out?: string;
  type: KeyType;
  expires: string;
  name?: string;
  email?: string;
  force?: boolean;
}

export async function keyGenerate(req: KeyGenerateRequest): Promise<GeneratedKey & { configured: boolean }> {
  const repo = await optionalRepository(req.repoDir);
  const who = repo ? splitMaintainer(repo.config.maintainer) : undefined;
  const name = req.name ?? (who ? `${repo!.config.label} archive signing key` : undefined);
  const email = req.email ?? who?.email;
  if (!name) throw inputError('KEY_NO_NAME', 'the key needs a name', 'Pass --name "Example Repository Signing Key" (and --email).');
  const out = req.out ?? (repo ? join(repo.root, repo.config.signing?.key ?? 'keys/signing.key') : undefined);
  if (!out) throw inputError('KEY_NO_OUT', 'where should the key go?', 'Pass --out keys/signing.key.');
  const generated = await generateKeyFiles({
    out,
    type: req.type,
    expires: req.expires,
    name,
    ...(email ? { email } : {}),
    passphrase: passphraseSource(req, repo),
    ...(req.force ? { force: true } : {}),
  });
  const configured = !!repo?.config.signing && join(repo.root, repo.config.signing.key) === generated.privateFile;
  return { ...generated, configured };
}

export interface KeyImportRequest extends PassphraseFlags {
  repoDir?: string;
  file: string;
  out?: string;
  existing?: boolean;
  force?: boolean;
}

export async function keyImport(req: KeyImportRequest) {
  const repo = await optionalRepository(req.repoDir);
  const out = req.out ?? (repo ? join(repo.root, repo.config.signing?.key ?? 'keys/signing.key') : undefined);
  if (!out) throw inputError('KEY_NO_OUT', 'where should the imported key go?', 'Pass --out keys/signing.key.');
  return importKeyFile({
    file: req.file,
    out,
    passphrase: passphraseSource(req, repo),
    ...(req.existing ? { existing: true } : {}),
    ...(req.force ? { force: true } : {}),
  });
}

export async function keyExport(req: { repoDir?: string; format: ExportFormat; url?: string; keyUrl?: string }) {
  const repo = await openRepository(req.repoDir);
  return exportKeys(repo, { format: req.format, ...(req.url ? { url: req.url } : {}), ...(req.keyUrl ? { keyUrl: req.keyUrl } : {}) });
}

export async function keyInfo(req: { repoDir?: string; files?: string[] }): Promise<{ keys: KeyInfo[]; ok: boolean }> {
  let files: Array<{ file: string; role: KeyInfo['role'] }>;
  if (req.files?.length) files = req.files.map((file) => ({ file, role: 'file' as const }));
  else {
    const repo = await openRepository(req.repoDir);
    files = repositoryKeyFiles(repo);
    if (files.length === 0) throw signingNotConfigured(repo);
  }
  const keys = await describeKeyFiles(files);
  return { keys, ok: keys.every((k) => k.violations.length === 0 && !k.expiresSoon) };
}

export interface KeyRotateRequest extends PassphraseFlags {
  repoDir?: string;
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
  const repo = await openRepository(req.repoDir);
  if (req.start && req.finish)
    throw inputError('USAGE_ROTATE', '--start and --finish exclude each other', 'Run them in turn, the rotation window apart.');
  if (req.start) {
    const who = splitMaintainer(repo.config.maintainer);
    const stamp = new Date().toISOString().slice(0, 10);
    const { generated, status } = await startRotation(repo, {
      out: req.out ?? join(repo.root, 'keys', `signing-${stamp}.key`),
      type: req.type,
      expires: req.expires,
      name: `${repo.config.label} archive signing key (${stamp.slice(0, 4)})`,
      ...(who.email ? { email: who.email } : {}),
      ...(req.passphraseFd !== undefined ? { passphraseFd: req.passphraseFd } : {}),
    });
    return { action: 'started', status, newKey: generated };
  }
  if (req.finish) {
    await finishRotation(repo, req.force ? { force: true } : {});
    return { action: 'finished', status: await rotationStatus(await loadRepository(repo.root)) };
  }
  return { action: 'status', status: await rotationStatus(repo) };
}
