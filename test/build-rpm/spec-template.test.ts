/**
 * Spec templating: golden output for an imported-style spec, the hello template checked by the
 * real `rpmspec`, and refusal of values that rpm would expand or a shell would run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { run } from '../../src/core/exec.js';
import { applySpecTemplate, type SpecTemplateInput } from '../../src/builders/rpm/spec-template.js';
import { parsePatchHeader } from '../../src/patches/header.js';
import { parseSeries } from '../../src/patches/series.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const helloDir = join(import.meta.dirname, '../../recipes/hello');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pkgtrack-spec-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const demoInput = async (): Promise<SpecTemplateInput> => ({
  template: await readFile(join(fixtures, 'imported.spec.in'), 'utf8'),
  templateFile: 'recipes/demo/demo.spec',
  recipeFile: 'recipes/demo/recipe.yaml',
  repositoryFile: 'pkgtrack.yaml',
  name: 'demo',
  version: '1.2.0',
  revision: '2',
  distSuffix: '.el9',
  summary: 'A demo, patched',
  sourceFile: 'demo-1.2.0.tar.gz',
  patches: [
    { name: 'fix-build.patch', strip: 1, description: 'Fix the build with 100% less breakage' },
    { name: 'debian/no-rpath.patch', strip: 1 },
  ],
  changelog: {
    date: new Date('2026-11-21T15:00:00Z'),
    maintainer: 'Pat Packager <pat@example.org>',
    previousVersion: '1.0',
    previousPatches: ['old-fix.patch', 'other.patch'],
  },
});

async function helloInput(over: Partial<SpecTemplateInput> = {}): Promise<SpecTemplateInput> {
  const series = parseSeries(await readFile(join(helloDir, 'patches/series'), 'utf8'));
  const patches = [];
  for (const e of series) {
    const header = parsePatchHeader(await readFile(join(helloDir, 'patches', e.name), 'utf8'));
    patches.push({ name: e.name, strip: e.strip, ...(header.description ? { description: header.description } : {}) });
  }
  return {
    template: await readFile(join(helloDir, 'hello.spec'), 'utf8'),
    templateFile: 'recipes/hello/hello.spec',
    recipeFile: 'recipes/hello/recipe.yaml',
    repositoryFile: 'pkgtrack.yaml',
    name: 'hello',
    version: '2.12.3',
    revision: '1',
    distSuffix: '.fc41',
    summary: 'example package based on GNU hello',
    sourceFile: 'hello_2.12.3.orig.tar.gz',
    patches,
    changelog: { date: new Date('2026-11-21T00:00:00Z'), maintainer: 'pkgtrack Example Maintainers <maintainers@example.org>' },
    ...over,
  };
}

function refusal(f: () => unknown): PkgtrackError {
  try {
    f();
  } catch (e) {
    if (e instanceof PkgtrackError) return e;
    throw e;
  }
  throw new Error('expected a PkgtrackError');
}

describe('applySpecTemplate', () => {
  it('renders the imported-style template exactly as the golden file', async () => {
    const r = applySpecTemplate(await demoInput());
    expect(r.text).toBe(await readFile(join(fixtures, 'imported.spec.golden'), 'utf8'));
    expect(r.evr).toBe('1.2.0-2.el9');
    expect(r.patchFiles).toEqual([
      { number: 0, name: 'fix-build.patch', file: 'fix-build.patch' },
      { number: 1, name: 'debian/no-rpath.patch', file: 'debian-no-rpath.patch' },
    ]);
  });

  it('renders hello.spec into a spec that rpmspec reads with the right version, release, sources and patches', async () => {
    const input = await helloInput();
    const r = applySpecTemplate(input);
    const spec = join(tmp, 'hello.spec');
    await writeFile(spec, r.text);
    const q = await run('rpmspec', [
      '-q',
      '--srpm',
      '--define',
      'dist .fc41',
      '--qf',
      '%{name}|%{version}|%{release}|%{summary}|%{url}\n',
      spec,
    ]);
    expect(q.stdout.trim()).toBe('hello|2.12.3|1.fc41|example package based on GNU hello|https://www.gnu.org/software/hello/');
    const parsed = await run('rpmspec', ['-P', '--define', 'dist .fc41', spec]);
    const sources = parsed.stdout.split('\n').filter((l) => /^(Source|Patch)\d+:/.test(l));
    expect(sources.map((l) => l.replace(/\s+/g, ' '))).toEqual([
      'Source0: hello_2.12.3.orig.tar.gz',
      ...input.patches.map((p, i) => `Patch${i}: ${p.name}`),
    ]);
    // Each PatchN line carries its DEP-3 summary as the comment above it.
    for (const [i, p] of input.patches.entries()) {
      expect(r.text).toContain(`# ${p.description}\nPatch${i}: ${p.name}\n`);
    }
    // The changelog rpm sees: our entry first, naming maintainer, version-release and the patches.
    const cl = await run('rpmspec', [
      '-q',
      '--srpm',
      '--define',
      'dist .fc41',
      '--qf',
      '[* %{changelogtime:day} %{changelogname}\n%{changelogtext}\n\n]',
      spec,
    ]);
    expect(cl.stdout).toMatch(/^\* Sat Nov 21 2026 pkgtrack Example Maintainers <maintainers@example.org> - 2\.12\.3-1\.fc41\n/);
    expect(cl.stdout).toContain('readme-packaging-contact.patch');
  });

  it('refuses %(id) in a recipe summary, naming the field, where rpm would have run it', async () => {
    // Proof of the danger: the same value written straight into a spec runs `id -u` in rpmspec.
    const naive = (await helloInput()).template.replace(/^Summary:.*$/m, 'Summary: %(id -u)');
    await writeFile(join(tmp, 'naive.spec'), naive);
    const q = await run('rpmspec', ['-q', '--srpm', '--qf', '%{summary}', join(tmp, 'naive.spec')]);
    expect(q.stdout.trim()).toBe(String(process.getuid!()));

    const base = await helloInput();
    const e = refusal(() => applySpecTemplate({ ...base, summary: 'hi %(id)' }));
    expect(e.code).toBe('SPEC_VALUE_UNSAFE');
    expect(e.details).toMatchObject({ field: 'summary', file: 'recipes/hello/recipe.yaml' });
    expect(e.message).toContain('%(id)');
    expect(e.fix).toBeTruthy();
  });

  it.each([
    ['summary', { summary: 'two\nlines' }, 'line break'],
    ['summary', { summary: 'run $(reboot)' }, '$('],
    ['license', { license: 'MIT `id`' }, 'backtick'],
    ['homepage', { homepage: 'https://x/%{_sbindir}' }, '%'],
    ['maintainer', { changelog: { date: new Date(0), maintainer: 'Eve %(id) <e@x>' } }, '%'],
    ['revision', { revision: '1%{?foo}' }, '%'],
  ] as const)('refuses an unsafe %s', async (field, over, what) => {
    const base = await helloInput();
    const e = refusal(() => applySpecTemplate({ ...base, ...(over as Partial<SpecTemplateInput>) }));
    expect(e.code).toBe('SPEC_VALUE_UNSAFE');
    expect(e.details.field).toBe(field);
    expect(e.message).toContain(what);
  });

  it('refuses an upstream version rpm cannot carry, with a mangle hint', async () => {
    const demo = await demoInput();
    const e = refusal(() => applySpecTemplate({ ...demo, version: '1.0-rc1' }));
    expect(e.code).toBe('RPM_VERSION_INVALID');
    expect(e.fix).toContain('mangle');
  });

  it('refuses a template that would not apply the generated patches', async () => {
    const base = await helloInput();
    const setup = refusal(() => applySpecTemplate({ ...base, template: base.template.replace('%autosetup -p1', '%setup -q') }));
    expect(setup.code).toBe('SPEC_TEMPLATE_PREP');
    expect(setup.details.line).toBe(base.template.split('\n').indexOf('%autosetup -p1') + 1);
    const p0 = refusal(() => applySpecTemplate({ ...base, template: base.template.replace('%autosetup -p1', '%autosetup -p0') }));
    expect(p0.message).toContain('-p0');
    const strip = refusal(() => applySpecTemplate({ ...base, patches: [{ name: 'a.patch', strip: 0 }] }));
    expect(strip.code).toBe('RPM_PATCH_STRIP');
  });

  it('refuses a template whose Name is not the recipe', async () => {
    const base = await helloInput();
    const e = refusal(() => applySpecTemplate({ ...base, name: 'other' }));
    expect(e.code).toBe('SPEC_NAME_MISMATCH');
    expect(e.details.line).toBe(base.template.split('\n').findIndex((l) => l.startsWith('Name:')) + 1);
  });

  it('adds a %changelog section when the template has none, escaping % in patch text', async () => {
    const base = await helloInput();
    const r = applySpecTemplate({
      ...base,
      template: base.template.replace(/\n%changelog\n$/, '\n'),
      patches: [{ name: 'x.patch', strip: 1, description: 'make 100% sure %(id) stays text' }],
    });
    expect(r.text).toContain('# make 100%% sure %%(id) stays text\nPatch0: x.patch\n');
    expect(r.text.trimEnd().split('\n').slice(-4)).toEqual([
      '%changelog',
      '* Sat Nov 21 2026 pkgtrack Example Maintainers <maintainers@example.org> - 2.12.3-1.fc41',
      '- Build upstream version 2.12.3',
      '- Apply 1 patch: x.patch',
    ]);
  });
});

describe('extraSources', () => {
  it('names Source1..N files of the recipe folder, expanding only %{name} and %{version}', async () => {
    const { extraSources } = await import('../../src/builders/rpm/index.js');
    const spec =
      'Name: demo\nSource0: demo-1.tar.gz\nSource1: %{name}.desktop\nSource2: https://example.org/x/%{name}-%{version}.conf\n%description\nd\n';
    expect(extraSources(spec, 'demo', '1.2', 'demo.spec')).toEqual([
      { number: 1, file: 'demo.desktop', line: 3 },
      { number: 2, file: 'demo-1.2.conf', line: 4 },
    ]);
    const bad = refusal(() => extraSources('Name: demo\nSource1: %{foo}.txt\n', 'demo', '1', 'demo.spec'));
    expect(bad.details.field).toBe('Source1');
  });
});
