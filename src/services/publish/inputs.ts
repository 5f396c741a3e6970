/**
 * What `pkgtrack publish` accepts, turned into a flat list of artifacts:
 *
 *  - a file: .deb, .dsc, .changes (apt), .rpm (yum: .src.rpm included), or a manifest.json;
 *  - a directory: every such package file directly inside it, plus its manifest.json if any
 *    (the manifest's suite/recipe/target then annotate the files it lists);
 *  - manifest.json (what `pkgtrack build` writes next to its artifacts):
 *      { "recipe"?, "target"?, "suite"?, "component"?,
 *        "artifacts" | "files": [ "name.deb" | { "name" | "path" | "file": "...",
 *                                  "sha256"?, "suite"?, "component"? } ] }
 *    Paths are relative to the manifest. Unknown keys are ignored (tolerant: the build side
 *    may add fields); a listed file that is missing is an error.
 *
 * A .changes in a directory is NOT expanded there: the .debs/.dsc next to it are taken
 * directly (it would list the same files). Pass the .changes itself to publish exactly it.
 */
import { ifExists } from '../../core/fsutil.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { inputError, notFound } from '../../core/errors.js';
import type { ArtifactInput } from '../../repo/format.js';

const PACKAGE_FILE = /\.(deb|dsc|changes|rpm)$/;

interface ManifestItem {
  name?: unknown;
  path?: unknown;
  file?: unknown;
  sha256?: unknown;
  suite?: unknown;
  component?: unknown;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export async function readManifest(file: string): Promise<ArtifactInput[]> {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw inputError(
      'MANIFEST_UNREADABLE',
      `${file} is not valid JSON: ${(e as Error).message}`,
      'Rebuild to regenerate it, or pass the package files directly.',
      { file },
    );
  }
  if (!data || typeof data !== 'object')
    throw inputError('MANIFEST_UNREADABLE', `${file} is not a JSON object`, 'Rebuild to regenerate it.', { file });
  const list = (data.artifacts ?? data.files) as unknown;
  if (!Array.isArray(list)) {
    throw inputError(
      'MANIFEST_NO_ARTIFACTS',
      `${file} has no "artifacts" list`,
      'Rebuild to regenerate it, or pass the package files directly.',
      { file, field: 'artifacts' },
    );
  }
  const out: ArtifactInput[] = [];
  list.forEach((item: unknown, i) => {
    const it: ManifestItem = typeof item === 'string' ? { name: item } : ((item ?? {}) as ManifestItem);
    const name = str(it.path) ?? str(it.file) ?? str(it.name);
    if (!name)
      throw inputError('MANIFEST_BAD_ARTIFACT', `${file}: artifacts[${i}] names no file`, 'Each artifact needs "name" (or "path").', {
        file,
        field: `artifacts[${i}]`,
      });
    if (!PACKAGE_FILE.test(name)) return; // logs, buildinfo, lintian output ...
    if (name.endsWith('.changes')) return; // the .debs/.dsc it lists are listed too
    const suite = str(it.suite) ?? str(data.suite);
    const component = str(it.component) ?? str(data.component);
    const recipe = str(data.recipe);
    const target = str(data.target);
    const sha256 = str(it.sha256);
    out.push({
      path: resolve(dirname(file), name),
      ...(suite ? { suite } : {}),
      ...(component ? { component } : {}),
      ...(recipe ? { recipe } : {}),
      ...(target ? { target } : {}),
      ...(sha256 ? { sha256 } : {}),
    });
  });
  return out;
}

export async function collectArtifacts(inputs: readonly string[]): Promise<ArtifactInput[]> {
  const byPath = new Map<string, ArtifactInput>();
  const add = (a: ArtifactInput) => {
    const prev = byPath.get(a.path);
    byPath.set(a.path, { ...prev, ...a });
  };
  for (const input of inputs) {
    const p = resolve(input);
    const st = await ifExists(stat(p));
    if (!st)
      throw notFound(
        'PUBLISH_INPUT_MISSING',
        `${input} does not exist`,
        'Pass build output directories, package files or a manifest.json.',
        { file: input },
      );
    if (st.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) if (PACKAGE_FILE.test(n) && !n.endsWith('.changes')) add({ path: join(p, n) });
      if (names.includes('manifest.json')) for (const a of await readManifest(join(p, 'manifest.json'))) add(a);
    } else if (basename(p).endsWith('.json')) {
      for (const a of await readManifest(p)) add(a);
    } else if (PACKAGE_FILE.test(p)) {
      add({ path: p });
    } else {
      throw inputError(
        'PUBLISH_INPUT_UNSUPPORTED',
        `${input}: not a package file, directory or manifest.json`,
        'Publish .deb, .dsc, .changes or .rpm files.',
        { file: input },
      );
    }
  }
  const out = [...byPath.values()];
  if (out.length === 0)
    throw inputError(
      'PUBLISH_NOTHING',
      `no package files found in ${inputs.join(', ')}`,
      'Build first (pkgtrack build), or pass the package files.',
    );
  return out;
}

/**
 * Every build output folder (one holding a manifest.json) below `root`, as CI jobs upload them:
 * artifacts/<job>/<recipe>/<target>/manifest.json. Sorted, so a publish is reproducible.
 */
export async function findArtifactDirs(root: string, maxDepth = 6): Promise<string[]> {
  const st = await ifExists(stat(root));
  if (!st?.isDirectory()) {
    throw notFound(
      'PUBLISH_ARTIFACTS_MISSING',
      `${root} is not a folder`,
      'Pass the folder the CI artifacts were downloaded to (actions/download-artifact path).',
      {
        file: root,
      },
    );
  }
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'manifest.json')) found.push(dir);
    if (depth >= maxDepth) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name), depth + 1);
  };
  await walk(resolve(root), 0);
  return found.sort();
}
