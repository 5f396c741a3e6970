/**
 * `pkgtrack init`: scaffold a recipes repository with a working example recipe (deb and rpm) and
 * the GitHub Actions workflows that build and publish it (stable, and the nightly trunk fan-out).
 */
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { renderSpecTemplate } from '../../builders/rpm/spec-init.js';
import { inputError } from '../../core/errors.js';
import { exists } from '../../core/fsutil.js';
import * as t from './templates.js';
import type { Progress } from '../../core/progress.js';
import { vendorPkgtrack } from '../ci/vendor.js';
import { type PagesMode, type PublishTarget, parseInstallSpec, renderWorkflows, VENDORED_TARBALL } from './workflow.js';
import { makeDirs } from '../../core/dirs.js';

export interface InitResult {
  root: string;
  created: string[];
}

export async function initRepository(
  dir: string,
  opts: {
    name?: string;
    maintainer?: string;
    force?: boolean;
    pages?: PagesMode;
    /** Where the workflows publish (default: the Pages branch). */
    publish?: PublishTarget;
    /** `init --install`: a vendored tarball path or a git URL at a full commit (default: vendored). */
    install?: string;
    /** The running pkgtrack's package folder, packed into the repository for a vendored install. */
    packageRoot: string;
    progress?: Progress;
  },
): Promise<InitResult> {
  // Refused before anything is written: an unpinned install would run beside the signing key.
  const install = parseInstallSpec(opts.install ?? VENDORED_TARBALL);
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
  // The spec template takes summary, license and homepage from the example recipe itself.
  const hello = parse(t.exampleRecipeYaml) as { name: string; summary: string; license: string; homepage: string };
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
    ['recipes/hello/hello.spec', renderSpecTemplate(hello)],
    ...Object.entries(renderWorkflows({ name, pages: opts.pages ?? 'branch', publish: opts.publish ?? 'pages', install })),
  ];
  const created: string[] = [];
  for (const [rel, content, mode] of files) {
    const path = join(root, rel);
    await makeDirs(join(path, '..'));
    await writeFile(path, content);
    if (mode) await chmod(path, mode);
    created.push(rel);
  }
  if (install.kind === 'vendored') {
    const v = await vendorPkgtrack({
      recipesRoot: root,
      packageRoot: opts.packageRoot,
      path: install.path,
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
    created.push(v.path, v.checksumFile);
  }
  await makeDirs(join(root, 'keys'));
  if ((await readdir(join(root, 'keys'))).length === 0) {
    await writeFile(join(root, 'keys', 'README'), 'Create the signing key here with `pkgtrack key generate --out keys/signing.key`.\n');
    created.push('keys/README');
  }
  return { root, created };
}
