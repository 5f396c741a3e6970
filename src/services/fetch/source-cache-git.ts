/**
 * Sources that are not a tarball as published: git archives at a tag or at the trunk head
 * (from a cached bare clone), and non-tar archives (zip) repacked reproducibly as tar.xz.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inputError, notFound } from '../../core/errors.js';
import { run } from '../../core/exec.js';
import type { Progress } from '../../core/progress.js';
import { formatSnapshotVersion, tagToVersion } from '../../formats/versions.js';
import { extractArchive } from '../../patches/extract.js';
import type { Recipe } from '../../recipe/load.js';
import type { FetchedSource } from './fetch.js';
import type { SourceCache } from './source-cache.js';
import { makeDirs } from '../../core/dirs.js';

/** `git archive` of a ref into <name>_<version>.orig.tar.xz, from a cached bare clone. */
export async function gitArchive(
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
  await makeDirs(outDir);
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
    await makeDirs(join(cache.dir, 'git'));
    await run('git', ['clone', '--quiet', '--bare', '--', url, dir], {
      timeoutMs: 600_000,
      what: `git clone ${url}`,
      errorCode: 'UPSTREAM_UNREACHABLE',
    });
  }
  return dir;
}

export async function fetchTrunk(
  cache: SourceCache,
  recipe: Recipe,
  outDir: string,
  progress: Progress,
  wanted?: string,
): Promise<FetchedSource> {
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
  const commit = wanted
    ? await plannedCommit(bare, branch, wanted, recipe)
    : (await run('git', ['-C', bare, 'rev-parse', '--verify', `${branch}^{commit}`])).stdout.trim();
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
  const fetched = await gitArchive(cache, recipe, outDir, url, commit, version, progress);
  // The branch by name (what the trunk state records), not "HEAD": the upstream's default branch.
  const named =
    branch === 'HEAD'
      ? (await run('git', ['-C', bare, 'symbolic-ref', '--short', 'HEAD'], { check: false })).stdout.trim() || branch
      : branch;
  return { ...fetched, git: { ...fetched.git!, branch: named } };
}

/**
 * The commit a plan chose (`ci matrix` → `build --trunk --commit`): it must exist and be on the
 * trunk branch, so every cell of one recipe builds the same snapshot even if the branch moved.
 */
async function plannedCommit(bare: string, branch: string, wanted: string, recipe: Recipe): Promise<string> {
  if (!/^[0-9a-f]{7,40}$/i.test(wanted)) {
    throw inputError('COMMIT_INVALID', `--commit ${JSON.stringify(wanted)} is not a commit id`, 'Give a hex commit id (7 to 40 digits).', {
      field: 'commit',
    });
  }
  const r = await run('git', ['-C', bare, 'rev-parse', '--verify', '--quiet', `${wanted}^{commit}`], { check: false });
  const commit = r.stdout.trim();
  if (r.code !== 0 || !commit) {
    throw notFound(
      'COMMIT_NOT_FOUND',
      `${recipe.name}: commit ${wanted} is not in the upstream repository`,
      'Check the id, or plan again (`pkgtrack ci matrix`): the branch may have been rewritten.',
      {
        field: 'commit',
      },
    );
  }
  const onBranch = await run('git', ['-C', bare, 'merge-base', '--is-ancestor', commit, `${branch}^{commit}`], { check: false });
  if (onBranch.code !== 0) {
    throw inputError(
      'COMMIT_NOT_ON_TRUNK',
      `${recipe.name}: commit ${wanted} is not on the trunk branch (${branch})`,
      'Build a commit of the trunk branch; other branches are not the trunk channel.',
      {
        field: 'commit',
      },
    );
  }
  return commit;
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
  await makeDirs(dirname(named));
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
    await makeDirs(dirname(dest));
    await writeFile(dest, xz.stdoutBytes);
    return { path: dest, sha256: createHash('sha256').update(xz.stdoutBytes).digest('hex'), size: xz.stdoutBytes.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
