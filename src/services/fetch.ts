/**
 * `pkgtrack fetch`: the upstream source of one recipe at one version (or trunk), downloaded
 * into the content-addressed cache, checked (SHA-256, upstream OpenPGP signature when the
 * recipe ships upstream's key) and placed as <name>_<version>.orig.tar.<ext>, byte-identical to
 * upstream's tarball when it is a tarball. The build helper calls fetchSource().
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { extractArchive } from '../patches/extract.js';
import * as openpgp from 'openpgp';
import { inputError, integrityError, notFound } from '../core/errors.js';
import { run } from '../core/exec.js';
import { type Progress, silentProgress } from '../core/progress.js';
import { compareUpstreamVersions, formatSnapshotVersion, tagToVersion } from '../formats/versions.js';
import type { Recipe, Repository } from '../recipe/load.js';
import { debianUpstreamVersion } from '../patches/dsc.js';
import type { UpstreamRelease, UpstreamSource } from '../upstream/source.js';
import { cacheDir, SourceCache } from './source-cache.js';
import { type DebianArchiveRef, debianSourcesIndex, findDebianSources } from './source-cache-debian.js';

export interface FetchOptions {
  /** Upstream version to fetch; default: the newest release. */
  version?: string;
  /** Fetch the head of the trunk branch instead of a release (git and github upstreams). */
  trunk?: boolean;
  /** Where to place the orig tarball; default: <cache>/orig/<name>/. */
  outDir?: string;
  /** Releases already known (from `pkgtrack check`); skips asking upstream. */
  releases?: readonly UpstreamRelease[];
  /** Upstream port to ask for releases; default: the minimal resolver in this file. */
  upstream?: UpstreamSource;
  progress?: Progress;
  fetchImpl?: typeof fetch;
}

export interface FetchedSource {
  recipe: string;
  /** Upstream version, e.g. 2.12.1 or 2.12.1+git20260121.14.1a2b3c4. */
  version: string;
  /** Absolute path of <name>_<version>.orig.tar.<ext>. */
  origTarball: string;
  origName: string;
  sha256: string;
  size: number;
  /** How the orig tarball was made. */
  method: 'tarball' | 'repacked' | 'git-archive';
  sourceUrl?: string;
  git?: { url: string; ref: string; commit: string };
  /** Upstream signature: verified with the recipe's upstream key, or not checked (no key/signature). */
  signature: { verified: true; fingerprint: string } | { verified: false; reason: string };
  /** The URL served different bytes before (replaced asset, moved tag). */
  upstreamChanged?: { previousSha256: string };
}

const TAR_EXT = /\.(tar\.(gz|xz|bz2|zst|lzma)|tgz|tbz2?|txz)$/;
const normalizeExt = (e: string) => ({ tgz: 'tar.gz', tbz: 'tar.bz2', tbz2: 'tar.bz2', txz: 'tar.xz' })[e] ?? e;

export async function fetchSource(repo: Pick<Repository, 'root'>, recipe: Recipe, opts: FetchOptions = {}): Promise<FetchedSource> {
  const progress = opts.progress ?? silentProgress;
  const cache = new SourceCache(await cacheDir(repo.root));
  const outDir = opts.outDir ?? join(cache.dir, 'orig', recipe.name);
  if (opts.trunk) return fetchTrunk(cache, recipe, outDir, progress);
  const release = await resolveRelease(recipe, opts, cache.dir);
  const version = release.version;
  if (!release.sourceUrl && release.git) return gitArchive(cache, recipe, outDir, release.git.url, release.git.ref, version, progress);
  if (!release.sourceUrl) {
    throw notFound(
      'SOURCE_URL_UNKNOWN',
      `no source URL for ${recipe.name} ${version}`,
      'Set source.url in the recipe (e.g. https://example.org/foo-{version}.tar.gz).',
      { file: recipe.file, field: 'source.url' },
    );
  }
  progress.step(`downloading ${release.sourceUrl}`);
  const got = await cache.download(release.sourceUrl, {
    ...(release.sha256 ? { expectedSha256: release.sha256 } : {}),
    ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
  });
  if (got.changed) progress.warn(`${release.sourceUrl} now serves different bytes than before (was ${got.previous}); recorded`);
  const signature = await verifyUpstreamSignature(cache, recipe, release, got.path, opts);
  const ext = TAR_EXT.exec(new URL(release.sourceUrl).pathname)?.[1];
  const base = {
    recipe: recipe.name,
    version,
    sourceUrl: release.sourceUrl,
    signature,
    ...(got.changed && got.previous ? { upstreamChanged: { previousSha256: got.previous } } : {}),
  };
  if (ext) {
    const origName = `${recipe.name}_${version}.orig.${normalizeExt(ext)}`;
    const origTarball = join(outDir, origName);
    await cache.materialize(got.sha256, origTarball);
    return { ...base, origTarball, origName, sha256: got.sha256, size: got.size, method: 'tarball' };
  }
  // Not a tarball (zip, ...): unpack safely and repack as tar.xz.
  const r = await repackAsTarXz(
    got.path,
    basename(new URL(release.sourceUrl).pathname),
    `${recipe.name}-${version}`,
    join(outDir, `${recipe.name}_${version}.orig.tar.xz`),
  );
  return {
    ...base,
    origTarball: r.path,
    origName: `${recipe.name}_${version}.orig.tar.xz`,
    sha256: r.sha256,
    size: r.size,
    method: 'repacked',
  };
}

