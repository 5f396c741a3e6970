/**
 * Test helpers for rpm builds in real containers: the hello orig tarball, and a direct run of
 * the RpmBuilder through the real engine and dependency image (the same steps the build service
 * runs), so the builder is exercised on its own.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact, BuildContext, LintReport, PreparedSource } from '../../src/builders/builder.js';
import { RpmBuilder } from '../../src/builders/rpm/index.js';
import { detectEngine } from '../../src/containers/detect.js';
import { silentProgress } from '../../src/core/progress.js';
import { loadRecipe, loadRecipesRepository, type Recipe, type RecipesRepository } from '../../src/recipe/load.js';
import type { Target } from '../../src/recipe/targets.js';
import { fetchSource } from '../../src/services/fetch/fetch.js';
import { ensureDependencyImage } from '../../src/services/image/image.js';
import { packageVersionFor, runBuildContainer } from '../../src/services/build/steps.js';
import { queuedPatches } from '../../src/services/build/support.js';

/** The build service's own reading of the queue (strip levels, DEP-3 summaries). */
export { queuedPatches };

export const REPO_ROOT = join(import.meta.dirname, '../..');

export interface Orig {
  path: string;
  sha256: string;
  version: string;
}

/**
 * The hello upstream tarball through pkgtrack's own fetch. If the fetch service cannot resolve
 * it, the Debian pool copy of the newest known release is downloaded instead, into .cache/.
 */
export async function helloOrig(): Promise<Orig> {
  const recipesRepo = await loadRecipesRepository(REPO_ROOT);
  const recipe = await loadRecipe(recipesRepo, 'hello');
  try {
    const f = await fetchSource(recipesRepo, recipe, {});
    return { path: f.origTarball, sha256: f.sha256, version: f.version };
  } catch {
    const version = '2.12.3';
    const dir = join(REPO_ROOT, '.cache', 'test-build-rpm');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `hello_${version}.orig.tar.gz`);
    let bytes = await readFile(path).catch(() => undefined);
    if (!bytes) {
      const res = await fetch(`http://deb.debian.org/debian/pool/main/h/hello/hello_${version}.orig.tar.gz`);
      if (!res.ok) throw new Error(`downloading the hello tarball: HTTP ${res.status}`);
      bytes = Buffer.from(await res.arrayBuffer());
      await writeFile(path, bytes);
    }
    return { path, sha256: createHash('sha256').update(bytes).digest('hex'), version };
  }
}

export async function helloRecipe(): Promise<{ recipesRepo: RecipesRepository; recipe: Recipe }> {
  const recipesRepo = await loadRecipesRepository(REPO_ROOT);
  return { recipesRepo, recipe: await loadRecipe(recipesRepo, 'hello') };
}

export interface DirectBuild {
  ctx: BuildContext;
  prepared: PreparedSource;
  outDir: string;
  artifacts: Artifact[];
  lint: LintReport;
  /** The dependency image the build ran in. */
  image: string;
  code: number;
  output: string;
}

/** Prepare, build (no network, build user) and collect one rpm target, like the build service. */
export async function buildRpmDirect(
  recipe: Recipe,
  target: Target,
  orig: Orig,
  recipesRepo: RecipesRepository,
  base: string,
): Promise<DirectBuild> {
  const engine = await detectEngine();
  const builder = new RpmBuilder();
  const deps = await builder.buildDependencies(recipe);
  const image = await ensureDependencyImage(engine, builder, target, deps, silentProgress);
  const workDir = await mkdtemp(join(base, 'work-'));
  const outDir = await mkdtemp(join(base, 'out-'));
  const ctx: BuildContext = {
    recipe,
    target,
    upstreamVersion: orig.version,
    packageVersion: await packageVersionFor(builder, recipe, target, orig.version),
    orig: { path: orig.path, sha256: orig.sha256 },
    patches: await queuedPatches(recipe),
    maintainer: recipesRepo.config.maintainer,
    changes: [],
    timestamp: Date.UTC(2026, 10, 21, 15, 30) / 1000,
    workDir,
  };
  const prepared = await builder.prepare(ctx);
  // The build service's own container step: build user, no network, read-only root, limits.
  const r = await runBuildContainer({ engine, image: image.ref, builder, context: ctx, prepared, timeoutMs: 20 * 60_000 });
  const artifacts = r.code === 0 ? await builder.collect(ctx, prepared, outDir) : [];
  const lint = r.code === 0 ? await builder.lint(ctx, outDir, artifacts, 'never') : { tool: 'rpmlint', findings: [], failed: false };
  return { ctx, prepared, outDir, artifacts, lint, image: image.ref, code: r.code, output: r.output };
}

/** A Fedora-style hello spec (%setup + %patchN, two patches), as `recipe import` meets them. */
export function fedoraHelloSpec(o: { version: string; release: number; patch0Comment?: string }): string {
  return `Name:           hello
Version:        ${o.version}
Release:        ${o.release}%{?dist}
Summary:        Prints a familiar, friendly greeting
License:        GPL-3.0-or-later
URL:            https://www.gnu.org/software/hello/
Source0:        https://ftp.gnu.org/gnu/%{name}/%{name}-%{version}.tar.gz
${o.patch0Comment ? `# ${o.patch0Comment}\n` : ''}Patch0:         readme-https-distribution-point.patch
Patch1:         readme-packaging-contact.patch
BuildRequires:  gcc make

%description
Hello.

%prep
%setup -q
%patch0 -p1
%patch1 -p1

%build
%configure
%make_build

%install
%make_install

%files
%{_bindir}/hello

%changelog
* Mon Jan 05 2026 Someone <s@example.org> - ${o.version}-${o.release}
- Old entry
`;
}
