/**
 * `ci matrix --state-url`: the published state a plan reads, fetched over HTTP(S) from the
 * repository's public URL (a bucket, a CDN, Pages) into a scratch folder shaped like the output
 * folder, so the plan runs on it unchanged and a CI plan job needs neither a checkout of the
 * published site nor credentials. Only what the plan reads, only for the recipes' own suites:
 * each target's Release and Packages indexes (apt), repomd.xml and primary (yum), the build
 * manifests, the trunk states and ci/attempts.json. No package, page or log.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { mapLimit } from '../../core/concurrency.js';
import { integrityError } from '../../core/errors.js';
import { archInfo } from '../../recipe/arches.js';
import type { Recipe, RecipesRepository } from '../../recipe/load.js';
import { parseRelease } from '../../repo/apt/release.js';
import { child, childrenNamed, parseXml } from '../../repo/yum/xml-read.js';
import { TRUNK_STATE_DIR } from '../nightly/trunk-state.js';
import { buildFilesDir } from '../site/gather.js';
import { CI_ATTEMPTS_FILE } from './attempts.js';
import { fetchRetrying } from '../../core/http-retry.js';
import { makeDirs } from '../../core/dirs.js';

const FETCHES_IN_FLIGHT = 8;
/** The smallest form of each Packages index the plan can read (site/read.ts reads any). */
const PACKAGES_FORMS = ['Packages.xz', 'Packages.gz', 'Packages'];

type Channel = 'stable' | 'trunk';

/** Fetch `rel` below `base`; undefined on 404, a typed error for anything else. */
async function fetchBelow(base: string, rel: string): Promise<Buffer | undefined> {
  const url = new URL(rel.split('/').map(encodeURIComponent).join('/'), base);
  let r: Response;
  try {
    r = await fetchRetrying(url);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw unreadable(url.href, `unreachable (${cause})`);
  }
  if (r.status === 404 || r.status === 403) return undefined; // a bucket without listing answers 403 for absent keys
  if (!r.ok) throw unreadable(url.href, `answered HTTP ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

const unreadable = (url: string, why: string) =>
  integrityError(
    'CI_STATE_URL_UNREADABLE',
    `${url}: ${why}`,
    'Check --state-url: the public URL the repository is served from (the bucket or CDN address, the Pages site), where apt/ and yum/ are.',
    { url },
  );

/** The published state of `recipes` at `url`, in a new scratch folder laid out like the output folder. */
export async function fetchPublishedState(
  url: string,
  recipesRepo: RecipesRepository,
  recipes: readonly Recipe[],
  channels: readonly Channel[],
): Promise<string> {
  const base = url.endsWith('/') ? url : `${url}/`;
  const out = await mkdtemp(join(tmpdir(), 'pkgtrack-state-'));
  const save = async (rel: string, bytes: Buffer | undefined) => {
    if (!bytes) return undefined;
    await makeDirs(dirname(join(out, rel)));
    await writeFile(join(out, rel), bytes);
    return bytes;
  };
  const get = async (rel: string) => save(rel, await fetchBelow(base, rel));
  const aptSuites = new Set<string>();
  const yumRepos = new Set<string>();
  const manifests = new Set<string>();
  for (const r of recipes)
    for (const t of r.targets)
      for (const ch of channels) {
        const suite = `${t.publishPath}${ch === 'trunk' ? recipesRepo.config.channels.trunk.suiteSuffix : recipesRepo.config.channels.stable.suiteSuffix}`;
        manifests.add(`${buildFilesDir(r.name, suite)}/manifest.json`);
        if (t.format === 'deb') aptSuites.add(suite);
        else for (const a of t.arches) yumRepos.add(`${suite}/${archInfo(a)?.rpm ?? a}`);
      }
  await mapLimit([...aptSuites], FETCHES_IN_FLIGHT, async (suite) => {
    const dists = `apt/dists/${suite}`;
    const release = await get(`${dists}/Release`);
    if (!release) return;
    const files = [...parseRelease(release.toString('utf8'), `${base}${dists}/Release`).files.keys()];
    const dirs = new Set(files.filter((f) => /\/binary-[^/]+\/Packages/.test(f)).map((f) => f.slice(0, f.lastIndexOf('/'))));
    await mapLimit([...dirs], FETCHES_IN_FLIGHT, async (d) => {
      const form = PACKAGES_FORMS.find((p) => files.includes(`${d}/${p}`));
      if (form) await get(`${dists}/${d}/${form}`);
    });
  });
  await mapLimit([...yumRepos], FETCHES_IN_FLIGHT, async (repo) => {
    const repomd = await get(`yum/${repo}/repodata/repomd.xml`);
    if (!repomd) return;
    const primary = childrenNamed(parseXml(repomd.toString('utf8'), `${base}yum/${repo}/repodata/repomd.xml`), 'data').find(
      (d) => d.attrs.type === 'primary',
    );
    const href = primary && child(primary, 'location')?.attrs.href;
    if (href && !href.split('/').includes('..')) await get(`yum/${repo}/${href}`);
  });
  const others = [
    ...manifests,
    CI_ATTEMPTS_FILE,
    ...(channels.includes('trunk') ? recipes.map((r) => `${TRUNK_STATE_DIR}/${r.name}.json`) : []),
  ];
  await mapLimit(others, FETCHES_IN_FLIGHT, get);
  return out;
}
