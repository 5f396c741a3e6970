/**
 * The recipe's `<name>.spec` is a template: an ordinary spec the packager owns, in which
 * pkgtrack sets the values that change with every build. We set `Version`, `Release`
 * (`<revision>%{?dist}`; the builder defines `dist` as the target's suffix), `Source0`, the
 * `PatchN:` lines generated from the shared patch series (each with its DEP-3 summary as a
 * comment), `Summary`/`License`/`URL` from recipe.yaml when it has them, and a new top
 * `%changelog` entry. Every value we write is checked (spec-values.ts); the template's own text
 * is the packager's and passes through untouched. Pure.
 */
import { inputError } from '../../core/errors.js';
import {
  escapeMacros,
  findPatchMacros,
  findSetupMacros,
  parseSpecOutline,
  renderChangelogEntry,
  sectionRange,
} from '../../formats/spec.js';
import { checkRpmRelease, checkRpmVersion, checkSourceFileName, checkSpecValue } from './spec-values.js';

export interface SpecPatch {
  /** Patch name as in the series, e.g. `readme-packaging-contact.patch`. */
  name: string;
  /** Strip level from the series (rpm builds need -p1, like %autosetup -p1). */
  strip: number;
  /** DEP-3 one-line summary, when the header has one. */
  description?: string;
}

export interface SpecTemplateInput {
  template: string;
  /** Where the template came from, for error locations (recipes/hello/hello.spec). */
  templateFile: string;
  /** recipe.yaml path, for errors about recipe values. */
  recipeFile: string;
  /** pkgtrack.yaml path, for errors about the maintainer. */
  repositoryFile: string;
  name: string;
  version: string;
  revision: string;
  /** Per-target suffix (`.fc41`); it becomes `%{dist}` at build time and names the changelog EVR. */
  distSuffix: string;
  summary?: string | undefined;
  license?: string | undefined;
  homepage?: string | undefined;
  /** File name of the upstream tarball as placed in SOURCES. */
  sourceFile: string;
  patches: readonly SpecPatch[];
  changelog: {
    date: Date;
    /** `Full Name <email>` from pkgtrack.yaml. */
    maintainer: string;
    /** Patch names of the previous build, to say what changed; undefined when unknown. */
    previousPatches?: readonly string[] | undefined;
    previousVersion?: string | undefined;
    /** The entry's lines as the build service wrote them (shared with the deb changelog); default: changelogItems(). */
    items?: readonly string[] | undefined;
  };
}

export interface RenderedSpec {
  text: string;
  /** `Release:` as written (with `%{?dist}`). */
  release: string;
  /** The version-release the build will have once `dist` is defined. */
  evr: string;
  /** Names the PatchN lines refer to, in order; the builder copies these into SOURCES. */
  patchFiles: { number: number; name: string; file: string }[];
}

/** The SOURCES file name for a series entry: flattened, so `debian/fix.patch` → `debian-fix.patch`. */
export function patchSourceName(name: string): string {
  return name.replaceAll('/', '-');
}

/** Changelog bullets: the upstream version, then what happened to the patch queue. */
export function changelogItems(input: Pick<SpecTemplateInput, 'version' | 'patches' | 'changelog'>): string[] {
  const { previousVersion, previousPatches } = input.changelog;
  const items = [
    previousVersion && previousVersion !== input.version
      ? `Update to upstream version ${input.version} (from ${previousVersion})`
      : `Build upstream version ${input.version}`,
  ];
  const names = input.patches.map((p) => p.name);
  if (previousPatches) {
    const added = names.filter((n) => !previousPatches.includes(n));
    const dropped = previousPatches.filter((n) => !names.includes(n));
    if (added.length) items.push(`Add patches: ${added.join(', ')}`);
    if (dropped.length) items.push(`Drop patches: ${dropped.join(', ')}`);
    if (!added.length && !dropped.length) items.push(names.length ? `Patch queue unchanged (${names.length} patches)` : 'No patches');
  } else {
    items.push(names.length ? `Apply ${names.length} patch${names.length === 1 ? '' : 'es'}: ${names.join(', ')}` : 'No patches');
  }
  return items;
}

