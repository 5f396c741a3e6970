/**
 * `pkgtrack repo refresh | verify | list | remove`: maintenance of published repositories.
 * Every write goes through publish.ts `runChange` (lock + crash-safe transaction).
 */
import { stat } from 'node:fs/promises';
import { notFound } from '../core/errors.js';
import { listSuites } from '../repo/apt/apt-format.js';
import { verifyAptRepo } from '../repo/apt/verify.js';
import type { PublishedPackage, PublishReport, RepoKind, VerifyReport } from '../repo/format.js';
import { formatOfKind, repoRoot } from '../repo/registry.js';
import { listYumSuites } from '../repo/yum/format.js';
import { verifyYumRepo } from '../repo/yum/verify.js';
import { type RepoTarget, resolveSigner, resolveTarget, runChange } from './publish.js';
import { StateIndexCache } from './repo-index-cache.js';

export interface RefreshRequest extends RepoTarget {
  suites?: string[];
  kind?: RepoKind;
}

/** Re-sign suites with a fresh Date/Valid-Until (cron): indexes are untouched. */
export async function refreshRepo(
  req: RefreshRequest,
): Promise<{ output: string; refreshed: Array<{ kind: RepoKind; suite: string; validDays: number }> }> {
  const target = await resolveTarget(req);
  try {
    const kind = req.kind ?? 'apt';
    const format = formatOfKind(target.formats, kind)!;
    const root = repoRoot(target.output, kind);
    const suites = req.suites?.length ? req.suites : kind === 'yum' ? await listYumSuites(root) : await listSuites(root);
    if (!suites.length)
      throw notFound('REPO_EMPTY', `nothing is published in ${root}`, 'Publish first: `pkgtrack publish --suite S <files>`.', {
        file: root,
      });
    const signer = await resolveSigner(req, target);
    const refreshed = [];
    for (const suite of suites) {
      req.progress.step(`re-signing ${kind} ${suite}`);
      await runChange(target, req, format, root, signer, new StateIndexCache(target.store), { suite, add: [], remove: [] }, 'refresh');
      refreshed.push({ kind, suite, validDays: target.validDays });
    }
    return { output: target.output, refreshed };
  } finally {
    target.store.close();
  }
}

export interface VerifyRequest {
  target: string;
  keyring?: string;
  suites?: string[];
  fingerprints?: string[];
}

/** Verify an apt repository directory (the apt root, or an output dir holding apt/) or URL. */
export async function verifyRepo(req: VerifyRequest): Promise<VerifyReport> {
  let t = req.target;
  if (!/^https?:\/\//.test(t)) {
    const hasDists = await stat(`${t}/dists`).then(
      () => true,
      () => false,
    );
    if (!hasDists && (await stat(`${t}/apt/dists`).catch(() => undefined))) t = `${t}/apt`;
  }
  // A yum repository directory (its repodata/repomd.xml) is verified by the yum format.
  if (await stat(`${t}/repodata/repomd.xml`).catch(() => undefined)) {
    return verifyYumRepo(t, {
      ...(req.keyring ? { keyring: req.keyring } : {}),
      ...(req.fingerprints?.length ? { fingerprints: req.fingerprints } : {}),
    });
  }
  return verifyAptRepo(t, {
    ...(req.keyring ? { keyring: req.keyring } : {}),
    ...(req.suites?.length ? { suites: req.suites } : {}),
    ...(req.fingerprints?.length ? { fingerprints: req.fingerprints } : {}),
  });
}

export async function listRepo(
  req: RepoTarget & { suite?: string; kind?: RepoKind },
): Promise<{ output: string; packages: PublishedPackage[] }> {
  const target = await resolveTarget(req);
  try {
    const kind = req.kind ?? 'apt';
    const format = formatOfKind(target.formats, kind)!;
    return { output: target.output, packages: await format.list(repoRoot(target.output, kind), req.suite) };
  } finally {
    target.store.close();
  }
}

export interface RemoveRequest extends RepoTarget {
  suite: string;
  name: string;
  version?: string;
  arch?: string;
  dryRun?: boolean;
  kind?: RepoKind;
}

/** Remove a package (all versions, or one) from a suite; pool files nobody uses go too. */
export async function removeFromRepo(req: RemoveRequest): Promise<PublishReport & { root: string }> {
  const target = await resolveTarget(req);
  try {
    const kind = req.kind ?? 'apt';
    const format = formatOfKind(target.formats, kind)!;
    const root = repoRoot(target.output, kind);
    const signer = req.dryRun ? undefined : await resolveSigner(req, target);
    const report = await runChange(target, { ...req, keep: 0 }, format, root, signer, new StateIndexCache(target.store), {
      suite: req.suite,
      add: [],
      remove: [{ name: req.name, ...(req.version ? { version: req.version } : {}), ...(req.arch ? { arch: req.arch } : {}) }],
    });
    return { ...report, root };
  } finally {
    target.store.close();
  }
}
