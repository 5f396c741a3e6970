/**
 * What a yum repository (suite) holds, as pkgtrack records it: `<root>/.pkgtrack/yum/<suite>.json`
 * (staged before the switch), plus the rules for suite paths and package references.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { notPublishedError, type PackageRef, type PublishedPackage, REPO_META_DIR } from '../format.js';

/** One package in a suite's manifest. */
export interface YumEntry {
  href: string;
  sha256: string;
  name: string;
  arch: string;
  evr: string;
  /** `time file` in primary: the artifact's mtime (seconds) when first published. */
  time?: number;
  /** sha256 of the main header: the package's identity whatever its signature. */
  content?: string;
}

export interface Manifest {
  packages: YumEntry[];
}

export const manifestRel = (suite: string) => join(REPO_META_DIR, 'yum', `${suite.replaceAll('/', '__')}.json`);

export function checkSuite(suite: string): void {
  if (
    !suite ||
    suite.startsWith('/') ||
    suite.split('/').some((p) => p === '' || p === '.' || p === '..') ||
    !/^[A-Za-z0-9._/+-]+$/.test(suite) ||
    // "/" is stored as "__" in the names of its state files: fedora__41 would share fedora/41's.
    suite.includes('__')
  ) {
    throw inputError(
      'YUM_BAD_REPO_PATH',
      `yum repository path "${suite}" is not a plain relative path`,
      'Use a path like fedora/41/x86_64 (letters, digits, . _ + -; no "__", which stands for "/" in its state file names).',
      {
        field: 'suite',
      },
    );
  }
}

export async function readManifest(root: string, suite: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(join(root, manifestRel(suite)), 'utf8')) as Manifest;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { packages: [] };
    throw e;
  }
}

export const toPublished = (suite: string, e: YumEntry): PublishedPackage => ({
  suite,
  component: '',
  name: e.name,
  version: e.evr,
  arch: e.arch,
  files: [`${suite}/${e.href}`],
});

export function matches(ref: PackageRef, e: YumEntry): boolean {
  if (ref.name !== e.name || (ref.arch && ref.arch !== e.arch)) return false;
  if (!ref.version) return true;
  const noEpoch = e.evr.replace(/^\d+:/, '');
  return ref.version === e.evr || ref.version === noEpoch || ref.version === noEpoch.split('-')[0];
}

/** The entries `refs` name (one lookup by name each); every ref must match one, or nothing is removed. */
export function requestedRemovals(entries: readonly YumEntry[], refs: readonly PackageRef[], suite: string): Set<YumEntry> {
  const out = new Set<YumEntry>();
  if (refs.length === 0) return out;
  const byName = new Map<string, YumEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  const missing: PackageRef[] = [];
  for (const r of refs) {
    const hit = (byName.get(r.name) ?? []).filter((e) => matches(r, e));
    if (hit.length === 0) missing.push(r);
    for (const e of hit) out.add(e);
  }
  if (missing.length > 0) throw notPublishedError('YUM_PACKAGE_NOT_PUBLISHED', missing, suite);
  return out;
}

/** The yum repositories (suites) published under `root`. */
export async function listYumSuites(root: string): Promise<string[]> {
  const names = await readdir(join(root, REPO_META_DIR, 'yum')).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5).replaceAll('__', '/'));
}
