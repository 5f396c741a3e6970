import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as openpgp from 'openpgp';
import { inputError, integrityError, notFound } from '../../core/errors.js';
import { exists } from '../../core/fsutil.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { compareUpstreamVersions, tagToVersion } from '../../formats/versions.js';
import { BEGIN_SIGNATURE } from '../../sign/cleartext.js';
import { findRecipesRepositoryRoot, loadRecipe, loadRecipesRepository, type Recipe, type RecipesRepository } from '../../recipe/load.js';
import { createUpstreamSources } from '../../upstream/index.js';
import type { UpstreamRelease, UpstreamSource } from '../../upstream/source.js';
import { cacheDir, SourceCache } from './source-cache.js';
import { fetchTrunk, gitArchive, repackAsTarXz } from './source-cache-git.js';

export { type DebianSourceDownload, downloadDebianSource } from './source-cache-debian.js';

export interface FetchOptions {
  /** Upstream version to fetch; default: the newest release. */
  version?: string;
  /** Fetch the head of the trunk branch instead of a release (git and github upstreams). */
  trunk?: boolean;
  /** With trunk: this commit (full or abbreviated id) instead of the head. */
  commit?: string;
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
  git?: { url: string; ref: string; commit: string /** Trunk: the branch the commit was taken from. */; branch?: string };
  /**
   * Upstream signature: verified with the recipe's upstream key (which key file, which
   * signature), or not checked and why (no key, no signature).
   */
  signature:
    | {
        verified: true;
        fingerprint: string;
        key: string;
        signatureUrl: string;
        /** The signature as downloaded (in the source cache). */
        file: string;
        /** What was legacy yet accepted in a signature Debian's archive ships, as dpkg-source's gpgv accepts it (SHA-1, DSA, an expired key). */
        legacy?: string[];
      }
    | { verified: false; reason: string };
  /** The URL served different bytes before (replaced asset, moved tag). */
  upstreamChanged?: { previousSha256: string };
  /**
   * The verified upstream signature, armored, beside the orig tarball (`<origName>.asc`): the
   * source package carries it as Debian's uploads do (dpkg-source -b takes it from there).
   * Only for a tarball kept byte-identical; a repacked one is no longer what upstream signed.
   */
  origSignature?: string;
}

const TAR_EXT = /\.(tar\.(gz|xz|bz2|zst|lzma)|tgz|tbz2?|txz)$/;
const normalizeExt = (e: string) => ({ tgz: 'tar.gz', tbz: 'tar.bz2', tbz2: 'tar.bz2', txz: 'tar.xz' })[e] ?? e;

