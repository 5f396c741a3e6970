/**
 * Builder images as one archive file, for CI: a build cell saves the base and dependency
 * images it used (`image save`), the workflow caches the file (actions/cache, keyed by target,
 * recipe and packaging), and the next cell for that pair loads it (`image load`) instead of
 * bootstrapping a base and reinstalling the build dependencies. The dependency image's tag
 * hashes the base image id, so a loaded pair is reused only when it matches exactly.
 */
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import type { Progress } from '../../core/progress.js';
import { detectEngine } from '../../containers/detect.js';
import { LABEL_KIND, LABEL_MADE_FROM, LABEL_TARGET } from '../../containers/base-image.js';
import { type ContainerEngine, IMAGE_PREFIX, type ImageInfo } from '../../containers/engine.js';
import { findArtifactDirs } from '../publish/inputs.js';
import { sameId } from './image.js';

export interface ImageArchiveResult {
  file: string;
  images: Array<{ ref: string; id: string; kind: string; target: string }>;
  bytes: number;
}

const described = (i: ImageInfo) => ({ ref: i.ref, id: i.id, kind: i.labels[LABEL_KIND] ?? 'other', target: i.labels[LABEL_TARGET] ?? '' });

/** What a build used, per its manifests: the dependency image and its base, with their ids. */
export interface UsedImage {
  ref: string;
  id: string;
}

/**
 * The images to save: those the manifests name that this machine still has under the same id
 * (a base re-made since would not match the dependency image's tag anyway), each preceded by the
 * image it was made from (a buildd base is kept only while its minimal parent has the id it
 * records, so an archive without the parent would be made again on the next runner). Pure.
 */
export function imagesToSave(used: readonly UsedImage[], present: readonly ImageInfo[]): { save: ImageInfo[]; gone: UsedImage[] } {
  const save: ImageInfo[] = [];
  const gone: UsedImage[] = [];
  const add = (image: ImageInfo) => {
    if (save.includes(image)) return;
    const from = image.labels[LABEL_MADE_FROM];
    const parent = from ? present.find((p) => sameId(p.id, from)) : undefined;
    if (parent) add(parent);
    save.push(image);
  };
  for (const u of used) {
    const here = present.find((p) => p.ref === u.ref && sameId(p.id, u.id));
    if (!here) gone.push(u);
    else add(here);
  }
  return { save, gone };
}

/** The images named by the build manifests below `dir` (what `pkgtrack build --out dir` wrote). */
async function usedImages(dir: string): Promise<UsedImage[]> {
  const used: UsedImage[] = [];
  for (const d of await findArtifactDirs(dir)) {
    const m = JSON.parse(await readFile(join(d, 'manifest.json'), 'utf8')) as {
      image?: { ref?: string; id?: string; base?: string; baseId?: string };
    };
    if (m.image?.base && m.image.baseId) used.push({ ref: m.image.base, id: m.image.baseId });
    if (m.image?.ref && m.image.id) used.push({ ref: m.image.ref, id: m.image.id });
  }
  return used.filter((u, i) => used.findIndex((x) => x.ref === u.ref && x.id === u.id) === i);
}

export async function saveBuilderImages(opts: {
  from: string;
  file: string;
  progress: Progress;
  engine?: ContainerEngine;
}): Promise<ImageArchiveResult> {
  const used = await usedImages(opts.from);
  const engine = opts.engine ?? (await detectEngine());
  const { save, gone } = imagesToSave(used, await engine.listImages(IMAGE_PREFIX));
  for (const g of gone) opts.progress.warn(`${g.ref} is no longer the image the build used (${g.id.slice(0, 19)}): not saved`);
  if (!save.length)
    throw inputError(
      'IMAGE_NONE_TO_SAVE',
      `no build below ${opts.from} names an image this machine still has`,
      'Build first (`pkgtrack build --out DIR`), then save from that folder.',
      { field: '--from', file: opts.from },
    );
  opts.progress.step(`saving ${save.map((i) => i.ref).join(', ')} to ${opts.file}`);
  // Written beside the destination and renamed: a cache step never picks up half an archive.
  const partial = `${opts.file}.partial-${process.pid}`;
  try {
    await engine.saveImages(
      save.map((i) => i.ref),
      partial,
    );
    await rename(partial, opts.file);
  } finally {
    await rm(partial, { force: true });
  }
  return { file: opts.file, images: save.map(described), bytes: (await stat(opts.file)).size };
}

export async function loadBuilderImages(opts: { file: string; progress: Progress; engine?: ContainerEngine }): Promise<ImageArchiveResult> {
  const size = (await stat(opts.file).catch(() => undefined))?.size;
  if (size === undefined)
    throw inputError('IMAGE_ARCHIVE_MISSING', `${opts.file} does not exist`, 'Give the file `pkgtrack image save` wrote.', {
      file: opts.file,
    });
  const engine = opts.engine ?? (await detectEngine());
  const before = new Map((await engine.listImages(IMAGE_PREFIX)).map((i) => [i.ref, i.id]));
  opts.progress.step(`loading builder images from ${opts.file} (${size} bytes)`);
  await engine.loadImages(opts.file);
  const loaded = (await engine.listImages(IMAGE_PREFIX)).filter((i) => before.get(i.ref) !== i.id);
  return { file: opts.file, images: loaded.map(described), bytes: size };
}
