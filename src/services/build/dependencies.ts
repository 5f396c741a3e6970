/**
 * What goes into a build's dependency image besides the toolchain: the Build-Depends, the
 * recipe's and target's extra packages, the build profiles their restrictions are evaluated
 * with, and the target's extra apt repositories with their keyrings (read from the recipes
 * repository here, so the image's tag — a hash of the install step — changes with a key).
 */
import { createHash } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import { copyFile, link, mkdtemp, readFile, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { type Builder, type DependencyExtras, type ExtraAptRepository, LOCAL_PACKAGES_DIR } from '../../builders/builder.js';
import type { ContainerEngine, Mount } from '../../containers/engine.js';
import { inputError, notFound } from '../../core/errors.js';
import { ifExists } from '../../core/fsutil.js';
import { armorPublicKeys, readKeys } from '../../sign/keys.js';
import type { Progress } from '../../core/progress.js';
import type { BuildSettings, ExtraRepository } from '../../recipe/build-settings.js';
import { type Target, targetKey } from '../../recipe/targets.js';
import { type DependencyImage, ensureDependencyImage } from '../image/image.js';
import { makeDirs } from '../../core/dirs.js';

/** A keyring goes into the install step's argv (base64): far below the kernel's 128 KiB per argument. */
const MAX_KEY_BYTES = 64 * 1024;

export interface DependencyRequest {
  /** Build-Depends plus extra packages, sorted. */
  deps: string[];
  extras: DependencyExtras;
}

/** A package built earlier in the run that a build dependency may come from. */
export interface LocalPackage {
  /** Host path. */
  path: string;
  name: string;
  sha256: string;
}

/** The .deb files of a finished build (built, or up to date), hashed. */
export async function localPackagesOf(outDir: string, artifacts: readonly string[]): Promise<LocalPackage[]> {
  const out: LocalPackage[] = [];
  for (const name of artifacts.filter((a) => a.endsWith('.deb'))) {
    const path = join(outDir, name);
    out.push({
      path,
      name,
      sha256: createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    });
  }
  return out;
}

/** The dependency install of one (recipe, target): relations, profiles, extra repositories with their keys, packages built earlier. */
export async function dependencyRequest(
  recipesRoot: string,
  buildDeps: readonly string[],
  settings: BuildSettings,
  local: readonly LocalPackage[] = [],
  published?: () => Promise<ExtraAptRepository>,
): Promise<DependencyRequest> {
  const repositories: ExtraAptRepository[] = [];
  for (const r of settings.extraRepositories) {
    if (r !== 'published') repositories.push(await withKey(recipesRoot, r));
    else if (published) repositories.push(await published());
  }
  return {
    deps: [...new Set([...buildDeps, ...settings.extraPackages])].sort(),
    extras: {
      ...(settings.profiles.length ? { profiles: settings.profiles } : {}),
      ...(repositories.length ? { repositories } : {}),
      ...(local.length ? { localPackages: local.map((p) => ({ name: p.name, sha256: p.sha256 })) } : {}),
    },
  };
}

/**
 * `extraRepositories: [published]`: the repository's own suite as users get it, <url>/apt, with
 * the public part of the signing key (readable without the passphrase) as its keyring.
 */
export async function publishedRepository(
  config: { url?: string | undefined; signing?: { key: string; extraKeys: readonly string[] } | undefined },
  recipesRoot: string,
  suite: string,
): Promise<ExtraAptRepository> {
  const field = 'build.extraRepositories';
  if (!config.url)
    throw inputError(
      'EXTRA_REPO_PUBLISHED_NO_URL',
      `${field} lists "published", but pkgtrack.yaml has no url: to read the published suite ${suite} from`,
      "Set url: in pkgtrack.yaml to where the repository is served (the web page's address; apt reads <url>/apt), or list the repository with url: and suite: instead.",
      { field: 'url', file: join(recipesRoot, 'pkgtrack.yaml') },
    );
  if (!config.signing)
    throw inputError(
      'EXTRA_REPO_PUBLISHED_UNSIGNED',
      `${field} lists "published", but pkgtrack.yaml has no signing key to verify the published suite ${suite} with`,
      'Set signing.key in pkgtrack.yaml (the key publish signs with); its public part becomes the keyring apt checks the suite with.',
      { field: 'signing.key', file: join(recipesRoot, 'pkgtrack.yaml') },
    );
  const keys: Awaited<ReturnType<typeof readKeys>> = [];
  for (const f of [config.signing.key, ...config.signing.extraKeys]) {
    const file = isAbsolute(f) ? f : join(recipesRoot, f);
    const bytes = await ifExists(readFile(file));
    if (!bytes)
      throw notFound(
        'EXTRA_REPO_PUBLISHED_KEY_MISSING',
        `cannot read the signing key ${file}, whose public part verifies the published suite ${suite}`,
        'Create it (`pkgtrack key generate`) or fix signing.key in pkgtrack.yaml.',
        { field: 'signing.key', file },
      );
    keys.push(...(await readKeys(bytes, file)).map((k) => k.toPublic()));
  }
  return {
    url: `${config.url.replace(/\/+$/, '')}/apt`,
    suite,
    components: ['main'],
    priority: 500,
    key: { bytes: Buffer.from(armorPublicKeys(keys)), armored: true },
  };
}

async function withKey(recipesRoot: string, r: Exclude<ExtraRepository, 'published'>): Promise<ExtraAptRepository> {
  const repo: ExtraAptRepository = { url: r.url, suite: r.suite, components: r.components, priority: r.priority };
  if (!r.key) return repo;
  const field = 'build.extraRepositories.key';
  const file = join(recipesRoot, r.key);
  if (isAbsolute(r.key) || relative(recipesRoot, file).startsWith('..'))
    throw inputError(
      'EXTRA_REPO_KEY_OUTSIDE',
      `the keyring of ${r.url} ${r.suite} (${r.key}) is outside the recipes repository`,
      'Copy the keyring into the recipes repository (e.g. keys/) and give its path relative to the root.',
      { field, file: r.key },
    );
  const bytes = await ifExists(readFile(file));
  if (!bytes)
    throw notFound(
      'EXTRA_REPO_KEY_MISSING',
      `the keyring of ${r.url} ${r.suite} is missing: ${file}`,
      "Add the repository's public key there (armored .asc or binary .gpg), or leave key out to use the distro's archive keyring.",
      { field, file },
    );
  if (bytes.length > MAX_KEY_BYTES)
    throw inputError(
      'EXTRA_REPO_KEY_TOO_LARGE',
      `the keyring ${file} is ${bytes.length} bytes; at most ${MAX_KEY_BYTES} are accepted`,
      'Export only the key(s) that sign this repository (gpg --export KEYID).',
      { field, file },
    );
  return { ...repo, key: { bytes, armored: bytes.subarray(0, 40).toString('latin1').includes('-----BEGIN PGP') } };
}

/**
 * One dependency-image creation per distinct install at a time; later builds of the run reuse it.
 * Packages built earlier in the run are linked into a work dir mounted read-only for the install.
 */
export function sharedDependencyImage(
  locks: Map<string, Promise<DependencyImage>>,
  engine: ContainerEngine,
  builder: Builder,
  target: Target,
  request: DependencyRequest,
  progress: Progress,
  log: WriteStream,
  opts: { recipesRoot: string; local: readonly LocalPackage[] },
): Promise<DependencyImage> {
  const argv = builder.dependencyInstall(target, request.deps, request.extras).argv;
  const key = `${targetKey(target)}\0${createHash('sha256').update(JSON.stringify(argv)).digest('hex')}`;
  let p = locks.get(key);
  if (!p) {
    p = withLocalPackages(opts.recipesRoot, opts.local, (mounts) =>
      ensureDependencyImage(engine, builder, target, request.deps, progress, log, request.extras, mounts),
    );
    locks.set(key, p);
    p.catch(() => locks.delete(key));
  }
  return p;
}

async function withLocalPackages<T>(recipesRoot: string, local: readonly LocalPackage[], use: (mounts: Mount[]) => Promise<T>): Promise<T> {
  if (!local.length) return use([]);
  const parent = join(recipesRoot, '.pkgtrack', 'work');
  await makeDirs(parent);
  const dir = await mkdtemp(join(parent, 'local-packages-'));
  try {
    for (const p of local) await link(p.path, join(dir, p.name)).catch(() => copyFile(p.path, join(dir, p.name)));
    return await use([{ host: dir, container: LOCAL_PACKAGES_DIR, readOnly: true }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The part of the build inputs the dependency install adds (absent when there is nothing beyond the Build-Depends). */
export function dependencyInputs(request: DependencyRequest, settings: BuildSettings): Record<string, unknown> {
  const repos = (request.extras.repositories ?? []).map((r) => ({
    url: r.url,
    suite: r.suite,
    components: r.components,
    priority: r.priority,
    ...(r.key ? { key: createHash('sha256').update(r.key.bytes).digest('hex') } : {}),
  }));
  return {
    ...(settings.options.length ? { buildOptions: settings.options } : {}),
    ...(settings.profiles.length ? { buildProfiles: settings.profiles } : {}),
    ...(settings.extraPackages.length ? { extraPackages: settings.extraPackages } : {}),
    ...(repos.length ? { extraRepositories: repos } : {}),
    ...(request.extras.localPackages?.length ? { localPackages: request.extras.localPackages } : {}),
  };
}
