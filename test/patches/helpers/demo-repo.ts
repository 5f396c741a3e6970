/** A recipes repository with one `demo` recipe and its patches dir, plus upstream tarballs made on the fly. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../../src/core/exec.js';

export interface DemoRepo {
  repo: string;
  /** recipes/demo/patches */
  patches: string;
}

export async function demoRepo(work: string): Promise<DemoRepo> {
  const repo = join(work, 'repo');
  await mkdir(repo, { recursive: true });
  await writeFile(join(repo, 'pkgtrack.yaml'), 'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\n');
  return { repo, patches: await demoRecipe(repo, 'demo') };
}

/** One more recipe `name` (upstream: an http page nobody serves) in `repo`; returns its patches dir. */
export async function demoRecipe(repo: string, name: string): Promise<string> {
  const patches = join(repo, 'recipes', name, 'patches');
  await mkdir(patches, { recursive: true });
  await writeFile(
    join(repo, 'recipes', name, 'recipe.yaml'),
    `name: ${name}\nupstream:\n  kind: http\n  url: http://127.0.0.1:9/\n  pattern: '${name}-(?<version>[0-9.]+)'\n`,
  );
  return patches;
}

/**
 * `<work>/<top>.orig.tar.gz` (or Debian's `demo_<version>.orig.tar.gz` with `debianName`)
 * holding `files` under `<top>/`, where top is `demo-<version>` (or `version` itself when it
 * already names a directory, e.g. `other-1.0`).
 */
export async function origTarball(
  work: string,
  version: string,
  files: Record<string, string>,
  opts: { debianName?: boolean } = {},
): Promise<string> {
  const top = version.includes('-') ? version : `demo-${version}`;
  const dir = join(work, 'src', top);
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), c);
  }
  const out = join(work, opts.debianName ? `demo_${version}.orig.tar.gz` : `${top}.orig.tar.gz`);
  await run('tar', ['-czf', out, '-C', join(work, 'src'), top]);
  return out;
}
