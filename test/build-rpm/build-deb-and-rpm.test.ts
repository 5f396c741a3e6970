/**
 * One `pkgtrack build` run (the build service) over hello for debian:bookworm and fedora:41, in a
 * copy of the example repository: both formats build, the rpm gets a manifest like the deb, the
 * unchanged rebuild is skipped for both, and the patched tree in the SRPM (after rpmbuild's
 * %prep) equals the patched tree in the Debian source package (after dpkg-source -x, which
 * applies the quilt series). A recipe value with `%(id)` is refused before anything is built.
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { type BuildSummary, buildRecipes } from '../../src/services/build/build.js';
import { REPO_ROOT } from './helpers.js';

let base: string;
let repoDir: string;
let outDir: string;
let first: BuildSummary;

async function copyExampleRepo(dest: string): Promise<void> {
  await mkdir(join(dest, 'recipes'), { recursive: true });
  await cp(join(REPO_ROOT, 'pkgtrack.yaml'), join(dest, 'pkgtrack.yaml'));
  await cp(join(REPO_ROOT, 'recipes', 'hello'), join(dest, 'recipes', 'hello'), { recursive: true });
}

const build = (repo: string, out: string, targets = ['debian:bookworm', 'fedora:41']) =>
  buildRecipes({ recipesDir: repo, recipes: ['hello'], targets, outDir: out, pkgtrackVersion: 'test' });

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'pkgtrack-build-both-'));
  repoDir = join(base, 'repo');
  outDir = join(base, 'out');
  await copyExampleRepo(repoDir);
  first = await build(repoDir, outDir);
}, 1_800_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

/** path → sha256 (files) or `-> target` (symlinks), relative to `dir`, minus top-level `skip`. */
async function treeDigest(dir: string, skip: string[] = [], prefix = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (!prefix && skip.includes(e.name)) continue;
    if (e.isDirectory()) for (const [k, v] of await treeDigest(dir, skip, rel)) out.set(k, v);
    else if (e.isSymbolicLink()) out.set(rel, `-> ${await readlink(join(dir, rel))}`);
    else
      out.set(
        rel,
        createHash('sha256')
          .update(await readFile(join(dir, rel)))
          .digest('hex'),
      );
  }
  return out;
}

describe('pkgtrack build with deb and rpm targets in one run', () => {
  it('builds both targets', () => {
    const byTarget = Object.fromEntries(first.builds.map((b) => [b.target, b]));
    expect(first.failed, JSON.stringify(first.builds.map((b) => b.error))).toBe(0);
    expect(byTarget['debian:bookworm']!.result).toBe('built');
    expect(byTarget['fedora:41']!.result).toBe('built');
    expect(byTarget['fedora:41']!.artifacts.some((a) => a.endsWith('.src.rpm'))).toBe(true);
    expect(byTarget['fedora:41']!.lint!.findings[0]).toContain('BuildRequires were not verified');
  });

  it('writes an rpm manifest whose artifact hashes match the files', async () => {
    const dir = first.builds.find((b) => b.target === 'fedora:41')!.outDir!;
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe('rpm');
    expect(manifest.patches).toEqual(['readme-https-distribution-point.patch', 'readme-packaging-contact.patch']);
    for (const a of manifest.artifacts) {
      const sha = createHash('sha256')
        .update(await readFile(join(dir, a.name)))
        .digest('hex');
      expect(sha).toBe(a.sha256);
    }
  });

  it('skips both targets when nothing changed', async () => {
    const again = await build(repoDir, outDir);
    expect(again.builds.map((b) => [b.target, b.result])).toEqual([
      ['debian:bookworm', 'up-to-date'],
      ['fedora:41', 'up-to-date'],
    ]);
  }, 600_000);

  it('applies the same patch queue: the SRPM after %prep and the Debian source after dpkg-source -x hold the same tree', async () => {
    const deb = first.builds.find((b) => b.target === 'debian:bookworm')!;
    const rpm = first.builds.find((b) => b.target === 'fedora:41')!;
    const dsc = deb.artifacts.find((a) => a.endsWith('.dsc'))!;
    const srpm = rpm.artifacts.find((a) => a.endsWith('.src.rpm'))!;

    const debTree = join(base, 'deb-tree');
    await run('dpkg-source', ['--no-check', '-x', join(deb.outDir!, dsc), debTree], { env: { LC_ALL: 'C.UTF-8' } });

    const top = join(base, 'rpm-top');
    await mkdir(join(top, 'SOURCES'), { recursive: true });
    const cpio = await run('rpm2cpio', [join(rpm.outDir!, srpm)], { binary: true });
    await run('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { cwd: join(top, 'SOURCES'), input: cpio.stdoutBytes });
    const spec = (await readdir(join(top, 'SOURCES'))).find((f) => f.endsWith('.spec'))!;
    await run(
      'rpmbuild',
      ['-bp', '--nodeps', '--define', `_topdir ${top}`, '--define', `_sourcedir ${join(top, 'SOURCES')}`, join(top, 'SOURCES', spec)],
      {
        env: { LC_ALL: 'C.UTF-8' },
      },
    );
    const [buildDir] = (await readdir(join(top, 'BUILD'), { withFileTypes: true })).filter((e) => e.isDirectory());

    const debFiles = await treeDigest(debTree, ['debian', '.pc']);
    const rpmFiles = await treeDigest(join(top, 'BUILD', buildDir!.name));
    expect(debFiles.size).toBeGreaterThan(50);
    expect([...rpmFiles.keys()].sort()).toEqual([...debFiles.keys()].sort());
    const differing = [...rpmFiles].filter(([k, v]) => debFiles.get(k) !== v).map(([k]) => k);
    expect(differing).toEqual([]);
    // And the queue really changed the tree: README differs from the pristine tarball's.
    expect(await readFile(join(debTree, 'README'), 'utf8')).toContain('packaged with pkgtrack');
  }, 300_000);

  it('refuses %(id) in a recipe value before building, naming the field', async () => {
    const evil = join(base, 'evil');
    await copyExampleRepo(evil);
    const recipeFile = join(evil, 'recipes/hello/recipe.yaml');
    const text = await readFile(recipeFile, 'utf8');
    await writeFile(recipeFile, text.replace(/^summary: .*$/m, 'summary: "hello %(id) world"'));
    const r = await build(evil, join(base, 'evil-out'), ['fedora:41']);
    expect(r.failed).toBe(1);
    expect(r.builds[0]!.error).toMatchObject({ code: 'SPEC_VALUE_UNSAFE' });
    expect(r.builds[0]!.error!.message).toContain('summary');
    expect(r.builds[0]!.error!.message).toContain('%(id)');
    expect(r.builds[0]!.artifacts).toEqual([]);
  }, 600_000);
});
