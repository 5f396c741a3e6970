/**
 * `repo verify|remove|refresh --to s3://bucket/prefix`: the repository in the bucket, with no
 * local copy. Verify reads through the store (credentials from the AWS chain, so a private
 * bucket works) and re-hashes every object it reads; remove and refresh run the local
 * operation in a scratch directory through the publish path's one uploader (`changeInS3`:
 * lease, metadata only, ordered upload, grace deletion).
 */
import { createHash } from 'node:crypto';
import { PkgtrackError } from '../../core/errors.js';
import { verifyAptRepo } from '../../repo/apt/verify.js';
import { addPartReports, type VerifyProblem, type VerifyReport } from '../../repo/format.js';
import { verifyYumRepo } from '../../repo/yum/verify.js';
import { openS3Store } from '../../storage/s3-store.js';
import { bucketAddress, parseS3Url } from '../../storage/s3-url.js';
import { changeInS3, readS3State } from '../publish/s3.js';
import {
  type RefreshRequest,
  type RefreshResult,
  refreshRepo,
  type RemoveRequest,
  type RemoveResult,
  type RepoVerifyReport,
  removeFromRepo,
  type VerifyRequest,
} from './repo.js';

export interface S3ChangeRequest {
  /** s3://bucket/prefix */
  to: string;
  /** Seconds an unused file stays for readers mid-update (default one day). */
  graceSeconds?: number;
}

/** `repo remove … --to s3://…`: the package's pool files are recorded for deletion after the grace period. */
export async function removeFromS3({ to, graceSeconds, ...req }: RemoveRequest & S3ChangeRequest): Promise<RemoveResult> {
  const opts = s3Options(
    { ...req, to, ...(graceSeconds !== undefined ? { graceSeconds } : {}) },
    `repo remove ${req.names.join(' ')} from ${to}`,
  );
  const r = await changeInS3(opts, async (output, remotePool) => {
    const report = await removeFromRepo({ ...req, output, remotePool, servedAt: bucketAddress(parseS3Url(to)) });
    // The debug suite's change (the package's -dbgsym removed with it) frees pool files too.
    const reports = [report, ...(report.debug ? [{ ...report.debug, root: report.root }] : [])];
    return { value: report, reports, ...(req.dryRun ? { dryRun: true } : {}) };
  });
  return { ...r.value, root: parseS3Url(to).url, s3: r.s3 };
}

/** `repo refresh --to s3://…`: new Release/InRelease (and repomd.xml) uploaded in switch order. */
export async function refreshS3({ to, graceSeconds, ...req }: RefreshRequest & S3ChangeRequest): Promise<RefreshResult> {
  const opts = s3Options({ ...req, to, ...(graceSeconds !== undefined ? { graceSeconds } : {}) }, `repo refresh ${to}`);
  const r = await changeInS3(opts, async (output, remotePool) => ({
    value: await refreshRepo({ ...req, output, remotePool, servedAt: bucketAddress(parseS3Url(to)) }),
    reports: [],
  }));
  return { ...r.value, output: parseS3Url(to).url, s3: r.s3 };
}

function s3Options(req: { to: string; graceSeconds?: number; lockTimeoutMs?: number; progress: RemoveRequest['progress'] }, what: string) {
  return {
    to: req.to,
    what,
    progress: req.progress,
    ...(req.lockTimeoutMs !== undefined ? { lockTimeoutMs: req.lockTimeoutMs } : {}),
    ...(req.graceSeconds !== undefined ? { graceSeconds: req.graceSeconds } : {}),
  };
}

const isPoolKey = (rel: string) => /^apt\/pool\//.test(rel) || /^yum\/(.+\/)?Packages\//.test(rel);

/**
 * `repo verify s3://…`: every apt suite (dists/<suite>/InRelease) and yum repository
 * (repodata/repomd.xml) under the prefix, or the `--suite`s asked for. Signatures with the
 * repository key, every index against Release/repomd.xml, pool files (apt with --deep; yum
 * always, as for a folder) downloaded and hashed a few at a time. Every object read is also
 * compared with the SHA-256 pkgtrack recorded when it uploaded it (the bucket's state object).
 */
