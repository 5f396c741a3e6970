/**
 * `pkgtrack ci vendor` (and `init`): put the running pkgtrack into the recipes repository as the
 * tarball `npm pack` makes of it, beside a sha256sum file, so the workflows install exactly these
 * bytes (checked before npm sees them) — no registry name anyone could register or replace.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { inputError } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import { writeFileAtomic } from '../../core/fsutil.js';
import { type Progress, silentProgress } from '../../core/progress.js';
import { VENDORED_TARBALL, vendoredChecksum } from '../init/workflow.js';
import { makeDirs } from '../../core/dirs.js';

export interface VendorResult {
  /** The tarball, relative to the recipes repository root. */
  path: string;
  checksumFile: string;
  sha256: string;
  version: string;
  bytes: number;
}

/** Pack the pkgtrack installed at `packageRoot` into `<recipesRoot>/<path>` (+ `.sha256`). */
export async function vendorPkgtrack(opts: {
  recipesRoot: string;
  packageRoot: string;
  path?: string;
  progress?: Progress;
}): Promise<VendorResult> {
  const progress = opts.progress ?? silentProgress;
  const path = opts.path ?? VENDORED_TARBALL;
  if (isAbsolute(path) || relative(opts.recipesRoot, join(opts.recipesRoot, path)).startsWith('..') || !path.endsWith('.tgz'))
    throw inputError('CI_VENDOR_PATH', `${path} is not a .tgz path inside the recipes repository`, `Use e.g. ${VENDORED_TARBALL}.`, {
      field: '--path',
    });
  const manifest = JSON.parse(await readFile(join(opts.packageRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const tmp = await mkdtemp(join(tmpdir(), 'pkgtrack-vendor-'));
  try {
    progress.step(`packing ${manifest.name}@${manifest.version} from ${opts.packageRoot}`);
    // --ignore-scripts: pack what is installed (dist/ is already built), run nothing.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
      cwd: opts.packageRoot,
      what: 'npm pack',
      errorCode: 'CI_VENDOR_PACK',
      fix: 'Install npm (it comes with Node.js), or give init --install git+https://…#<commit>.',
    });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    const bytes = await readFile(join(tmp, info!.filename));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dest = join(opts.recipesRoot, path);
    await makeDirs(dirname(dest));
    await writeFileAtomic(dest, bytes);
    // sha256sum's format, names relative to the repository root where the workflow runs it.
    await writeFileAtomic(join(opts.recipesRoot, vendoredChecksum(path)), `${sha256}  ${path}\n`);
    progress.step(`vendored ${path} (${bytes.length} bytes, sha256 ${sha256.slice(0, 16)}…)`);
    return { path, checksumFile: vendoredChecksum(path), sha256, version: manifest.version, bytes: bytes.length };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
