/**
 * An apt suite is a link to a generation directory (see apt-format.ts's header):
 *
 *   dists/<suite> -> .generations/<suite>/<gen>
 *
 * so that InRelease, Release, Release.gpg and every index a client reads for the suite change in
 * one rename. This module names the generation directories, finds the live one, and adopts a
 * suite that is a plain directory (every suite published before this layout, and every tree
 * restored from a static host, which serves no links): its InRelease must verify with the
 * repository's key, then the directory becomes a generation and the link takes its place in one
 * atomic exchange (renameat2), so apt never sees the suite missing.
 */
import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { conflictError } from '../../core/errors.js';
import { fsyncPath, ifExists } from '../../core/fsutil.js';
import { renameExchange } from '../../core/rename-exchange.js';
import { faultPoint } from '../faults.js';
import { readGenerations, rebaseGenerations, recordGeneration } from '../generations.js';
import { suiteDir } from './layout.js';
import { makeDirs } from '../../core/dirs.js';

/** The directory under dists/ holding every suite's generations (no suite name starts with '.'). */
export const GENERATIONS_DIR = '.generations';
/** Repository-relative directory of a suite's generations. */
export const suiteGenerations = (suite: string) => `dists/${GENERATIONS_DIR}/${suite}`;
/** Repository-relative directory of one generation. */
export const generationDir = (suite: string, gen: string) => `${suiteGenerations(suite)}/${gen}`;
/** What the `dists/<suite>` link holds (relative to dists/, so a copied tree stays valid). */
export const linkTarget = (suite: string, gen: string) => `${GENERATIONS_DIR}/${suite}/${gen}`;
/** The generations record scope of a suite (as before the link layout). */
export const generationScope = (suite: string) => suiteDir(suite);
/** Where an adoption without an atomic exchange keeps the link between its two renames. */
const ADOPTING = '.adopting';

/** The signed files of a generation, in the order a client's view switches (all at once). */
export const SIGNED_FILES = ['Release', 'Release.gpg', 'InRelease'] as const;

/** A generation's name: derived from its signed files, so the same signed text is the same directory. */
export function aptGenerationName(release: string | Uint8Array, gpg?: string | Uint8Array, inRelease?: string | Uint8Array): string {
  const h = createHash('sha256');
  for (const part of [release, gpg ?? '', inRelease ?? '']) h.update(part).update('\0');
  return h.digest('hex').slice(0, 20);
}

const lstatIfExists = (p: string) => ifExists(lstat(p));

/** The live generation directory of `suite` (repository-relative), or undefined (absent, or a plain directory). */
export async function liveGeneration(root: string, suite: string): Promise<string | undefined> {
  const target = await ifExists(readlink(join(root, suiteDir(suite)))).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EINVAL') return undefined; // not a link
    throw e;
  });
  return target === undefined ? undefined : `dists/${target}`;
}

/**
 * Make `dists/<suite>` the generation link when it is a plain directory; finish an adoption
 * killed between its two renames (no exchange available). Returns the adopted generation.
 * `signingKeys`: gives the armored public keys of the repository, asked for only when a plain
 * directory is there (undefined: an unsigned publish).
 */
export async function adoptPlainSuite(
  root: string,
  suite: string,
  signingKeys: (() => Promise<string | undefined>) | undefined,
  dryRun: boolean,
): Promise<string | undefined> {
  const path = join(root, suiteDir(suite));
  const store = join(root, suiteGenerations(suite));
  const st = await lstatIfExists(path);
  if (!st) {
    if (!dryRun && (await lstatIfExists(join(store, ADOPTING)))) await rename(join(store, ADOPTING), path);
    return undefined;
  }
  if (st.isSymbolicLink()) return undefined;
  const refuse = (why: string) =>
    conflictError(
      'APT_FOREIGN_SUITE',
      `${path} is a directory, not pkgtrack's generation link, and ${why}`,
      'If another tool made it, move it away, then publish again. If it is this repository restored from a static host, publish with the same signing key.',
      { file: path },
    );
  if (!st.isDirectory()) throw refuse('not a directory either');
  const read = (name: string) => ifExists(readFile(join(path, name)));
  const [release, gpg, inRelease] = await Promise.all(SIGNED_FILES.map(read));
  const keys = await signingKeys?.();
  if (!release) {
    // Never went live (a first publish of the old layout killed before its Release): nothing
    // in it is published; set aside, swept by the next publish's pruning.
    if (!dryRun) {
      await makeDirs(store);
      await rename(path, join(store, `.unpublished-${process.pid}-${Date.now()}`));
    }
    return undefined;
  }
  if (inRelease) {
    if (!keys) throw refuse('there is no public key to check its InRelease with');
    // Loaded here: openpgp.js, which an unsigned publish never needs.
    const [{ readKeys }, { verifyInRelease }] = await Promise.all([import('../../sign/keys.js'), import('../../sign/verify.js')]);
    const publicKeys = (await readKeys(keys, 'the repository public key')).map((k) => k.toPublic());
    const r = await verifyInRelease(`${suiteDir(suite)}/InRelease`, inRelease, publicKeys);
    if (r.signers.length === 0)
      throw refuse(`its InRelease does not verify with this repository's key (${r.problems.map((p) => p.message).join('; ')})`);
  } else if (keys) {
    throw refuse('it holds no signed InRelease');
  }
  const gen = aptGenerationName(release, gpg, inRelease);
  if (dryRun) return gen;
  const genRel = generationDir(suite, gen);
  const dest = join(root, genRel);
  await makeDirs(store);
  // What the generation records said of files under the directory now names them in the generation.
  const scope = generationScope(suite);
  await rebaseGenerations(root, scope, `${suiteDir(suite)}/`, `${genRel}/`);
  // Recorded as a generation, unless it is one already (the live generation of a restored copy).
  if (!(await readGenerations(root, scope)).some((g) => g.files.includes(`${genRel}/Release`))) {
    await recordGeneration(
      root,
      scope,
      SIGNED_FILES.filter((_, i) => [release, gpg, inRelease][i]).map((n) => `${genRel}/${n}`),
      new Date(),
    );
  }
  await rm(dest, { recursive: true, force: true }); // a copy never live (the directory is)
  await symlink(linkTarget(suite, gen), dest);
  faultPoint(`adopt:${suiteDir(suite)}`);
  if (!(await renameExchange(dest, path))) {
    // No atomic exchange here: two renames, the link parked where a killed run finds it (above).
    await rm(dest, { force: true });
    await rm(join(store, ADOPTING), { force: true });
    await symlink(linkTarget(suite, gen), join(store, ADOPTING));
    await fsyncPath(store);
    await rename(path, dest);
    faultPoint(`adopt:${genRel}`);
    await rename(join(store, ADOPTING), path);
  }
  await fsyncPath(store);
  await fsyncPath(join(root, 'dists'));
  faultPoint(`adopted:${suiteDir(suite)}`);
  return gen;
}