export function applySpecTemplate(input: SpecTemplateInput): RenderedSpec {
  const tfile = input.templateFile;
  const recipeField = (field: string) => ({ field, file: input.recipeFile });
  const version = checkRpmVersion(input.version, { field: 'version (upstream version)', file: input.recipeFile });
  const revision = checkRpmRelease(input.revision, recipeField('revision'));
  const dist = checkRpmRelease(input.distSuffix, recipeField('targets[].versionSuffix'));
  const sourceFile = checkSourceFileName(input.sourceFile, { field: 'Source0 (upstream tarball name)' });
  const maintainer = checkSpecValue(input.changelog.maintainer, { field: 'maintainer', file: input.repositoryFile });
  const summary = input.summary === undefined ? undefined : checkSpecValue(input.summary, recipeField('summary'));
  const license = input.license === undefined ? undefined : checkSpecValue(input.license, recipeField('license'));
  const homepage = input.homepage === undefined ? undefined : checkSpecValue(input.homepage, recipeField('homepage'));
  if (homepage !== undefined && /\s/.test(homepage)) {
    throw inputError('SPEC_VALUE_UNSAFE', `homepage "${homepage}" contains white space`, 'Write the homepage as one URL.', {
      file: input.recipeFile,
      field: 'homepage',
    });
  }

  const outline = parseSpecOutline(input.template.replace(/\r\n/g, '\n'));
  const lines = [...outline.lines];
  const at = (index: number) => ({ file: tfile, line: index + 1 });
  const need = (tag: string) => {
    const t = outline.preamble.find((x) => x.tag === tag);
    if (!t) {
      throw inputError(
        'SPEC_TEMPLATE_TAG_MISSING',
        `the spec template has no ${tag[0]!.toUpperCase()}${tag.slice(1)}: line`,
        `Add "${tag[0]!.toUpperCase()}${tag.slice(1)}:" to the preamble; pkgtrack fills in its value.`,
        {
          file: tfile,
          field: tag,
        },
      );
    }
    return t;
  };
  const nameTag = need('name');
  if (nameTag.value !== input.name) {
    throw inputError(
      'SPEC_NAME_MISMATCH',
      `the spec template's Name is "${nameTag.value}" but the recipe is "${input.name}"`,
      `Set "Name: ${input.name}".`,
      {
        ...at(nameTag.index),
        field: 'Name',
      },
    );
  }
  const release = `${revision}%{?dist}`;
  const replace = (tag: string, value: string, numbered?: number) => {
    for (const t of outline.preamble) {
      if (t.tag === tag && (numbered === undefined || (t.number ?? 0) === numbered)) {
        lines[t.index] = lines[t.index]!.replace(/^([^:]*:\s*).*$/, `$1${value}`);
      }
    }
  };
  need('version');
  need('release');
  replace('version', version);
  replace('release', release);
  if (summary !== undefined) replace('summary', summary);
  if (license !== undefined) replace('license', license);
  if (homepage !== undefined) replace('url', homepage);

  const source0 = outline.preamble.find((t) => t.tag === 'source' && (t.number ?? 0) === 0);
  if (!source0) {
    throw inputError(
      'SPEC_TEMPLATE_TAG_MISSING',
      'the spec template has no Source0: line',
      'Add "Source0: %{name}-%{version}.tar.gz"; pkgtrack sets it to the fetched upstream tarball.',
      {
        file: tfile,
        field: 'Source0',
      },
    );
  }
  replace('source', sourceFile, 0);

  // Patches: the template's own PatchN lines are replaced by the shared series, in order.
  const patchFiles = input.patches.map((p, i) => {
    if (p.strip !== 1) {
      throw inputError(
        'RPM_PATCH_STRIP',
        `patch ${p.name} is listed with -p${p.strip}; rpm builds apply the queue with %autosetup -p1`,
        `Refresh it to -p1 (\`quilt refresh -p ab\`) and drop the -p${p.strip} from patches/series.`,
        { file: 'patches/series', field: p.name },
      );
    }
    const file = checkSourceFileName(patchSourceName(p.name), { field: `patches/series entry ${p.name}` });
    return { number: i, name: p.name, file };
  });
  const setups = findSetupMacros(outline);
  const manual = findPatchMacros(outline);
  if (patchFiles.length > 0) {
    const auto = setups.find((s) => s.macro === 'autosetup');
    if (!auto || manual.length > 0) {
      const where = manual[0] ?? setups[0]?.index ?? sectionRange(outline, 'prep')?.start;
      throw inputError(
        'SPEC_TEMPLATE_PREP',
        auto
          ? 'the spec template applies patches by hand in %prep; pkgtrack generates the PatchN lines and %autosetup applies them'
          : 'the spec template does not use %autosetup, so the generated PatchN lines would not be applied',
        'Write "%autosetup -p1" in %prep and remove %setup and %patch lines.',
        where === undefined ? { file: tfile } : at(where),
      );
    }
    if (auto.strip !== 1) {
      throw inputError(
        'SPEC_TEMPLATE_PREP',
        `%autosetup has ${auto.strip === undefined ? 'no -p option' : `-p${auto.strip}`}; the patch queue is -p1`,
        'Write "%autosetup -p1".',
        at(auto.index),
      );
    }
  }
  const patchLines = input.patches.flatMap((p, i) => [
    ...(p.description ? [`# ${escapeMacros(p.description.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())}`] : []),
    `Patch${i}: ${patchFiles[i]!.file}`,
  ]);
  const oldPatchLines = new Set(outline.preamble.filter((t) => t.tag === 'patch').map((t) => t.index));
  // Comments directly above an old PatchN line described that patch: they go with it.
  for (const i of [...oldPatchLines]) {
    for (let k = i - 1; k >= 0 && /^#/.test(lines[k]!); k--) oldPatchLines.add(k);
  }

  const evr = `${version}-${revision}${dist}`;
  const entry = renderChangelogEntry({
    date: input.changelog.date,
    author: maintainer,
    evr,
    items: input.changelog.items?.length ? input.changelog.items : changelogItems(input),
  });
  const changelog = sectionRange(outline, 'changelog');

  const out: string[] = [];
  lines.forEach((line, i) => {
    if (oldPatchLines.has(i)) return;
    out.push(line);
    if (i === source0.index) out.push(...patchLines);
    if (changelog && i === changelog.start) out.push(entry, ...(changelog.end > i + 1 && lines[i + 1]?.trim() ? [''] : []));
  });
  while (out.length && out[out.length - 1] === '') out.pop();
  if (!changelog) out.push('', '%changelog', entry);
  return { text: `${out.join('\n')}\n`, release, evr, patchFiles };
}