/** Pick the release: the given version, else the newest stable one. */
async function resolveRelease(recipe: Recipe, opts: FetchOptions, cache: string): Promise<UpstreamRelease> {
  let releases = opts.releases;
  if (!releases && opts.upstream) {
    const rec = {
      recipe: recipe.name,
      config: recipe.config.upstream,
      tagToVersion: (t: string) => tagToVersion(t, recipe.config.versions),
    };
    const got = (await opts.upstream.releases([rec])).get(recipe.name);
    if (got instanceof Error) throw got;
    releases = got ?? [];
  }
  if (!releases) releases = await minimalReleases(recipe, { ...opts, cacheDir: cache });
  const stable = releases.filter((r) => !r.prerelease);
  const pick = opts.version
    ? releases.find((r) => r.version === opts.version)
    : [...stable].sort((a, b) => compareUpstreamVersions(b.version, a.version))[0];
  if (!pick) {
    if (opts.version && recipe.config.source?.url) return templated(recipe, opts.version);
    throw notFound(
      'VERSION_NOT_FOUND',
      `${recipe.name}: upstream has no release ${opts.version ?? '(none found)'}`,
      `Known: ${
        releases
          .slice(0, 8)
          .map((r) => r.version)
          .join(', ') || 'none'
      }. Run \`pkgtrack check ${recipe.name}\`.`,
    );
  }
  if (recipe.config.source?.url && !pick.sourceUrl)
    return { ...templated(recipe, pick.version), ...pick, sourceUrl: templated(recipe, pick.version).sourceUrl! };
  return pick;
}

function templated(recipe: Recipe, version: string): UpstreamRelease {
  const s = recipe.config.source!;
  return {
    version,
    sourceUrl: s.url!.replaceAll('{version}', version),
    ...(s.signatureUrl
      ? { signatureUrl: s.signatureUrl.replaceAll('{version}', version).replaceAll('{url}', s.url!.replaceAll('{version}', version)) }
      : {}),
  };
}

/**
 * MINIMAL RESOLVER (to fold into src/upstream/ later): versions from the Debian pool listing
 * and .dsc checksums, or tags from `git ls-remote` for git/github upstreams.
 */
export async function minimalReleases(
  recipe: Recipe,
  opts: Pick<FetchOptions, 'version' | 'fetchImpl'> & { cacheDir?: string },
): Promise<UpstreamRelease[]> {
  const up = recipe.config.upstream;
  if (up.kind === 'debian') return debianPoolReleases(up, opts.cacheDir ?? (await cacheDir()), opts.fetchImpl);
  if (up.kind === 'git' || up.kind === 'github') {
    const url = up.kind === 'git' ? up.url : `https://github.com/${up.repo}.git`;
    const r = await run('git', ['ls-remote', '--tags', '--refs', url], {
      timeoutMs: 120_000,
      what: `git ls-remote ${url}`,
      errorCode: 'UPSTREAM_UNREACHABLE',
    });
    const out: UpstreamRelease[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^([0-9a-f]{40})\trefs\/tags\/(.+)$/.exec(line);
      const v = m ? tagToVersion(m[2]!, recipe.config.versions) : undefined;
      if (m && v) out.push({ version: v, tag: m[2]!, commit: m[1]!, git: { url, ref: m[2]! } });
    }
    return out.sort((a, b) => compareUpstreamVersions(b.version, a.version));
  }
  if (recipe.config.source?.url && opts.version) return [templated(recipe, opts.version)];
  throw notFound(
    'VERSION_UNKNOWN',
    `${recipe.name}: give --version for an http upstream`,
    'Run `pkgtrack check` to list versions, then `pkgtrack fetch <recipe> --version V`.',
  );
}