export async function verifyS3Repo(req: VerifyRequest): Promise<RepoVerifyReport> {
  if (req.fix)
    throw new PkgtrackError({
      code: 'USAGE',
      kind: 'usage',
      message: '--fix works on a repository folder, not a bucket',
      fix: 'A bucket has no temporaries to remove: publishes upload finished files only. Run `repo verify` without --fix.',
    });
  const target = parseS3Url(req.target);
  const store = await openS3Store(target);
  const { state } = await readS3State(store, target.prefix);
  const recorded = new Map<string, VerifyProblem>();
  const get = async (rel: string): Promise<Buffer | undefined> => {
    if (rel.split('/').some((p) => p === '..' || p === '.' || p === '')) return undefined;
    const got = await store.get(`${target.prefix}${rel}`);
    if (!got) return undefined;
    const want = state.objects[rel];
    if (want && createHash('sha256').update(got.body).digest('hex') !== want.sha256)
      recorded.set(rel, {
        file: `${target.url}${rel}`,
        problem: `SHA-256 differs from what pkgtrack uploaded (${want.sha256.slice(0, 16)}…, ${want.size} bytes; the bucket's object has ${got.body.length})`,
        fix: fixFor(rel, target.url),
      });
    return got.body;
  };
  const asked = req.suites ?? [];
  const keys = (await store.list(`${target.prefix}apt/dists/`)).map((o) => o.key.slice(target.prefix.length));
  const aptSuites = asked.length
    ? asked.filter((s) => !s.includes('/'))
    : [...new Set(keys.map((k) => /^apt\/dists\/([^/]+)\/InRelease$/.exec(k)?.[1]).filter((s): s is string => !!s))];
  const yumRepos = asked.length
    ? asked.filter((s) => s.includes('/'))
    : (await store.list(`${target.prefix}yum/`))
        .map((o) => /^yum\/(.+)\/repodata\/repomd\.xml$/.exec(o.key.slice(target.prefix.length))?.[1])
        .filter((s): s is string => !!s);
  const opts = {
    ...(req.keyring ? { keyring: req.keyring } : {}),
    ...(req.fingerprints?.length ? { fingerprints: req.fingerprints } : {}),
  };
  const report: RepoVerifyReport = { target: target.url, ok: true, checkedFiles: 0, signatures: [], problems: [] };
  const parts: Array<{ under: string; report: VerifyReport }> = [];
  if (aptSuites.length)
    parts.push({
      under: 'apt/',
      report: await verifyAptRepo(`${target.url}apt`, {
        ...opts,
        suites: aptSuites,
        fetch: (rel) => get(`apt/${rel}`),
        ...(req.deep ? { deep: true } : {}),
      }),
    });
  for (const repo of yumRepos.sort())
    parts.push({
      under: '',
      report: await verifyYumRepo(`${target.url}yum/${repo}`, { ...opts, fetch: (rel) => get(`yum/${repo}/${rel}`) }),
    });
  if (!parts.length)
    report.problems.push({
      file: target.url,
      problem: asked.length
        ? `none of ${asked.join(', ')} is published here`
        : 'no apt suite (dists/*/InRelease) or yum repository (repodata/repomd.xml) here',
      fix: 'Check the bucket and prefix (and AWS_ENDPOINT_URL_S3); publish with `pkgtrack publish --to s3://…` first.',
    });
  // apt names files below its root; name every object by its full URL, and say what to do.
  const full = (under: string, file: string) => (file.startsWith('s3://') ? file : `${target.url}${under}${file}`);
  addPartReports(report, parts, full, (p) => {
    const rel = p.file.startsWith(target.url) ? p.file.slice(target.url.length) : p.file;
    recorded.delete(rel);
    return { ...p, fix: p.fix ?? fixFor(rel, target.url) };
  });
  report.problems.push(...recorded.values());
  report.ok = report.problems.length === 0 && report.signatures.every((s) => s.ok);
  return report;
}

function fixFor(rel: string, url: string): string {
  if (isPoolKey(rel))
    return `A published package never changes. Upload the original file to ${url}${rel} again (e.g. aws s3 cp FILE ${url}${rel}), or remove the package (pkgtrack repo remove NAME --suite SUITE --to ${url}) and publish a new version.`;
  return `The repository metadata in the bucket is not what pkgtrack signed: restore the object (upload the file pkgtrack published again), or publish again with pkgtrack publish … --to ${url} once the packages are intact. Do not re-sign over it.`;
}
