/** `pkgtrack init`: scaffold a recipes repository with a working example recipe and a CI stub. */
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { exists } from '../core/fsutil.js';
import * as t from './init-templates.js';

export interface InitResult {
  root: string;
  created: string[];
}

export async function initRepository(dir: string, opts: { name?: string; maintainer?: string; force?: boolean }): Promise<InitResult> {
  const root = resolve(dir);
  if ((await exists(join(root, 'pkgtrack.yaml'))) && !opts.force) {
    throw inputError(
      'INIT_EXISTS',
      `${root} already holds a pkgtrack.yaml`,
      'Use another folder, or pass --force to overwrite the scaffold files.',
    );
  }
  const name = (opts.name ?? basename(root)).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'packages';
  const o: t.InitOptions = { name, maintainer: opts.maintainer ?? 'Package Maintainer <maintainer@example.org>' };
  const files: Array<[string, string, number?]> = [
    ['pkgtrack.yaml', t.repositoryYaml(o)],
    ['.gitignore', t.gitignore],
    ['recipes/hello/recipe.yaml', t.exampleRecipeYaml],
    ['recipes/hello/debian/control', t.exampleControl(o)],
    ['recipes/hello/debian/rules', t.exampleRules, 0o755],
    ['recipes/hello/debian/copyright', t.exampleCopyright],
    ['recipes/hello/debian/source/format', '3.0 (quilt)\n'],
    ['recipes/hello/patches/series', t.exampleSeries],
    ['recipes/hello/patches/readme-https.patch', t.examplePatch(o)],
    ['.github/workflows/pkgtrack.yml', t.workflowYaml],
  ];
  const created: string[] = [];
  for (const [rel, content, mode] of files) {
    const path = join(root, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, content);
    if (mode) await chmod(path, mode);
    created.push(rel);
  }
  await mkdir(join(root, 'keys'), { recursive: true });
  if ((await readdir(join(root, 'keys'))).length === 0) {
    await writeFile(join(root, 'keys', 'README'), 'Create the signing key here with `pkgtrack key generate --out keys/signing.key`.\n');
    created.push('keys/README');
  }
  return { root, created };
}
