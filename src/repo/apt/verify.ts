import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkgtrackError } from '../../core/errors.js';
import type * as openpgp from 'openpgp';
import { readKeys } from '../../sign/keys.js';
import { verifyDetachedArmored, verifyInRelease } from '../../sign/verify.js';
import type { VerifyProblem, VerifyReport } from '../format.js';
import { parseRelease } from './release.js';
import { COMPRESSIONS } from './layout.js';
import { checkPoolFiles } from './pool-check.js';
import { listSuites } from './suite-contents.js';

export interface AptVerifyOptions {
  /** Public key(s) file (armored or binary) the repository must be signed with. */
  keyring?: string;
  /** Fingerprints that must all have signed (key rotation). */
  fingerprints?: string[];
  /** Suites to check; default: every dists/* of a directory (required for a URL). */
  suites?: string[];
  /** Do not fetch the by-hash copies (they double the work over a slow link). */
  skipByHash?: boolean;
  /** Also re-hash every pool file the Packages and Sources indexes list (pool-check.ts). */
  deep?: boolean;
  /** Read files through this instead of from the folder or URL `target` (object storage). */
  fetch?: Fetcher;
}

/** A repository file by its path below the repository root; undefined when it is absent. */
export type Fetcher = (rel: string) => Promise<Buffer | undefined>;

function fetcherFor(target: string): Fetcher {
  if (/^https?:\/\//.test(target)) {
    const base = target.endsWith('/') ? target : `${target}/`;
    // An unreachable host or a server error is the network's state, not a bug (nor a finding).
    const unreachable = (url: URL, why: string, cause?: unknown) =>
      new PkgtrackError({
        code: 'REPO_FETCH_FAILED',
        kind: 'network',
        message: `${url.href}: ${why}`,
        fix: 'Check the URL and that the server answers (curl -I <url>), then run the command again.',
        details: { url: url.href },
        ...(cause ? { cause } : {}),
      });
    return async (rel) => {
      const url = new URL(rel, base);
      let r: Response;
      try {
        r = await fetch(url);
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw unreachable(url, `unreachable (${cause?.code ?? cause?.message ?? (e as Error).message})`, e);
      }
      if (r.status === 404) return undefined;
      if (!r.ok) throw unreachable(url, `the server answered HTTP ${r.status} ${r.statusText}`.trim());
      return Buffer.from(await r.arrayBuffer());
    };
  }
  return (rel) =>
    readFile(join(target, rel)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
}

const hex = (h: string, b: Uint8Array) => createHash(h).update(b).digest('hex');

export async function verifyAptRepo(target: string, opts: AptVerifyOptions = {}): Promise<VerifyReport> {
  const get = opts.fetch ?? fetcherFor(target);
  const report: VerifyReport = { target, ok: true, checkedFiles: 0, signatures: [], problems: [] };
  const problem = (file: string, what: string) => report.problems.push({ file, problem: what });
  let keys: openpgp.PublicKey[] = [];
  if (opts.keyring) {
    keys = (await readKeys(await readFile(opts.keyring), opts.keyring)).map((k) => k.toPublic());
  } else {
    problem(target, 'no keyring given (--keyring): signatures were not checked');
  }
  let suites = opts.suites ?? [];
  if (!suites.length && !opts.fetch && !/^https?:\/\//.test(target)) {
    suites = await listSuites(target);
  }
  if (!suites.length) problem(target, 'no suites found (pass --suite for a URL)');
  for (const suite of suites.sort()) {
    const base = `dists/${suite}`;
    const inRelease = await get(`${base}/InRelease`);
    const release = await get(`${base}/Release`);
    const gpg = await get(`${base}/Release.gpg`);
    if (!inRelease) problem(`${base}/InRelease`, 'missing');
    if (!release) problem(`${base}/Release`, 'missing');
    if (!gpg) problem(`${base}/Release.gpg`, 'missing');
    if (keys.length && inRelease) {
      const r = await verifyInRelease(`${base}/InRelease`, inRelease, keys, {
        ...(opts.fingerprints ? { requireSigners: opts.fingerprints } : {}),
        ...(release ? { release: { file: `${base}/Release`, bytes: release } } : {}),
      });
      addSig(report, r.file, r.signers, r.problems);
    }
    if (keys.length && gpg && release) {
      const r = await verifyDetachedArmored(
        `${base}/Release.gpg`,
        gpg,
        `${base}/Release`,
        release,
        keys,
        opts.fingerprints ? { requireSigners: opts.fingerprints } : {},
      );
      addSig(report, r.file, r.signers, r.problems);
    }
    if (!release) continue;
    let parsed: ReturnType<typeof parseRelease>;
    try {
      parsed = parseRelease(release.toString('utf8'), `${base}/Release`);
    } catch (e) {
      problem(`${base}/Release`, (e as Error).message);
      continue;
    }
    if (opts.deep) {
      const pool = await checkPoolFiles(get, base, parsed.files.keys());
      report.checkedFiles += pool.checked.length;
      for (const p of pool.problems) problem(p.file, p.problem);
    }
    const byHash = /^Acquire-By-Hash: yes$/m.test(release.toString('utf8'));
    for (const [path, want] of parsed.files) {
      const rel = `${base}/${path}`;
      if (!want.sha256) problem(rel, 'listed without SHA256 (apt treats such a repository as unsigned)');
      const bytes = await get(rel);
      report.checkedFiles++;
      if (!bytes) {
        // An uncompressed index may be listed but not served when a compressed form is listed
        // (apt-ftparchive and dak do this; apt looks indexes up by the uncompressed name).
        if (!COMPRESSIONS.some((x) => x && parsed.files.has(`${path}${x}`))) problem(rel, 'listed in Release but missing');
        continue;
      }
      if (bytes.length !== want.size) problem(rel, `size ${bytes.length}, Release says ${want.size}`);
      if (want.sha256 && hex('sha256', bytes) !== want.sha256) problem(rel, 'SHA256 differs from Release');
      if (want.sha512 && hex('sha512', bytes) !== want.sha512) problem(rel, 'SHA512 differs from Release');
      if (byHash && !opts.skipByHash) {
        const dir = rel.slice(0, rel.lastIndexOf('/'));
        for (const [h, v] of [
          ['SHA256', want.sha256],
          ['SHA512', want.sha512],
        ] as const) {
          if (!v) continue;
          const copy = await get(`${dir}/by-hash/${h}/${v}`);
          report.checkedFiles++;
          if (!copy) problem(`${dir}/by-hash/${h}/${v}`, `by-hash copy of ${path} missing (Acquire-By-Hash: yes)`);
          else if (!copy.equals(bytes)) problem(`${dir}/by-hash/${h}/${v}`, `by-hash copy of ${path} has other contents`);
        }
      }
    }
  }
  report.ok = report.problems.length === 0 && report.signatures.every((s) => s.ok);
  return report;
}

function addSig(
  report: VerifyReport,
  file: string,
  signers: string[],
  problems: Array<{ severity: string; message: string; file: string }>,
) {
  const errors = problems.filter((p) => p.severity === 'error');
  report.signatures.push({
    file,
    ok: errors.length === 0 && signers.length > 0,
    ...(signers.length ? { by: signers.join(', ') } : {}),
    ...(problems.length ? { detail: problems.map((p) => `${p.severity}: ${p.message}`).join('; ') } : {}),
  });
  for (const p of errors) report.problems.push({ file: p.file, problem: p.message } satisfies VerifyProblem);
}