/** Every source version of `pkg` in the suite's signed Sources index, with orig tarball URL and SHA-256. */
export async function debianPoolReleases(
  ref: DebianArchiveRef & { package: string },
  cache: string,
  fetchImpl?: typeof fetch,
): Promise<UpstreamRelease[]> {
  const index = await debianSourcesIndex(ref, cache, fetchImpl ? { fetchImpl } : {});
  const archive = (ref.archive ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
  const out: UpstreamRelease[] = [];
  for (const e of await findDebianSources(index, ref.package)) {
    const tarball = e.files.find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.name));
    const sig = e.files.find((f) => /\.orig\.tar\.[a-z0-9]+\.asc$/.test(f.name));
    const version = debianUpstreamVersion(e.version);
    if (!tarball || out.some((r) => r.version === version)) continue;
    out.push({
      version,
      tag: e.version,
      sourceUrl: `${archive}/${e.directory}/${tarball.name}`,
      sha256: tarball.sha256,
      ...(sig ? { signatureUrl: `${archive}/${e.directory}/${sig.name}` } : {}),
    });
  }
  return out;
}

async function verifyUpstreamSignature(
  cache: SourceCache,
  recipe: Recipe,
  release: UpstreamRelease,
  file: string,
  opts: FetchOptions,
): Promise<FetchedSource['signature']> {
  const keyRel = recipe.config.source?.upstreamKey;
  // {url} is the source URL itself (debian/watch pgpsigurlmangle s/$/.sig/ imports as {url}.sig).
  const sigUrl =
    release.signatureUrl ??
    recipe.config.source?.signatureUrl?.replaceAll('{version}', release.version).replaceAll('{url}', release.sourceUrl ?? '');
  if (!keyRel) return { verified: false, reason: 'the recipe ships no upstream key (source.upstreamKey)' };
  if (!sigUrl) {
    throw inputError(
      'UPSTREAM_SIGNATURE_MISSING',
      `${recipe.name} ships upstream's key but no signature URL is known`,
      'Set source.signatureUrl (e.g. {url}.asc) in the recipe.',
      { file: recipe.file, field: 'source.signatureUrl' },
    );
  }
  const keyText = await readFile(join(recipe.dir, keyRel), 'utf8').catch(() => {
    throw notFound('UPSTREAM_KEY_NOT_FOUND', `${join(recipe.dir, keyRel)} does not exist`, "Add upstream's armored public key there.", {
      file: recipe.file,
      field: 'source.upstreamKey',
    });
  });
  const sig = await cache.download(sigUrl, { maxBytes: 1024 * 1024, ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) });
  const sigBytes = await readFile(sig.path);
  const keys = await openpgp.readKeys({ armoredKeys: keyText });
  const signature = sigBytes.toString('latin1').includes('-----BEGIN PGP SIGNATURE-----')
    ? await openpgp.readSignature({ armoredSignature: sigBytes.toString('utf8') })
    : await openpgp.readSignature({ binarySignature: sigBytes });
  const message = await openpgp.createMessage({ binary: await readFile(file) });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys });
  for (const s of result.signatures) {
    try {
      await s.verified;
      const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
      return { verified: true, fingerprint: key?.getFingerprint().toUpperCase() ?? s.keyID.toHex() };
    } catch {
      /* try the next signature */
    }
  }
  throw integrityError(
    'UPSTREAM_SIGNATURE_BAD',
    `the upstream signature ${sigUrl} does not verify ${release.sourceUrl} with the key in ${keyRel}`,
    "Do not build this source: check upstream's announcement; if upstream rotated its key, update source.upstreamKey.",
  );
}

