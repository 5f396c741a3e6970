/**
 * Spec templates for new and imported recipes. `renderSpecTemplate()` writes a template for
 * `pkgtrack init` / `recipe new` that builds a typical upstream as it is (autotools, CMake,
 * Meson or plain make) and packages whatever `make install` installs; `importSpecAsTemplate()`
 * turns an existing distro spec into a template for `pkgtrack recipe import`: its Patch lines
 * go to the shared series, and `%setup` + `%patchN` become `%autosetup -p1`. Pure.
 */
import { inputError } from '../../core/errors.js';
import { findPatchMacros, findSetupMacros, parseSpecOutline } from '../../formats/spec.js';
import { checkSpecValue } from './spec-values.js';

export type BuildSystem = 'autotools' | 'cmake' | 'meson' | 'make';

export interface SpecRecipeInfo {
  name: string;
  summary?: string | undefined;
  license?: string | undefined;
  homepage?: string | undefined;
  /** Longer description; plain text, wrapped as given. */
  description?: string | undefined;
  buildSystem?: BuildSystem | undefined;
  /** Extra BuildRequires besides the build system's own. */
  buildRequires?: readonly string[] | undefined;
}

const BUILD: Record<BuildSystem, { requires: string[]; build: string[]; install: string[] }> = {
  autotools: { requires: ['gcc', 'make'], build: ['%configure', '%make_build'], install: ['%make_install'] },
  cmake: { requires: ['gcc', 'gcc-c++', 'cmake'], build: ['%cmake', '%cmake_build'], install: ['%cmake_install'] },
  meson: { requires: ['gcc', 'meson', 'ninja-build'], build: ['%meson', '%meson_build'], install: ['%meson_install'] },
  make: { requires: ['gcc', 'make'], build: ['%make_build'], install: ['%make_install PREFIX=%{_prefix}'] },
};

/**
 * A spec template that builds: pkgtrack fills in Version, Release, Source0, the PatchN lines and
 * the changelog; %files takes every file `make install` put in the build root (a list written
 * in %install), so the first build works before the packager writes a precise %files.
 */
export function renderSpecTemplate(info: SpecRecipeInfo): string {
  const field = (f: string, v: string | undefined) => (v === undefined ? undefined : checkSpecValue(v, { field: f, file: 'recipe.yaml' }));
  const name = field('name', info.name)!;
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) {
    throw inputError('RECIPE_NAME_INVALID', `"${name}" is not a package name`, 'Use lower-case letters, digits, "+", "-" and ".".', {
      field: 'name',
    });
  }
  const summary = field('summary', info.summary) ?? `${name}, packaged with pkgtrack`;
  const license = field('license', info.license) ?? 'LicenseRef-Unknown';
  const homepage = field('homepage', info.homepage);
  const description = (info.description ?? summary).split('\n').map((l, i) => checkSpecValue(l, { field: `description line ${i + 1}` }));
  const system = BUILD[info.buildSystem ?? 'autotools'];
  const requires = [...system.requires, ...(info.buildRequires ?? []).map((r) => checkSpecValue(r, { field: 'buildRequires' }))];
  return [
    `# Spec template for ${name}. pkgtrack sets Version, Release, Source0, the PatchN lines (from`,
    '# patches/series, shared with the Debian build), Summary/License/URL from recipe.yaml and a new',
    '# changelog entry at every build; the rest is yours. Replace the generated file list in',
    '# files with explicit paths once the package is established.',
    `Name:           ${name}`,
    'Version:        0',
    'Release:        1%{?dist}',
    `Summary:        ${summary}`,
    `License:        ${license}`,
    ...(homepage ? [`URL:            ${homepage}`] : []),
    `Source0:        ${name}-0.tar.gz`,
    '',
    ...[...new Set(requires)].map((r) => `BuildRequires:  ${r}`),
    '',
    '%description',
    ...description,
    '',
    '%prep',
    '%autosetup -p1',
    '',
    '%build',
    ...system.build,
    '',
    '%install',
    ...system.install,
    'rm -f %{buildroot}%{_infodir}/dir',
    'find %{buildroot} -name "*.la" -delete',
    // Every installed file and symlink, as a %files list (paths quoted for spaces).
    `(cd %{buildroot} && find . \\( -type f -o -type l \\) | LC_ALL=C sort | sed -e 's|^\\.||' -e 's|.*|"&"|') > pkgtrack-files.list`,
    '',
    '%files -f pkgtrack-files.list',
    '',
    '%changelog',
    '',
  ].join('\n');
}

