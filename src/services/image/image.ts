/**
 * Builder images: the base image per target (containers/base-image.ts) and, on top, the
 * dependency image per (base image id, toolchain + build deps), made by running the builder's
 * install step with network as root and committing the container. Reused while the pair is
 * unchanged, so a rebuild never reinstalls dependencies.
 */
import { createHash } from 'node:crypto';
import type { Builder, DependencyExtras } from '../../builders/builder.js';
import { PkgtrackError } from '../../core/errors.js';
import { detectEngine } from '../../containers/detect.js';
import type { Progress } from '../../core/progress.js';
import { type BaseImage, type BaseVariant, ensureBaseImage, LABEL_KIND, LABEL_TARGET } from '../../containers/base-image.js';
import { CONTAINER_PREFIX, type ContainerEngine, IMAGE_PREFIX, type ImageInfo, type Mount } from '../../containers/engine.js';
import { ensureRpmBaseImage } from '../../containers/images-rpm.js';
import { DEFAULT_ARCH, validArchList } from '../../recipe/arches.js';
import { loadRecipes, resolveTargets } from '../../recipe/load.js';
import { type Target, targetKey, targetSlug, withArch } from '../../recipe/targets.js';
import { optionalRecipesRepository } from '../shared/recipes-repository.js';

export const LABEL_BASE_ID = 'org.pkgtrack.base-id';
export const LABEL_DEPS = 'org.pkgtrack.deps';

export interface DependencyImage {
  ref: string;
  id: string;
  base: BaseImage;
  deps: string[];
  reused: boolean;
}

/** Tag of the dependency image: hash of the base image id and the exact install step. */
export function dependencyImageRef(target: Target, baseId: string, installArgv: readonly string[]): string {
  const h = createHash('sha256').update(baseId).update('\0').update(JSON.stringify(installArgv)).digest('hex').slice(0, 16);
  return `${IMAGE_PREFIX}deps:${targetSlug(target)}-${h}`.toLowerCase();
}

export async function ensureDependencyImage(
  engine: ContainerEngine,
  builder: Builder,
  target: Target,
  deps: string[],
  progress: Progress,
  log?: import('node:fs').WriteStream,
  extras: DependencyExtras = {},
  /** Host directories the install step reads (the packages built earlier in the run). */
  mounts: Mount[] = [],
): Promise<DependencyImage> {
  // rpm targets fall back to the rpm-on-Debian image when their own image cannot be had (images-rpm.ts).
  const base =
    target.format === 'rpm'
      ? await ensureRpmBaseImage(engine, target, progress)
      : await ensureBaseImage(engine, target, progress, 'buildd');
  const step = builder.dependencyInstall(target, [...deps].sort(), extras);
  const ref = dependencyImageRef(target, base.id, step.argv);
  const existing = await engine.imageId(ref);
  if (existing) return { ref, id: existing, base, deps, reused: true };

  const also = (extras.repositories ?? []).map((r) => `${r.url} ${r.suite}`);
  progress.step(
    `installing build dependencies for ${target.id} (${deps.join(', ') || 'toolchain only'})${also.length ? ` also from ${also.join(', ')}` : ''} into ${ref}`,
  );
  const name = `${CONTAINER_PREFIX}deps-${createHash('sha256').update(ref).update(String(process.pid)).digest('hex').slice(0, 10)}`;
  try {
    const r = await engine.run({
      image: base.ref,
      argv: step.argv,
      env: step.env,
      workdir: step.cwd,
      name,
      ...(mounts.length ? { mounts } : {}),
      network: 'default',
      ...(target.arch !== DEFAULT_ARCH ? { arch: target.arch } : {}),
      keep: true,
      // Under qemu-user every maintainer script runs emulated: on a loaded 2-core host 30 min was not enough.
      timeoutMs: (target.arch === DEFAULT_ARCH ? 30 : 120) * 60_000,
      ...(log ? { log } : {}),
      onOutput: (c) => progress.debug(c.trimEnd()),
    });
    if (r.code !== 0) {
      throw new PkgtrackError({
        code: 'DEPS_INSTALL_FAILED',
        kind: 'environment',
        message: `installing build dependencies for ${target.id} failed (exit ${r.code}):\n${r.output.trim().split('\n').slice(-12).join('\n')}`,
        fix: 'Check the Build-Depends in debian/control exist in that release, and that the mirror is reachable.',
        details: { target: target.id, deps },
      });
    }
    const id = await engine.commit(name, ref, {
      [LABEL_KIND]: 'deps',
      [LABEL_TARGET]: targetKey(target),
      [LABEL_BASE_ID]: base.id,
      [LABEL_DEPS]: deps.join(', '),
    });
    return { ref, id, base, deps, reused: false };
  } finally {
    await engine.removeContainer(name);
  }
}