export async function fetchSource(
  recipesRepo: Pick<RecipesRepository, 'root'>,
  recipe: Recipe,
  opts: FetchOptions = {},
): Promise<FetchedSource> {
  const progress = opts.progress ?? silentProgress;
  const cache = new SourceCache(await cacheDir(recipesRepo.root));
  const outDir = opts.outDir ?? join(cache.dir, 'orig', recipe.name);
  if (opts.trunk) return fetchTrunk(cache, recipe, outDir, progress, opts.commit);
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
  // With a hash from a signed index, a cached copy is as good as a download. Without one the
  // URL is asked again, conditionally (ETag/Last-Modified): a 304 keeps the cached copy, and a
  // re-tagged or replaced upstream tarball is still noticed.
  const cached = release.sha256 ? await cache.verifiedBlob(release.sha256) : undefined;
  if (!cached) progress.step(`downloading ${release.sourceUrl}`);
  const got =
    cached ??
    (await cache.download(release.sourceUrl, {
      ...(release.sha256 ? { expectedSha256: release.sha256 } : {}),
      ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
    }));
  if (cached) progress.step(`${release.sourceUrl}: cached copy, SHA-256 checked`);
  else if ('notModified' in got) progress.step(`${release.sourceUrl}: not modified upstream, cached copy used`);
  if (got.changed) progress.warn(`${release.sourceUrl} now serves different bytes than before (was ${got.previous}); recorded`);
  const signature = await verifyUpstreamSignature(cache, recipe, release, got.path, opts, progress);
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
    const origSignature = signature.verified ? await writeArmoredSignature(signature.file, `${origTarball}.asc`) : undefined;
    return {
      ...base,
      origTarball,
      origName,
      sha256: got.sha256,
      size: got.size,
      method: 'tarball',
      ...(origSignature ? { origSignature } : {}),
    };
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

/**
 * Pick the release: the given version, else the newest stable one. Releases come from the
 * caller (check already knows them), else from the recipe's UpstreamSource (src/upstream/).
 * A recipe with a source.url template and an explicit version needs no upstream query.
 */
async function resolveRelease(recipe: Recipe, opts: FetchOptions, cacheRoot: string): Promise<UpstreamRelease> {
  let releases = opts.releases;
  if (!releases && opts.version && recipe.config.source?.url) return templated(recipe, opts.version);
  if (!releases) {
    const source =
      opts.upstream ??
      createUpstreamSources({
        ...(opts.progress ? { progress: opts.progress } : {}),
        ...(opts.fetchImpl ? { fetch: opts.fetchImpl } : {}),
        debian: { indexCacheDir: cacheRoot },
      })[recipe.config.upstream.kind];
    const rec = {
      recipe: recipe.name,
      dir: recipe.dir,
      config: recipe.config.upstream,
      tagToVersion: (t: string) => tagToVersion(t, recipe.config.versions),
    };
    const got = (await source.releases([rec])).get(recipe.name);
    if (got instanceof Error) throw got;
    releases = got ?? [];
  }
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

/** Where Debian packaging keeps upstream's signing key (uscan reads it there too). */
const DEBIAN_UPSTREAM_KEY = 'debian/upstream/signing-key.asc';

/**
 * The upstream signature of the fetched file, checked as uscan does. The key is the recipe's
 * source.upstreamKey; for a Debian archive upstream also debian/upstream/signing-key.asc, and the
 * signature the `.asc` Debian ships beside the orig tarball (listed in the signed Sources index).
 * Debian upstreams: a shipped .asc without a key is a warning, a key without a shipped .asc
 * (Debian did not keep one for this version) is noted; other upstreams with a key need a
 * signature URL.
 */
async function verifyUpstreamSignature(
  cache: SourceCache,
  recipe: Recipe,
  release: UpstreamRelease,
  file: string,
  opts: FetchOptions,
  progress: Progress,
): Promise<FetchedSource['signature']> {
  const fromDebian = recipe.config.upstream.kind === 'debian';
  const keyRel =
    recipe.config.source?.upstreamKey ??
    (fromDebian && (await exists(join(recipe.dir, DEBIAN_UPSTREAM_KEY))) ? DEBIAN_UPSTREAM_KEY : undefined);
  // {url} is the source URL itself (debian/watch pgpsigurlmangle s/$/.sig/ imports as {url}.sig).
  const sigUrl =
    release.signatureUrl ??
    recipe.config.source?.signatureUrl?.replaceAll('{version}', release.version).replaceAll('{url}', release.sourceUrl ?? '');
  if (!keyRel) {
    if (fromDebian && sigUrl) {
      const reason = `Debian ships ${basename(sigUrl)} but recipes/${recipe.name}/${DEBIAN_UPSTREAM_KEY} is missing: the upstream signature is not checked`;
      progress.warn(`${recipe.name}: ${reason} (add upstream's armored key there)`);
      return { verified: false, reason };
    }
    return { verified: false, reason: 'the recipe ships no upstream key (source.upstreamKey)' };
  }
  if (!sigUrl) {
    if (fromDebian) return { verified: false, reason: `Debian ships no signature for ${release.sourceUrl ?? 'this orig tarball'}` };
    throw inputError(
      'UPSTREAM_SIGNATURE_MISSING',
      `${recipe.name} ships upstream's key but no signature URL is known`,
      'Set source.signatureUrl (e.g. {url}.asc) in the recipe.',
      { file: recipe.file, field: 'source.signatureUrl' },
    );
  }
  const keyFile = join(recipe.dir, keyRel);
  const keyText = await readFile(keyFile, 'utf8').catch(() => {
    throw notFound('UPSTREAM_KEY_NOT_FOUND', `${keyFile} does not exist`, "Add upstream's armored public key there.", {
      file: recipe.file,
      field: 'source.upstreamKey',
    });
  });
  const sig = await cache.download(sigUrl, { maxBytes: 1024 * 1024, ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) });
  const sigBytes = await readFile(sig.path);
  const keys = await openpgp.readKeys({ armoredKeys: keyText });
  const signature = isArmored(sigBytes)
    ? await openpgp.readSignature({ armoredSignature: sigBytes.toString('utf8') })
    : await openpgp.readSignature({ binarySignature: sigBytes });
  const message = await openpgp.createMessage({ binary: await readFile(file) });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys });
  for (const s of result.signatures) {
    try {
      await s.verified;
      const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
      const fingerprint = key?.getFingerprint().toUpperCase() ?? s.keyID.toHex();
      progress.step(`${basename(sigUrl)}: good signature by ${fingerprint} (${keyRel})`);
      return { verified: true, fingerprint, key: keyRel, signatureUrl: sigUrl, file: sig.path };
    } catch {
      /* try the next signature */
    }
  }
  // Long-lived upstream keys still sign with SHA-1, DSA-1024 or keys since expired, which
  // openpgp.js refuses. dpkg-source's gpgv accepts them in the signature Debian's archive ships
  // (itself covered by the signed Sources index), so a Debian source does too, with a warning
  // naming what is legacy; a signature fetched from upstream stays refused.
  const signedAt = signature.packets[0]?.created ?? undefined;
  const legacy = await openpgp.verify({
    // A message is read once: verify the bytes afresh.
    message: await openpgp.createMessage({ binary: await readFile(file) }),
    signature,
    verificationKeys: keys,
    // As gpgv: at the time it was signed (a key expired since still made it).
    ...(signedAt ? { date: signedAt } : {}),
    config: {
      rejectMessageHashAlgorithms: new Set([openpgp.enums.hash.md5, openpgp.enums.hash.ripemd]),
      rejectPublicKeyAlgorithms: new Set(),
      minRSABits: 1024,
      allowMissingKeyFlags: true,
    },
  });
  for (const s of legacy.signatures) {
    const good = await s.verified.then(
      () => true,
      () => false,
    );
    if (!good) continue;
    const key = keys.find((k) => k.getKeys(s.keyID).length > 0);
    const fingerprint = key?.getFingerprint().toUpperCase() ?? s.keyID.toHex();
    const packet = signature.packets.find((p) => p.issuerKeyID.equals(s.keyID)) ?? signature.packets[0];
    const weak = [
      ...(packet?.hashAlgorithm === openpgp.enums.hash.sha1 ? ['a SHA-1 digest'] : []),
      ...(key?.getAlgorithmInfo().algorithm === 'dsa' ? ['a DSA key'] : []),
      ...(key && (await key.getExpirationTime().catch(() => null)) instanceof Date && (await key.getExpirationTime())! < new Date()
        ? ['a key expired since']
        : []),
    ];
    const what = weak.length ? weak.join(', ') : 'legacy parameters';
    if (!fromDebian)
      throw integrityError(
        'UPSTREAM_SIGNATURE_BAD',
        `the upstream signature ${sigUrl} verifies ${release.sourceUrl} only with ${what}, which is refused (key ${fingerprint} in ${keyFile})`,
        'Ask upstream to sign with a current key and SHA-256 or better; check the tarball by other means (a published checksum) and pin it in the recipe meanwhile.',
        { file: keyFile },
      );
    progress.warn(
      `${recipe.name}: ${basename(sigUrl)}: good signature by ${fingerprint} (${keyRel}), but made with ${what}: accepted as dpkg-source's gpgv does for the signature Debian's archive ships`,
    );
    return { verified: true, fingerprint, key: keyRel, signatureUrl: sigUrl, file: sig.path, legacy: weak.length ? weak : [what] };
  }
  throw integrityError(
    'UPSTREAM_SIGNATURE_BAD',
    `the upstream signature ${sigUrl} does not verify ${release.sourceUrl} with the key in ${keyFile}`,
    "Do not build this source: check upstream's announcement; if upstream rotated its key, update the key file.",
    { file: keyFile },
  );
}

/** An armored signature (upstream's .asc), not a binary one (.sig). */
const isArmored = (bytes: Buffer) => bytes.toString('latin1').includes(BEGIN_SIGNATURE);

/**
 * `<orig>.asc` beside the orig tarball: Debian's armored .asc as shipped (its bytes are what the
 * archive lists), a binary upstream .sig armored (dpkg-source takes only armored `.asc`).
 */
async function writeArmoredSignature(from: string, to: string): Promise<string> {
  const bytes = await readFile(from);
  const armored = isArmored(bytes) ? bytes : Buffer.from((await openpgp.readSignature({ binarySignature: bytes })).armor(), 'utf8');
  await writeFile(to, armored);
  return to;
}

/** `pkgtrack fetch <recipe>`: open the repository and recipe, then fetchSource(). */
export async function fetchSourceByName(name: string, opts: FetchOptions & { recipesDir?: string }): Promise<FetchedSource> {
  const recipesRepo = await loadRecipesRepository(await findRecipesRepositoryRoot(opts.recipesDir));
  return fetchSource(recipesRepo, await loadRecipe(recipesRepo, name), opts);
}