/** `git archive` of a ref into <name>_<version>.orig.tar.xz, from a cached bare clone. */
async function gitArchive(
  cache: SourceCache,
  recipe: Recipe,
  outDir: string,
  url: string,
  ref: string,
  version: string,
  progress: Progress,
): Promise<FetchedSource> {
  const bare = await bareClone(cache, url, progress);
  const commit = (
    await run('git', ['-C', bare, 'rev-parse', '--verify', `${ref}^{commit}`], { what: `git rev-parse ${ref}` })
  ).stdout.trim();
  // A force-moved tag is recorded and reported, like a replaced tarball.
  const moved = await cache.record(`git:${url}#${ref}`, commit, 0);
  if (moved.changed) progress.warn(`tag ${ref} of ${url} moved from ${moved.previous} to ${commit}; recorded`);
  const tar = await run('git', ['-C', bare, 'archive', '--format=tar', `--prefix=${recipe.name}-${version}/`, commit], {
    binary: true,
    what: 'git archive',
  });
  const xz = await run('xz', ['-9', '-T1', '-c', '-q'], { input: tar.stdoutBytes, binary: true, what: 'xz' });
  const origName = `${recipe.name}_${version}.orig.tar.xz`;
  await mkdir(outDir, { recursive: true });
  const origTarball = join(outDir, origName);
  await writeFile(origTarball, xz.stdoutBytes);
  const sha256 = createHash('sha256').update(xz.stdoutBytes).digest('hex');
  return {
    recipe: recipe.name,
    version,
    origTarball,
    origName,
    sha256,
    size: xz.stdoutBytes.length,
    method: 'git-archive',
    git: { url, ref, commit },
    signature: { verified: false, reason: 'git archive (no upstream tarball signature)' },
    ...(moved.changed && moved.previous ? { upstreamChanged: { previousSha256: moved.previous } } : {}),
  };
}

