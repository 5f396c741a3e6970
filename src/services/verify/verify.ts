/**
 * `pkgtrack verify <file|dir>`: every signed metadata file under a published tree (apt dists/,
 * yum repodata/) checked with openpgp.js against the given keys, framing checked as strictly as
 * apt does, and the hashes Release and repomd.xml list compared with the files on disk.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type * as openpgp from 'openpgp';
import { inputError, notFound } from '../../core/errors.js';
import { mapLimit } from '../../core/concurrency.js';
import type { RecipesRepository } from '../../recipe/load.js';
import { readKeys } from '../../sign/keys.js';
import { verifyRpmBytes } from '../../sign/rpm-sign.js';
import { verifyDetachedArmored, verifyInRelease, type VerifyProblem } from '../../sign/verify.js';
import { repositoryPublicKeys } from '../key/files.js';
import { optionalRecipesRepository } from '../shared/recipes-repository.js';
import { checkPoolFiles } from '../../repo/apt/pool-check.js';
import { checkRepomd } from './yum-metadata.js';

export interface VerifyReport {
  path: string;
  /** Files whose signature or hashes were checked, relative to `path`'s folder. */
  checked: string[];
  signers: string[];
  problems: VerifyProblem[];
  ok: boolean;
}

const SIGNED_NAMES = new Set(['InRelease', 'Release', 'Release.gpg', 'repomd.xml', 'repomd.xml.asc']);
const MAX_DEPTH = 8;