export interface ImportedSpecPatch {
  /** The number of the PatchN line (Patch: counts as 0). */
  number: number;
  /** File name the spec gives (last path component of the URL or path). */
  file: string;
  /** Strip level from the matching %patch line, when there is one; default 1. */
  strip: number;
}

export interface ImportedSpec {
  template: string;
  /** Patches in the order %autosetup would apply them (by number), for patches/series. */
  patches: ImportedSpecPatch[];
  /** What was changed, for the import summary. */
  notes: string[];
}

/** Turn a distro spec into a pkgtrack template. Patch lines leave; %prep uses %autosetup -p1. */
export function importSpecAsTemplate(text: string, file = 'imported.spec'): ImportedSpec {
  const outline = parseSpecOutline(text.replace(/\r\n/g, '\n'));
  const lines = [...outline.lines];
  const notes: string[] = [];
  const drop = new Set<number>();
  const patches: ImportedSpecPatch[] = [];
  for (const t of outline.preamble.filter((x) => x.tag === 'patch')) {
    if (/%\{?[A-Za-z_]/.test(t.value.replace(/%\{?(name|version)\}?/g, ''))) {
      notes.push(`Patch${t.number ?? ''} uses macros (${t.value}); check the file name in patches/`);
    }
    patches.push({ number: t.number ?? 0, file: t.value.split('/').pop()!, strip: 1 });
    drop.add(t.index);
  }
  // %patchN -pX / %patch -P N -pX: remember strip levels, then drop the lines.
  for (const i of findPatchMacros(outline)) {
    const l = lines[i]!;
    const num = /%\{?patch(\d+)/.exec(l)?.[1] ?? /-P\s*(\d+)/.exec(l)?.[1] ?? (/%\{?patch\b/.test(l) ? '0' : undefined);
    const strip = /-p\s*(\d+)/.exec(l)?.[1];
    const p = patches.find((x) => String(x.number) === num);
    if (p && strip !== undefined) p.strip = Number(strip);
    drop.add(i);
  }
  if (drop.size) notes.push(`moved ${patches.length} Patch line(s) to patches/series`);
  const setups = findSetupMacros(outline);
  const main =
    setups.find((s) => s.macro === 'autosetup') ?? setups.find((s) => s.macro === 'setup' && !s.args.some((a) => a === '-a' || a === '-b'));
  if (!main) {
    throw inputError(
      'SPEC_IMPORT_NO_SETUP',
      'the spec has no %setup or %autosetup in %prep',
      'Add "%autosetup -p1" to %prep and import again.',
      { file },
    );
  }
  const keep: string[] = [];
  for (let k = 0; k < main.args.length; k++) {
    const a = main.args[k]!;
    if (a === '-n' || a === '-a' || a === '-b') keep.push(a, main.args[++k] ?? '');
    else if (/^-[nab]./.test(a) || a === '-c' || a === '-T' || a === '-D') keep.push(a);
  }
  lines[main.index] = ['%autosetup', ...keep, '-p1'].join(' ');
  if (main.macro === 'setup') notes.push('replaced %setup and %patch lines with %autosetup -p1');
  for (const s of setups) if (s !== main && s.macro === 'autosetup') drop.add(s.index);
  const odd = patches.filter((p) => p.strip !== 1);
  if (odd.length) notes.push(`patches ${odd.map((p) => p.file).join(', ')} are not -p1: refresh them before building`);
  patches.sort((a, b) => a.number - b.number);
  return { template: lines.filter((_, i) => !drop.has(i)).join('\n'), patches, notes };
}
