/**
 * Unpacking a Debian source package the way `dpkg-source -x` does for formats 3.0 (quilt) and
 * 3.0 (native), with pkgtrack's safe extraction and patch engine instead of tar and patch:
 * orig tarball (single top directory stripped), orig-<component> tarballs, upstream debian/
 * replaced by the debian tarball, then the quilt series (vendor series first).
 */
import { chmod, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { exists } from '../../core/fsutil.js';
import type { Progress } from '../../core/progress.js';
import { parseDsc } from '../../formats/deb-control.js';
import { extractArchive } from '../../patches/extract.js';
import { applySeries, type QueueResult } from './queue.js';

export interface UnpackedDebianSource {
  source: string;
  version: string;
  format: string;
  dir: string;
  /** The series that was applied (debian/patches/debian.series or series). */
  seriesFile?: string;
  queue?: QueueResult;
}

/** Extract `archive` so that its content (single top dir stripped) lands in `dest`. */
export async function extractStripped(archive: string, dest: string): Promise<void> {
  const tmp = join(dirname(dest), `.${basename(dest)}.x-${process.pid}-${Date.now()}`);
  const r = await extractArchive(archive, tmp);
  try {
    const from = r.topDir ? join(tmp, r.topDir) : tmp;
    if (!(await exists(dest))) {
      await rename(from, dest);
      // The extraction's private temp directory may become the tree itself: 755 like the rest.
      await chmod(dest, 0o755);
      return;
    }
    for (const e of await readdir(from)) {
      if (await exists(join(dest, e))) await rm(join(dest, e), { recursive: true, force: true });
      await rename(join(from, e), join(dest, e));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function unpackDebianSource(
  dscPath: string,
  dest: string,
  opts: { applyPatches?: boolean; progress?: Progress } = {},
): Promise<UnpackedDebianSource> {
  const dsc = parseDsc(await readFile(dscPath, 'utf8'), dscPath);
  const dir = dirname(dscPath);
  if (!/^3\.0 \((quilt|native)\)$/.test(dsc.format)) {
    throw inputError(
      'DSC_FORMAT_UNSUPPORTED',
      `${basename(dscPath)} uses source format ${dsc.format}`,
      'Only 3.0 (quilt) and 3.0 (native) are supported; convert the package with `dpkg-source --commit` / format 3.0.',
      {
        file: dscPath,
        field: 'Format',
      },
    );
  }
  const names = dsc.files.map((f) => f.name);
  const native = dsc.format === '3.0 (native)';
  const main = names.find((n) => (native ? /\.tar\.[a-z0-9]+$/.test(n) : /\.orig\.tar\.[a-z0-9]+$/.test(n)));
  if (!main)
    throw inputError('DSC_NO_TARBALL', `${basename(dscPath)} lists no ${native ? '' : 'orig '}tarball`, 'Use a complete source package.', {
      file: dscPath,
    });
  await extractStripped(join(dir, main), dest);
  if (native) return { source: dsc.source, version: dsc.version, format: dsc.format, dir: dest };
  for (const n of names) {
    const m = /\.orig-([A-Za-z0-9-]+)\.tar\.[a-z0-9]+$/.exec(n);
    if (m) {
      await rm(join(dest, m[1]!), { recursive: true, force: true });
      await extractStripped(join(dir, n), join(dest, m[1]!));
    }
  }
  const debianTar = names.find((n) => /\.debian\.tar\.[a-z0-9]+$/.test(n));
  if (!debianTar)
    throw inputError(
      'DSC_NO_DEBIAN_TARBALL',
      `${basename(dscPath)} lists no debian tarball`,
      'Use a complete 3.0 (quilt) source package.',
      { file: dscPath },
    );
  await rm(join(dest, 'debian'), { recursive: true, force: true });
  const tmp = `${dest}.debian-${process.pid}`;
  await extractArchive(join(dir, debianTar), tmp);
  try {
    await rename(join(tmp, 'debian'), join(dest, 'debian'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const result: UnpackedDebianSource = { source: dsc.source, version: dsc.version, format: dsc.format, dir: dest };
  if (opts.applyPatches === false) return result;
  const patchesDir = join(dest, 'debian', 'patches');
  const vendorSeries = join(patchesDir, 'debian.series');
  const seriesFile = (await exists(vendorSeries)) ? vendorSeries : join(patchesDir, 'series');
  if (!(await exists(seriesFile))) return result;
  result.seriesFile = seriesFile;
  result.queue = await applySeries(patchesDir, dest, {
    fuzz: 0,
    strict: true,
    seriesName: basename(seriesFile),
    ...(opts.progress ? { progress: opts.progress } : {}),
  });
  return result;
}