async function readIf(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Folders holding signed metadata (dists/<suite>/, <repo>/repodata/) and .rpm packages.
 * by-hash copies, the apt pool and dot-folders are skipped; links to folders inside the tree
 * are followed (a yum `repodata` is a link to the live generation in .repodata/), as a web
 * server and dnf follow them.
 */
async function walk(root: string, depth = 0, out = { dirs: new Set<string>(), rpms: [] as string[] }, top = root) {
  if (depth > MAX_DEPTH) return out;
  const entries = await readdir(root, { withFileTypes: true });
  for (const e of entries) {
    const path = join(root, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const target = await realpath(path).catch(() => undefined);
      const st = target && (await stat(target).catch(() => undefined));
      const inside = target !== undefined && (target === top || target.startsWith(`${top}/`));
      isDir = !!st && st.isDirectory() && inside;
      isFile = !!st && st.isFile();
    }
    if (isFile && SIGNED_NAMES.has(e.name)) out.dirs.add(root);
    else if (isFile && e.name.endsWith('.rpm')) out.rpms.push(path);
    else if (isDir && e.name !== 'by-hash' && e.name !== 'pool' && !e.name.startsWith('.')) await walk(path, depth + 1, out, top);
  }
  return out;
}

/** An rpm's header signature and digests (sign/rpm-sign.ts), as problems with codes. */
async function verifyRpm(path: string, name: string, keys: openpgp.PublicKey[]): Promise<Pick<VerifyReport, 'signers' | 'problems'>> {
  const r = await verifyRpmBytes(await readFile(path), keys, name);
  const signers: string[] = [];
  const problems: VerifyReport['problems'] = [];
  for (const id of r.signedBy) {
    const k = keys.find((x) => x.getKeyIDs().some((kid) => kid.toHex().toUpperCase() === id));
    if (k) signers.push(k.getFingerprint().toUpperCase());
  }
  for (const msg of r.problems) {
    const code = /unsigned/.test(msg) ? 'RPM_UNSIGNED' : /digest|size/.test(msg) ? 'RPM_DIGEST_MISMATCH' : 'RPM_BAD_SIGNATURE';
    problems.push({ file: name, code, severity: 'error', message: msg });
  }
  if (!r.ok && r.problems.length === 0) {
    problems.push({
      file: name,
      code: 'RPM_NO_GOOD_SIGNATURE',
      severity: 'error',
      message: 'no good signature from a key in the keyring',
    });
  }
  return { signers, problems };
}

/**
 * verifyRpm over many files, several at once (a signature check waits on the crypto thread
 * pool: one at a time left this thread idle 60% of a 10,000-rpm check); added to `report` in
 * the order given.
 */
async function verifyRpms(
  files: ReadonlyArray<[path: string, name: string]>,
  keys: openpgp.PublicKey[],
  report: VerifyReport,
): Promise<void> {
  const results = await mapLimit(files, RPMS_AT_ONCE, ([path, name]) => verifyRpm(path, name, keys));
  for (const [i, r] of results.entries()) {
    report.checked.push(files[i]![1]);
    report.signers.push(...r.signers);
    report.problems.push(...r.problems);
  }
}

const RPMS_AT_ONCE = 8;

/** Keys from --keyring files, else the public halves of the repository's signing keys. */
export async function verificationKeys(keyrings: readonly string[], recipesRepo?: RecipesRepository): Promise<openpgp.PublicKey[]> {
  if (keyrings.length > 0) {
    const keys: openpgp.PublicKey[] = [];
    for (const f of keyrings) {
      const data = await readFile(f).catch((e: NodeJS.ErrnoException) => {
        throw notFound(
          'KEYRING_MISSING',
          `cannot read keyring ${f}: ${e.code ?? e.message}`,
          'Pass an armored or binary public key file with --keyring.',
          { file: f },
        );
      });
      for (const k of await readKeys(data, f)) keys.push(k.toPublic());
    }
    return keys;
  }
  if (recipesRepo?.config.signing) return repositoryPublicKeys(recipesRepo);
  throw inputError(
    'VERIFY_NO_KEYS',
    'no keys to verify with',
    'Pass --keyring FILE (the public key users install), or run inside a recipes repository with a signing key.',
  );
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Compare the SHA256 section of a Release file with the files next to it. */
async function checkReleaseHashes(dir: string, releaseFile: string, release: string): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const lines = release.split('\n');
  const start = lines.findIndex((l) => /^SHA256:\s*$/.test(l));
  if (start === -1) {
    return [
      {
        file: releaseFile,
        code: 'RELEASE_NO_SHA256',
        severity: 'error',
        message: 'no SHA256 section: apt treats a Release with only MD5/SHA1 as unsigned',
      },
    ];
  }
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith(' '); i++) {
    const m = /^\s+([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(lines[i]!);
    if (!m) {
      problems.push({
        file: releaseFile,
        code: 'RELEASE_BAD_LINE',
        severity: 'error',
        message: `cannot read hash line "${lines[i]!.trim().slice(0, 80)}"`,
        line: i + 1,
      });
      continue;
    }
    const [, hash, size, name] = m as unknown as [string, string, string, string];
    if (name.includes('..') || name.startsWith('/')) {
      problems.push({
        file: releaseFile,
        code: 'RELEASE_BAD_PATH',
        severity: 'error',
        message: `path "${name}" leaves the suite`,
        line: i + 1,
      });
      continue;
    }
    const data = await readIf(join(dir, name));
    if (!data) continue; // uncompressed forms are listed but not served
    if (data.length !== Number(size) || sha256(data) !== hash) {
      problems.push({
        file: releaseFile,
        code: 'HASH_MISMATCH',
        severity: 'error',
        message: `${name}: size/SHA256 differ from Release (apt: "Hash Sum mismatch")`,
        line: i + 1,
      });
    }
  }
  return problems;
}

/** `--deep`: the pool files the suite at `dir` (<root>/dists/<suite>) lists in its indexes, re-hashed. */
async function checkAptPool(dir: string, release: Uint8Array, report: VerifyReport, base: string): Promise<void> {
  const root = dirname(dirname(dir));
  const listed = [
    ...Buffer.from(release)
      .toString('utf8')
      .matchAll(/^ [0-9a-f]{64}\s+\d+\s+(\S+)$/gm),
  ].map((m) => m[1]!);
  const r = await checkPoolFiles((p) => readIf(join(root, p)), relative(root, dir), listed);
  report.checked.push(...r.checked.map((f) => relative(base, join(root, f))));
  for (const p of r.problems) {
    const file = relative(base, join(root, p.file));
    report.problems.push({
      file,
      code: /missing/.test(p.problem) ? 'POOL_FILE_MISSING' : 'POOL_HASH_MISMATCH',
      severity: 'error',
      message: p.problem,
    });
  }
}

/** Check one metadata folder (an apt suite or a yum repodata/). */
async function verifyDir(
  dir: string,
  keys: readonly openpgp.PublicKey[],
  report: VerifyReport,
  base: string,
  requireSigners?: readonly string[],
  deep = false,
): Promise<void> {
  const rel = (n: string) => relative(base, join(dir, n)) || n;
  const opts = requireSigners?.length ? { requireSigners } : {};
  const add = (r: { signers: string[]; problems: VerifyProblem[] }) => {
    report.signers.push(...r.signers);
    report.problems.push(...r.problems);
  };
  const [inRelease, release, releaseGpg, repomd, repomdAsc] = await Promise.all(
    ['InRelease', 'Release', 'Release.gpg', 'repomd.xml', 'repomd.xml.asc'].map((n) => readIf(join(dir, n))),
  );
  if (inRelease) {
    report.checked.push(rel('InRelease'));
    add(
      await verifyInRelease(rel('InRelease'), inRelease, keys, {
        ...opts,
        ...(release ? { release: { file: rel('Release'), bytes: release } } : {}),
      }),
    );
  }
  if (releaseGpg) {
    report.checked.push(rel('Release.gpg'));
    if (!release)
      report.problems.push({
        file: rel('Release.gpg'),
        code: 'RELEASE_MISSING',
        severity: 'error',
        message: 'Release.gpg without the Release it signs',
      });
    else add(await verifyDetachedArmored(rel('Release.gpg'), releaseGpg, rel('Release'), release, keys, opts));
  }
  if (release) {
    if (!inRelease && !releaseGpg)
      report.problems.push({
        file: rel('Release'),
        code: 'RELEASE_UNSIGNED',
        severity: 'error',
        message: 'neither InRelease nor Release.gpg: apt refuses the repository',
      });
    report.checked.push(rel('Release'));
    report.problems.push(...(await checkReleaseHashes(dir, rel('Release'), Buffer.from(release).toString('utf8'))));
    if (deep && basename(dirname(dir)) === 'dists') await checkAptPool(dir, release, report, base);
  }
  if (repomd) {
    report.checked.push(rel('repomd.xml'));
    if (!repomdAsc)
      report.problems.push({
        file: rel('repomd.xml'),
        code: 'REPOMD_UNSIGNED',
        severity: 'error',
        message: 'no repomd.xml.asc: dnf with repo_gpgcheck=1 refuses the repository',
      });
    else add(await verifyDetachedArmored(rel('repomd.xml.asc'), repomdAsc, rel('repomd.xml'), repomd, keys, opts));
    // Hrefs are relative to the folder holding repodata/ (which is a link to a generation).
    const repoDir = basename(dir) === 'repodata' ? dirname(dir) : dir;
    const relRepo = (p: string) => relative(base, join(repoDir, p)) || p;
    report.problems.push(...(await checkRepomd(repoDir, rel('repomd.xml'), Buffer.from(repomd).toString('utf8'), relRepo)));
  } else if (repomdAsc) {
    report.problems.push({
      file: rel('repomd.xml.asc'),
      code: 'REPOMD_MISSING',
      severity: 'error',
      message: 'repomd.xml.asc without repomd.xml',
    });
  }
}

export interface VerifyRequest {
  path: string;
  keyrings?: readonly string[];
  recipesRepo?: RecipesRepository;
  /** Fingerprints that must all have signed (rotation checks). */
  requireSigners?: readonly string[];
  /** Also re-hash every apt pool file the indexes list (yum packages are always checked). */
  deep?: boolean;
}

export async function verifyPath(req: VerifyRequest): Promise<VerifyReport> {
  const st = await stat(req.path).catch(() => {
    throw notFound(
      'VERIFY_PATH_MISSING',
      `${req.path} does not exist`,
      'Pass a published repository folder or one of its InRelease, Release.gpg, repomd.xml(.asc) files.',
      { file: req.path },
    );
  });
  const keys = await verificationKeys(req.keyrings ?? [], req.recipesRepo);
  const report: VerifyReport = { path: req.path, checked: [], signers: [], problems: [], ok: true };
  if (st.isDirectory()) {
    const found = await walk(req.path, 0, undefined, await realpath(req.path));
    const dirs = [...found.dirs].sort();
    if (dirs.length === 0 && found.rpms.length === 0) {
      report.problems.push({
        file: req.path,
        code: 'VERIFY_NOTHING',
        severity: 'error',
        message: 'no InRelease, Release, Release.gpg, repomd.xml(.asc) or .rpm found',
      });
    }
    for (const d of dirs) await verifyDir(d, keys, report, req.path, req.requireSigners, req.deep);
    await verifyRpms(
      found.rpms.sort().map((f) => [f, relative(req.path, f)]),
      keys,
      report,
    );
  } else if (req.path.endsWith('.rpm')) {
    await verifyRpms([[req.path, basename(req.path)]], keys, report);
  } else {
    const name = basename(req.path);
    if (!SIGNED_NAMES.has(name)) {
      throw inputError(
        'VERIFY_UNKNOWN_FILE',
        `don't know how to verify ${name}`,
        'Pass InRelease, Release, Release.gpg, repomd.xml, repomd.xml.asc, an .rpm or a folder.',
        { file: req.path },
      );
    }
    await verifyDir(dirname(req.path), keys, report, dirname(req.path), req.requireSigners, req.deep);
  }
  report.signers = [...new Set(report.signers)];
  report.ok = !report.problems.some((p) => p.severity === 'error');
  return report;
}

/** `pkgtrack verify`: the recipes repository's keys unless keyrings are given. */
export async function verifyCommand(req: {
  path: string;
  keyrings: string[];
  recipesDir?: string;
  requireSigners?: string[];
  deep?: boolean;
}): Promise<VerifyReport> {
  const recipesRepo = req.keyrings.length ? undefined : await optionalRecipesRepository(req.recipesDir);
  return verifyPath({
    path: req.path,
    keyrings: req.keyrings,
    ...(recipesRepo ? { recipesRepo } : {}),
    ...(req.requireSigners?.length ? { requireSigners: req.requireSigners } : {}),
    ...(req.deep ? { deep: true } : {}),
  });
}
