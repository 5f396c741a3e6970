/**
 * The recipes repository `ci matrix` tests plan: one recipe `tiny` (Architecture: all) whose
 * upstream is a local git repository tagged v1.0, and build-job artifact folders (a .deb made
 * by dpkg-deb plus the manifest `pkgtrack build` writes) to publish.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTarget } from '../../src/recipe/targets.js';
import { recipeHash } from '../../src/services/build/inputs.js';
import { tempDir } from '../helpers/cli.js';
import { buildDeb, makeKey, type TestKey } from '../repo/apt-helpers.js';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });

export const RECIPE = 'recipes/tiny/recipe.yaml';
/** What `pkgtrack build` appends for the target, so one version never names different bytes. */
export const BOOKWORM = resolveTarget('debian:bookworm')!.versionSuffix;
/** What every amd64 cell carries: GitHub's amd64 runner builds it natively. */
export const AMD64 = { arch: 'amd64', runner: 'ubuntu-24.04', emulated: false };

export interface PlanFixture {
  upstream: string;
  repo: string;
  key: TestKey;
}

export function writeAll(root: string, files: Record<string, string>) {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

export const recipeYaml = (f: PlanFixture, revision: string) =>
  `name: tiny\nupstream:\n  kind: git\n  url: ${f.upstream}\nversions:\n  tagPattern: '^v(?<version>\\d+(\\.\\d+)+)$'\nrevision: "${revision}"\ntargets: [debian:bookworm]\nchannels:\n  trunk:\n    enabled: true\n    branch: main\n`;

export function createPlanFixture(): PlanFixture {
  const upstream = tempDir('pkgtrack-plan-up-');
  git(upstream, 'init', '-q', '-b', 'main');
  writeFileSync(join(upstream, 'README'), 'tiny 1.0\n');
  git(upstream, 'add', '.');
  git(upstream, 'commit', '-q', '-m', 'release 1.0');
  git(upstream, 'tag', 'v1.0');
  const repo = tempDir('pkgtrack-plan-repo-');
  const f = { upstream, repo, key: makeKey(repo) };
  writeAll(repo, {
    'pkgtrack.yaml':
      'name: plan-test\norigin: plan-test\nlabel: plan test\nmaintainer: Plan <plan@example.org>\noutput: public\ntargets: [debian:bookworm]\n',
    [RECIPE]: recipeYaml(f, '1'),
    'recipes/tiny/debian/control':
      'Source: tiny\nSection: misc\nPriority: optional\nMaintainer: Plan <plan@example.org>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.7.0\n\nPackage: tiny\nArchitecture: all\nDescription: tiny\n tiny.\n',
    'recipes/tiny/debian/rules': '#!/usr/bin/make -f\n%:\n\tdh $@\n',
    'recipes/tiny/debian/source/format': '3.0 (quilt)\n',
    'recipes/tiny/patches/series': '',
  });
  chmodSync(join(repo, 'recipes/tiny/debian/rules'), 0o755);
  return f;
}

export interface ArtifactManifest {
  version: string;
  packageVersion: string;
  target?: string;
  suite?: string;
  channel?: string;
  commit?: string;
  arch?: string;
}

/** A build job's artifact folder: a .deb and the manifest `pkgtrack build` writes. */
export async function artifact(f: PlanFixture, dir: string, m: ArtifactManifest) {
  mkdirSync(dir, { recursive: true });
  const deb = buildDeb(dir, 'tiny', m.packageVersion, m.arch ? { arch: m.arch } : {});
  const manifest = {
    recipe: 'tiny',
    target: m.target ?? 'debian:bookworm',
    suite: m.suite ?? 'bookworm',
    channel: m.channel ?? 'stable',
    ...(m.arch ? { arch: m.arch } : {}),
    ...(m.commit ? { commit: m.commit, branch: 'main' } : {}),
    upstreamVersion: m.version,
    packageVersion: m.packageVersion,
    recipeHash: await recipeHash({ dir: join(f.repo, 'recipes/tiny') } as Parameters<typeof recipeHash>[0]),
    builtAt: '2026-12-01T00:00:00.000Z',
    artifacts: [{ name: deb.split('/').pop(), kind: 'deb' }],
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

/** A trunk cell's artifact for bookworm (the recipe at revision 2) built from `commit`. */
export const trunkArtifact = (f: PlanFixture, dir: string, commit: string, arch?: string) =>
  artifact(f, dir, {
    version: '1.0+git20261201.0.abcdef1',
    packageVersion: `1.0+git20261201.0.abcdef1-2${BOOKWORM}`,
    suite: 'bookworm-trunk',
    channel: 'trunk',
    commit,
    ...(arch ? { arch } : {}),
  });
