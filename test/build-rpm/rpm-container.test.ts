/**
 * hello built as rpm for fedora:41 in a real podman container (the rpm-on-Debian image here,
 * since no Fedora image can be pulled), twice. Checked with the real rpm tools: metadata
 * (`rpm -qpi`/`--qf`), file list (`rpm -qpl`), install into a fresh root (`rpm -i --root
 * --nodeps`) and run, the patch queue present in the installed README, identical payloads
 * (`rpm2cpio | sha256`) across the two builds, and the summary note that BuildRequires were not
 * verified.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODEPS_NOTE } from '../../src/builders/rpm/index.js';
import { detectEngine } from '../../src/containers/detect.js';
import { run } from '../../src/core/exec.js';
import type { Recipe, RecipesRepository } from '../../src/recipe/load.js';
import { pruneBuilderImages } from '../../src/services/image/image.js';
import { buildRpmDirect, type DirectBuild, helloOrig, helloRecipe, type Orig } from './helpers.js';

let base: string;
let recipesRepo: RecipesRepository;
let recipe: Recipe;
let orig: Orig;
let first: DirectBuild;
let second: DirectBuild;

const binary = (b: DirectBuild) => join(b.outDir, b.artifacts.find((a) => a.kind === 'rpm')!.name);
const srpm = (b: DirectBuild) => join(b.outDir, b.artifacts.find((a) => a.kind === 'srpm')!.name);
const qf = async (file: string, format: string) => (await run('rpm', ['-qp', '--qf', format, file])).stdout;
async function payloadSha(file: string): Promise<string> {
  const r = await run('rpm2cpio', [file], { binary: true });
  return createHash('sha256').update(r.stdoutBytes).digest('hex');
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'pkgtrack-rpm-container-'));
  ({ recipesRepo, recipe } = await helloRecipe());
  orig = await helloOrig();
  const target = recipe.targets.find((t) => t.format === 'rpm')!;
  first = await buildRpmDirect(recipe, target, orig, recipesRepo, base);
  if (first.code !== 0) throw new Error(`rpm build failed:\n${first.output.slice(-3000)}`);
  second = await buildRpmDirect(recipe, target, orig, recipesRepo, base);
  if (second.code !== 0) throw new Error(`second rpm build failed:\n${second.output.slice(-3000)}`);
}, 1_800_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('hello as rpm in a container', () => {
  it('produces one SRPM and one binary rpm named by the target release', () => {
    expect(first.artifacts.map((a) => a.name).sort()).toEqual([
      `hello-${orig.version}-1.fc41.src.rpm`,
      `hello-${orig.version}-1.fc41.x86_64.rpm`,
    ]);
  });

  it('carries the recipe metadata, the fixed build host and SOURCE_DATE_EPOCH as build time', async () => {
    const info = (await run('rpm', ['-qpi', binary(first)])).stdout;
    expect(info).toMatch(/^Name\s+: hello$/m);
    expect(info).toMatch(new RegExp(`^Version\\s+: ${orig.version.replaceAll('.', '\\.')}$`, 'm'));
    expect(info).toMatch(/^Release\s+: 1\.fc41$/m);
    expect(info).toMatch(new RegExp(`^License\\s+: ${recipe.config.license}$`, 'm'));
    expect(info).toMatch(new RegExp(`^Summary\\s+: ${recipe.config.summary}$`, 'm'));
    expect(info).toMatch(/^Build Host\s+: pkgtrack$/m);
    expect(await qf(binary(first), '%{BUILDTIME}')).toBe(String(first.prepared.sourceDateEpoch));
    expect(await qf(binary(first), '%{SOURCERPM}')).toBe(`hello-${orig.version}-1.fc41.src.rpm`);
    const cl = await qf(srpm(first), '[%{CHANGELOGNAME}\n]');
    expect(cl.split('\n')[0]).toBe(`${recipesRepo.config.maintainer} - ${orig.version}-1.fc41`);
  });

  it('lists the program, its manual, info page and docs; the SRPM holds tarball, patches and spec', async () => {
    const files = (await run('rpm', ['-qpl', binary(first)])).stdout.split('\n');
    expect(files).toContain('/usr/bin/hello');
    expect(files.some((f) => f.startsWith('/usr/share/man/man1/hello.1'))).toBe(true);
    expect(files.some((f) => f.startsWith('/usr/share/info/hello.info'))).toBe(true);
    // The doc dir is hello/ on Fedora and hello-<version>/ with upstream rpm's macros (Debian).
    const docs = (await run('rpm', ['-qpd', binary(first)])).stdout.split('\n');
    expect(docs.some((f) => /^\/usr\/share\/doc\/hello[^/]*\/README$/.test(f))).toBe(true);
    const sources = (await run('rpm', ['-qpl', srpm(first)])).stdout.trim().split('\n').sort();
    const series = (await readFile(recipe.seriesFile!, 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(sources).toEqual([`hello-${orig.version}.tar.gz`, 'hello.spec', ...series].sort());
  });

  it('installs into an empty root with rpm -i --root, and the program runs', async () => {
    const root = await mkdtemp(join(base, 'root-'));
    await run('rpm', ['-i', '--root', root, '--nodeps', binary(first)]);
    const q = await run('rpm', ['-q', '--root', root, 'hello']);
    expect(q.stdout.trim()).toBe(`hello-${orig.version}-1.fc41.x86_64`);
    const hello = await run(join(root, 'usr/bin/hello'), [], { env: { LANG: 'C', LC_ALL: 'C' } });
    expect(hello.stdout).toBe('Hello, world!\n');
    // The shared patch queue reached the rpm: both README patches are in the installed README.
    const docs = (await run('rpm', ['-qd', '--root', root, 'hello'])).stdout.split('\n');
    const readme = await readFile(join(root, docs.find((f) => f.endsWith('/README'))!), 'utf8');
    expect(readme).toContain('Primary distribution point: https://ftp.gnu.org/gnu/hello/');
    expect(readme).toContain('packaged with pkgtrack');
  });

  it('gives identical payloads (and identical packages) when built twice', async () => {
    expect(await payloadSha(binary(second))).toBe(await payloadSha(binary(first)));
    expect(await payloadSha(srpm(second))).toBe(await payloadSha(srpm(first)));
    expect(second.artifacts.map((a) => [a.name, a.sha256])).toEqual(first.artifacts.map((a) => [a.name, a.sha256]));
  });

  it('says plainly that BuildRequires were not verified on the rpm-on-Debian image', () => {
    expect(first.prepared.notes.buildRequires).toBe(NODEPS_NOTE);
    expect(first.lint.findings[0]).toMatchObject({ tag: 'buildrequires-not-verified', subject: 'fedora:41', severity: 'warning' });
    expect(first.output).toContain('rpmbuild --nodeps');
  });

  it('reports rpmlint findings without the pre-signing no-signature error', () => {
    expect(first.lint.tool).toBe('rpmlint');
    expect(first.lint.findings.length).toBeGreaterThan(1);
    expect(first.lint.findings.some((f) => f.tag === 'no-signature')).toBe(false);
  });

  it('keeps the rpm-on-Debian dependency image when pruning stale images', async () => {
    const r = await pruneBuilderImages(await detectEngine(), { dryRun: true });
    expect(r.kept).toContain(first.image);
    expect(r.removed).not.toContain(first.image);
  });
});
