/**
 * Templates for `pkgtrack init` and `recipe import`: the generated template, rendered for hello,
 * builds with the real rpmbuild (on the host, --nodeps) and packages /usr/bin/hello; an imported
 * Fedora-style spec (%setup + %patchN) becomes an %autosetup template that rpmspec reads and
 * whose %prep applies the queue.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importSpecAsTemplate, renderSpecTemplate } from '../../src/builders/rpm/spec-init.js';
import { applySpecTemplate } from '../../src/builders/rpm/spec-template.js';
import { PkgtrackError } from '../../src/core/errors.js';
import { run } from '../../src/core/exec.js';
import { fedoraHelloSpec, helloOrig, helloRecipe, type Orig } from './helpers.js';

let tmp: string;
let orig: Orig;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pkgtrack-spec-init-'));
  orig = await helloOrig();
}, 300_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function topdir(name: string): Promise<string> {
  const top = join(tmp, name);
  for (const d of ['SOURCES', 'SPECS']) await mkdir(join(top, d), { recursive: true });
  return top;
}

const render = (template: string, patches: { name: string; strip: number }[] = []) =>
  applySpecTemplate({
    template,
    templateFile: 'hello.spec',
    recipeFile: 'recipe.yaml',
    repositoryFile: 'pkgtrack.yaml',
    name: 'hello',
    version: orig.version,
    revision: '1',
    distSuffix: '.fc41',
    sourceFile: `hello-${orig.version}.tar.gz`,
    patches,
    changelog: { date: new Date('2026-11-21T00:00:00Z'), maintainer: 'Pat Packager <pat@example.org>' },
  });

describe('renderSpecTemplate (pkgtrack init)', () => {
  it('writes a template that builds hello with rpmbuild and packages what make install installed', async () => {
    const { recipe } = await helloRecipe();
    const template = renderSpecTemplate({
      name: 'hello',
      summary: recipe.config.summary,
      license: recipe.config.license,
      homepage: recipe.config.homepage,
    });
    const rendered = render(template);
    const top = await topdir('init');
    await writeFile(join(top, 'SPECS/hello.spec'), rendered.text);
    await copyFile(orig.path, join(top, 'SOURCES', `hello-${orig.version}.tar.gz`));
    await run('rpmbuild', ['-bb', '--nodeps', '--define', `_topdir ${top}`, '--define', 'dist .fc41', join(top, 'SPECS/hello.spec')], {
      env: { LC_ALL: 'C.UTF-8' },
      timeoutMs: 600_000,
    });
    const rpm = join(top, 'RPMS/x86_64', `hello-${orig.version}-1.fc41.x86_64.rpm`);
    const files = (await run('rpm', ['-qpl', rpm])).stdout.split('\n');
    expect(files).toContain('/usr/bin/hello');
    expect(files.some((f) => f.startsWith('/usr/share/man/man1/hello.1'))).toBe(true);
    expect((await run('rpm', ['-qp', '--qf', '%{summary}', rpm])).stdout).toBe(recipe.config.summary);
  }, 600_000);

  it('refuses a summary with a macro, and a bad name', () => {
    expect(() => renderSpecTemplate({ name: 'x1', summary: 'pwn %(id)' })).toThrow(PkgtrackError);
    expect(() => renderSpecTemplate({ name: 'Bad Name' })).toThrow(/not a package name/);
  });
});

describe('importSpecAsTemplate (recipe import)', () => {
  const fedoraStyle = (v: string) => fedoraHelloSpec({ version: v, release: 5 });

  it('moves the Patch lines out, turns %setup + %patch into %autosetup -p1, and the result applies the queue', async () => {
    const imported = importSpecAsTemplate(fedoraStyle(orig.version));
    expect(imported.patches).toEqual([
      { number: 0, file: 'readme-https-distribution-point.patch', strip: 1 },
      { number: 1, file: 'readme-packaging-contact.patch', strip: 1 },
    ]);
    expect(imported.template).not.toMatch(/^(Patch\d*:|%patch)/m);
    expect(imported.template).toMatch(/^%autosetup -p1$/m);
    expect(imported.notes.join('\n')).toContain('%autosetup -p1');

    const { recipe } = await helloRecipe();
    const rendered = render(
      imported.template,
      imported.patches.map((p) => ({ name: p.file, strip: p.strip })),
    );
    const top = await topdir('import');
    await writeFile(join(top, 'SPECS/hello.spec'), rendered.text);
    await copyFile(orig.path, join(top, 'SOURCES', `hello-${orig.version}.tar.gz`));
    for (const p of imported.patches) await copyFile(join(recipe.dir, 'patches', p.file), join(top, 'SOURCES', p.file));
    // %prep only: unpack and apply the queue, as rpmbuild does at the start of every build.
    await run('rpmbuild', ['-bp', '--nodeps', '--define', `_topdir ${top}`, join(top, 'SPECS/hello.spec')], { env: { LC_ALL: 'C.UTF-8' } });
    const readme = await readFile(join(top, 'BUILD', `hello-${orig.version}`, 'README'), 'utf8');
    expect(readme).toContain('packaged with pkgtrack');
    // The old changelog stays below the new entry.
    expect(rendered.text).toMatch(
      /%changelog\n\* Sat Nov 21 2026 Pat Packager <pat@example.org> - .*\n(- .*\n)+\n\* Mon Jan 05 2026 Someone/,
    );
  });

  it('keeps %setup -n and records strip levels other than 1', () => {
    const text = fedoraStyle('1.0').replace('%setup -q', '%setup -q -n hello-src').replace('%patch1 -p1', '%patch1 -p0');
    const imported = importSpecAsTemplate(text);
    expect(imported.template).toMatch(/^%autosetup -n hello-src -p1$/m);
    expect(imported.patches[1]!.strip).toBe(0);
    expect(imported.notes.join('\n')).toContain('not -p1');
  });

  it('refuses a spec without %setup', () => {
    expect(() => importSpecAsTemplate(fedoraStyle('1.0').replace('%setup -q\n', ''))).toThrow(/no %setup/);
  });
});