async function bareClone(cache: SourceCache, url: string, progress: Progress): Promise<string> {
  const dir = join(cache.dir, 'git', createHash('sha256').update(url).digest('hex').slice(0, 16));
  const ok = await run('git', ['-C', dir, 'rev-parse', '--git-dir'], { check: false }).catch(() => undefined);
  if (ok?.code === 0) {
    progress.step(`updating ${url}`);
    await run('git', ['-C', dir, 'fetch', '--quiet', '--prune', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'], {
      timeoutMs: 600_000,
      what: `git fetch ${url}`,
      errorCode: 'UPSTREAM_UNREACHABLE',
    });
  } else {
    progress.step(`cloning ${url}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(cache.dir, 'git'), { recursive: true });
    await run('git', ['clone', '--quiet', '--bare', '--', url, dir], {
      timeoutMs: 600_000,
      what: `git clone ${url}`,
      errorCode: 'UPSTREAM_UNREACHABLE',
    });
  }
  return dir;
}

async function fetchTrunk(cache: SourceCache, recipe: Recipe, outDir: string, progress: Progress): Promise<FetchedSource> {
  const up = recipe.config.upstream;
  if (up.kind !== 'git' && up.kind !== 'github') {
    throw inputError(
      'TRUNK_UNSUPPORTED',
      `${recipe.name} follows a ${up.kind} upstream, which has no trunk`,
      'Only git and github upstreams have a trunk channel.',
      { file: recipe.file, field: 'upstream.kind' },
    );
  }
  const url = up.kind === 'git' ? up.url : `https://github.com/${up.repo}.git`;
  const bare = await bareClone(cache, url, progress);
  const branch = recipe.config.channels.trunk?.branch ?? (up.kind === 'git' ? up.branch : undefined) ?? 'HEAD';
  const commit = (await run('git', ['-C', bare, 'rev-parse', '--verify', `${branch}^{commit}`])).stdout.trim();
  const date = new Date(Number((await run('git', ['-C', bare, 'show', '-s', '--format=%ct', commit])).stdout.trim()) * 1000);
  const tags = (await run('git', ['-C', bare, 'tag', '--merged', commit, '--sort=-creatordate'])).stdout.split('\n').filter(Boolean);
  const tag = tags.find((t) => tagToVersion(t, recipe.config.versions));
  const commits = Number((await run('git', ['-C', bare, 'rev-list', '--count', tag ? `${tag}..${commit}` : commit])).stdout.trim());
  const pattern = recipe.config.channels.trunk?.versionPattern ?? '{release}+git{date}.{commits}.{sha7}';
  const version = formatSnapshotVersion(pattern, {
    release: tag ? tagToVersion(tag, recipe.config.versions)! : '0',
    date,
    commits,
    sha: commit,
  });
  return gitArchive(cache, recipe, outDir, url, commit, version, progress);
}

/**
 * A non-tar upstream archive (zip) becomes a reproducible tar.xz: extracted safely, then packed
 * sorted, with fixed owner and mtime, under a single <name>-<version>/ directory.
 */
export async function repackAsTarXz(
  archive: string,
  originalName: string,
  prefix: string,
  dest: string,
): Promise<{ path: string; sha256: string; size: number }> {
  const work = join(dirname(dest), `.repack-${createHash('sha256').update(dest).digest('hex').slice(0, 8)}`);
  await rm(work, { recursive: true, force: true });
  const named = join(work, 'in', originalName);
  await mkdir(dirname(named), { recursive: true });
  await writeFile(named, await readFile(archive));
  try {
    const x = await extractArchive(named, join(work, 'x'));
    const srcDir = x.topDir ? join(work, 'x', x.topDir) : join(work, 'x');
    await rename(srcDir, join(work, prefix));
    const tar = await run(
      'tar',
      ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=gnu', '-C', work, '-cf', '-', prefix],
      { binary: true, what: 'tar' },
    );
    const xz = await run('xz', ['-9', '-T1', '-c', '-q'], { input: tar.stdoutBytes, binary: true, what: 'xz' });
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, xz.stdoutBytes);
    return { path: dest, sha256: createHash('sha256').update(xz.stdoutBytes).digest('hex'), size: xz.stdoutBytes.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface DebianSourceDownload {
  package: string;
  version: string;
  dsc: string;
  files: string[];
  dir: string;
}

/**
 * Download a Debian source package (.dsc and every file it lists, SHA-256 checked against the
 * signed Sources index) into `destDir`. `version` picks one (Debian version); default: newest.
 */
export async function downloadDebianSource(
  pkg: string,
  destDir: string,
  opts: DebianArchiveRef & { version?: string; cacheDir?: string; fetchImpl?: typeof fetch } = {},
): Promise<DebianSourceDownload> {
  const f = opts.fetchImpl ?? fetch;
  const archive = (opts.archive ?? 'http://deb.debian.org/debian').replace(/\/$/, '');
  const index = await debianSourcesIndex(opts, opts.cacheDir ?? (await cacheDir()), { fetchImpl: f });
  const entries = await findDebianSources(index, pkg);
  const want = opts.version?.replace(/^\d+:/, '');
  const entry = want ? entries.find((e) => e.version.replace(/^\d+:/, '') === want) : entries[0];
  if (!entry) {
    throw notFound(
      'DEBIAN_VERSION_NOT_FOUND',
      `${pkg} ${opts.version ?? ''} is not in ${opts.suite ?? 'sid'}/${opts.component ?? 'main'}`,
      entries.length
        ? `Available: ${entries.map((e) => e.version).join(', ')}`
        : `Check that "${pkg}" is a Debian source package (not a binary package name).`,
    );
  }
  await mkdir(destDir, { recursive: true });
  const names: string[] = [];
  for (const file of entry.files) {
    const target = join(destDir, file.name);
    names.push(target);
    const have = await readFile(target).catch(() => undefined);
    if (have && createHash('sha256').update(have).digest('hex') === file.sha256) continue;
    const r = await f(`${archive}/${entry.directory}/${encodeURIComponent(file.name)}`);
    if (!r.ok)
      throw notFound(
        'DEBIAN_FILE_NOT_FOUND',
        `${archive}/${entry.directory}/${file.name} answered HTTP ${r.status}`,
        'Retry later; the archive may be syncing.',
      );
    const bytes = Buffer.from(await r.arrayBuffer());
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== file.sha256)
      throw integrityError(
        'DEBIAN_FILE_SHA256_MISMATCH',
        `${file.name} has SHA-256 ${sha}, the Sources index says ${file.sha256}`,
        'Retry; if it persists the mirror is broken.',
      );
    await writeFile(target, bytes);
  }
  const dsc = names.find((n) => n.endsWith('.dsc'))!;
  return { package: pkg, version: entry.version, dsc, files: names, dir: destDir };
}

/** `pkgtrack fetch <recipe>`: open the repository and recipe, then fetchSource(). */
export async function fetchSourceByName(name: string, opts: FetchOptions & { repoDir?: string }): Promise<FetchedSource> {
  const { findRepositoryRoot, loadRecipe, loadRepository } = await import('../recipe/load.js');
  const repo = await loadRepository(await findRepositoryRoot(opts.repoDir));
  return fetchSource(repo, await loadRecipe(repo, name), opts);
}
