/**
 * `npm run bench -- build-rpm`: hello for fedora:41 (the rpm-on-Debian image here), warm caches.
 * pkgtrack build --force (fetch from cache, spec rendering, container build, collect, rpmlint,
 * manifest) against a plain `rpmbuild -ba` of the same rendered sources in the same image, plus
 * the no-change rebuild (skipped as up to date). Median of RUNS runs each.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTAINER_WORK_DIR } from '../src/builders/builder.js';
import { RpmBuilder } from '../src/builders/rpm/index.js';
import { detectEngine } from '../src/containers/detect.js';
import { silentProgress } from '../src/core/progress.js';
import { loadRecipe, loadRecipesRepository } from '../src/recipe/load.js';
import { buildRecipes } from '../src/services/build/build.js';
import { fetchSource } from '../src/services/fetch/fetch.js';
import { parseSeries } from '../src/patches/series.js';
import { readFile } from 'node:fs/promises';
import { ensureDependencyImage } from '../src/services/image/image.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET = 'fedora:41';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

export default async function (): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'pkgtrack-bench-rpm-'));
  try {
    const repoDir = join(base, 'repo');
    await mkdir(join(repoDir, 'recipes'), { recursive: true });
    const src = join(import.meta.dirname, '..');
    await cp(join(src, 'pkgtrack.yaml'), join(repoDir, 'pkgtrack.yaml'));
    await cp(join(src, 'recipes/hello'), join(repoDir, 'recipes/hello'), { recursive: true });
    const out = join(base, 'out');
    const build = (force: boolean) =>
      buildRecipes({ recipesDir: repoDir, recipes: ['hello'], targets: [TARGET], outDir: out, pkgtrackVersion: 'bench', force });
    const warm = await build(true); // fills the source cache and the dependency image
    if (warm.failed) throw new Error(`warm-up build failed: ${JSON.stringify(warm.builds[0]?.error)}`);

    const recipesRepo = await loadRecipesRepository(repoDir);
    const recipe = await loadRecipe(recipesRepo, 'hello');
    const target = recipe.targets.find((t) => t.id === TARGET)!;
    const source = await fetchSource(recipesRepo, recipe, {});
    const engine = await detectEngine();
    const builder = new RpmBuilder();
    const image = await ensureDependencyImage(engine, builder, target, await builder.buildDependencies(recipe), silentProgress);
    const identity = await engine.buildIdentity();
    const series = parseSeries(await readFile(recipe.seriesFile!, 'utf8'));
    const patches = series.map((e) => ({ name: e.name, path: join(recipe.dir, 'patches', e.name) }));

    const plain = async () => {
      const workDir = await mkdtemp(join(base, 'plain-'));
      const ctx = {
        recipe,
        target,
        upstreamVersion: source.version,
        packageVersion: `${source.version}-${recipe.config.revision}${target.versionSuffix}`,
        orig: { path: source.origTarball, sha256: source.sha256 },
        patches,
        maintainer: recipesRepo.config.maintainer,
        changes: [],
        timestamp: 1_795_219_200,
        workDir,
      };
      await builder.prepare(ctx);
      const r = await engine.run({
        image: image.ref,
        argv: [
          'rpmbuild',
          '-ba',
          '--nodeps',
          '--define',
          `_topdir ${CONTAINER_WORK_DIR}/rpmbuild`,
          `${CONTAINER_WORK_DIR}/rpmbuild/SPECS/hello.spec`,
        ],
        mounts: [{ host: workDir, container: CONTAINER_WORK_DIR }],
        network: 'none',
        ...(identity.chownTo ? {} : { user: identity.user }),
      });
      if (r.code !== 0) throw new Error(`plain rpmbuild failed:\n${r.output.slice(-2000)}`);
      await rm(workDir, { recursive: true, force: true });
    };

    const pk: number[] = [];
    const raw: number[] = [];
    const skip: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      raw.push(await time(plain));
      pk.push(await time(() => build(true)));
      skip.push(await time(() => build(false)));
    }
    const rows = [
      ['warm build (s)', median(pk).toFixed(2), median(raw).toFixed(2), (median(pk) / median(raw)).toFixed(2)],
      ['no-change rebuild (s)', median(skip).toFixed(2), median(raw).toFixed(2), (median(skip) / median(raw)).toFixed(3)],
    ];
    console.log(`hello ${source.version} for ${TARGET}, median of ${RUNS}`);
    console.log(['what', 'pkgtrack build', 'plain rpmbuild', 'ratio'].map((h) => h.padEnd(22)).join(''));
    for (const r of rows) console.log(r.map((c) => c.padEnd(22)).join(''));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