export interface ImageListResult {
  engine: string;
  images: Array<ImageInfo & { kind: string; target: string }>;
}

export async function listBuilderImages(engine: ContainerEngine): Promise<ImageListResult> {
  const images = await engine.listImages(IMAGE_PREFIX);
  return {
    engine: engine.name,
    images: images.map((i) => ({ ...i, kind: i.labels[LABEL_KIND] ?? 'other', target: i.labels[LABEL_TARGET] ?? '' })),
  };
}

export interface PruneResult {
  removed: string[];
  kept: string[];
  /** Stopped pkgtrack containers found and removed (left by killed runs); running ones are never touched. */
  containers: string[];
}

/**
 * Remove dependency images whose base is no longer the current base image of their target
 * (stale), or every pkgtrack image with `all`. Also removes leftover pkgtrack containers.
 */
export async function pruneBuilderImages(engine: ContainerEngine, opts: { all?: boolean; dryRun?: boolean }): Promise<PruneResult> {
  // Running containers belong to builds in progress (this or another process): never touch them.
  const containers = (await engine.listContainers(CONTAINER_PREFIX))
    // podman 4 prints "Up 2 minutes" for .State; docker and newer podman print "running".
    .filter((c) => !/^(up|running|paused|restarting)/i.test(c.state))
    .map((c) => c.name);
  if (!opts.dryRun) for (const c of containers) await engine.removeContainer(c);
  const images = await engine.listImages(IMAGE_PREFIX);
  // A target has a base image per variant (minimal, buildd): a dependency image is current when
  // its base is one of them; a base made again under the same ref is no longer listed.
  const baseIds = images.filter((i) => i.labels[LABEL_KIND] === 'base').map((i) => i.id);
  const removed: string[] = [];
  const kept: string[] = [];
  // Dependency images first: they sit on the base images.
  const ordered = [...images].sort((a, b) => (a.labels[LABEL_KIND] === 'deps' ? -1 : 0) - (b.labels[LABEL_KIND] === 'deps' ? -1 : 0));
  for (const i of ordered) {
    const isDeps = i.labels[LABEL_KIND] === 'deps';
    // rpm targets without their own image sit on the Debian base (images-rpm.ts): matched by id too.
    const stale = isDeps && !baseIds.some((id) => sameId(id, i.labels[LABEL_BASE_ID] ?? ''));
    if (opts.all || stale) {
      if (!opts.dryRun) await engine.removeImage(i.ref);
      removed.push(i.ref);
    } else kept.push(i.ref);
  }
  return { removed, kept, containers };
}

/** Image ids compare by prefix: engines list short ids, labels and manifests keep full ones. */
export function sameId(a: string, b: string): boolean {
  const n = (s: string) => s.replace(/^sha256:/, '');
  return n(a).startsWith(n(b)) || n(b).startsWith(n(a));
}

export interface PrepareImagesOptions {
  /** Target ids; default: every target the recipes repository builds, else debian:bookworm and debian:trixie. */
  targets?: string[] | undefined;
  /** Recipes repository whose targets are the default (found from the working directory when inside one). */
  recipesDir?: string | undefined;
  /** Architectures (Debian or rpm names); default: each target's own (the recipes' `arches:`, else amd64). */
  arches?: string[] | undefined;
  progress: Progress;
  engine?: ContainerEngine;
}

export interface PrepareImagesResult {
  engine: string;
  images: Array<{
    target: string;
    arch: string;
    variant: BaseVariant;
    ref: string;
    id: string;
    origin: string;
    reused: boolean;
    source: string;
    seconds: number;
  }>;
  workarounds: string[];
}

/** The (target, arch) pairs the recipes repository's recipes build (outside one: Debian's stable and testing, amd64). */
async function defaultTargets(recipesDir: string | undefined): Promise<Array<{ id: string; arches: string[] }>> {
  const recipesRepo = await optionalRecipesRepository(recipesDir);
  const targets = recipesRepo ? (await loadRecipes(recipesRepo)).flatMap((r) => r.targets) : [];
  if (!targets.length) return ['debian:bookworm', 'debian:trixie'].map((id) => ({ id, arches: [DEFAULT_ARCH] }));
  const byId = new Map<string, Set<string>>();
  for (const t of targets) for (const a of t.arches) (byId.get(t.id) ?? byId.set(t.id, new Set()).get(t.id)!).add(a);
  return [...byId].map(([id, arches]) => ({ id, arches: [...arches] }));
}

/**
 * Make the base image of each target and architecture (pull, else bootstrap; foreign ones under
 * qemu-user) and probe that containers run. CI runs this once before the tests:
 * `pkgtrack image build -t debian:bookworm -t debian:trixie`.
 */
export async function prepareBaseImages(opts: PrepareImagesOptions): Promise<PrepareImagesResult> {
  const arches = opts.arches?.length ? validArchList(opts.arches) : undefined;
  const wanted = opts.targets?.length
    ? opts.targets.map((id) => ({ id, arches: arches ?? [DEFAULT_ARCH] }))
    : (await defaultTargets(opts.recipesDir)).map((t) => ({ id: t.id, arches: arches ?? t.arches }));
  // Every target first: a near miss (`debian:bookwrm`) is refused before anything is bootstrapped.
  const resolvedTargets = resolveTargets(wanted.map((w) => w.id));
  const engine = opts.engine ?? (await detectEngine());
  const images: PrepareImagesResult['images'] = [];
  let workarounds: string[] = [];
  for (const [i, { id, arches: targetArches }] of wanted.entries()) {
    const resolved = resolvedTargets[i]!;
    for (const arch of targetArches) {
      const target = withArch({ ...resolved, arches: targetArches }, arch);
      if (target.format === 'rpm' && arch !== DEFAULT_ARCH) {
        opts.progress.step(`${targetKey(target)}: skipped (rpm targets build ${DEFAULT_ARCH} only so far)`);
        continue;
      }
      // Debian-style targets: the buildd variant the builders start from, and the minimal one `repo try` installs into.
      for (const variant of target.format === 'deb' ? (['buildd', 'minimal'] as const) : (['minimal'] as const)) {
        const t0 = Date.now();
        const b = await ensureBaseImage(engine, target, opts.progress, variant);
        const probe = await engine.probe(b.ref);
        workarounds = probe.workarounds;
        images.push({
          target: id,
          arch,
          variant,
          ref: b.ref,
          id: b.id,
          origin: b.origin,
          reused: b.reused,
          source: b.source,
          seconds: Math.round((Date.now() - t0) / 100) / 10,
        });
      }
    }
  }
  return { engine: engine.name, images, workarounds };
}

export async function listImages(): Promise<ImageListResult> {
  return listBuilderImages(await detectEngine());
}

export async function pruneImages(opts: { all?: boolean; dryRun?: boolean }): Promise<PruneResult> {
  return pruneBuilderImages(await detectEngine(), opts);
}
