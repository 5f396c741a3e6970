/**
 * Guards for values pkgtrack writes into a spec. rpm expands `%...` everywhere in a spec (a
 * `%(id)` in a Summary runs `id` at rpmbuild time) and scriptlets are shell, so a value that
 * did not come from the spec template itself must not carry macros, newlines or shell
 * substitutions. We refuse rather than escape: a refused value names its field and says how to
 * write it instead, and the packager sees exactly what ends up in the spec.
 */
import { inputError } from '../../core/errors.js';

export interface ValueOrigin {
  /** Dotted field name, e.g. `summary` (recipe.yaml) or `maintainer` (pkgtrack.yaml). */
  field: string;
  /** File the value came from, for the error location. */
  file?: string;
}

/** What is wrong with `value` as a spec value, or undefined when it is safe. */
export function specValueProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'contains a line break (a new line would start a new spec tag or section)';
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains a control character';
  if (value.includes('%')) return 'contains "%" (rpm expands it as a macro at build time; "%(...)" would run a command)';
  if (value.includes('$(')) return 'contains "$(" (a shell command substitution)';
  if (value.includes('`')) return 'contains a backtick (a shell command substitution)';
  if (value.includes('${')) return 'contains "${" (a shell variable expansion)';
  return undefined;
}

/** Throw SPEC_VALUE_UNSAFE naming the field when `value` is not safe in a spec. */
export function checkSpecValue(value: string, origin: ValueOrigin): string {
  const problem = specValueProblem(value);
  if (problem) {
    throw inputError(
      'SPEC_VALUE_UNSAFE',
      `${origin.field} ${problem}: ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)}`,
      `Write ${origin.field} as plain text without "%", "$(", "\${", backticks or line breaks; a macro the spec really needs belongs in the .spec template itself.`,
      { ...(origin.file ? { file: origin.file } : {}), field: origin.field },
    );
  }
  return value;
}

/** rpm Version: letters, digits, `.`, `_`, `+`, `~`, `^`; no `-` (it separates version and release). */
export function checkRpmVersion(version: string, origin: ValueOrigin): string {
  checkSpecValue(version, origin);
  if (!/^[A-Za-z0-9._+~^]+$/.test(version)) {
    const hint = version.includes('-')
      ? 'rpm versions cannot contain "-"; add a versions.mangle rule (e.g. from "-" to "~" for pre-releases, or to ".")'
      : 'use only letters, digits, ".", "_", "+", "~" and "^"';
    throw inputError(
      'RPM_VERSION_INVALID',
      `${origin.field} "${version}" is not a valid rpm version`,
      `${hint[0]!.toUpperCase()}${hint.slice(1)}.`,
      {
        ...(origin.file ? { file: origin.file } : {}),
        field: origin.field,
      },
    );
  }
  return version;
}

/** rpm Release parts (revision, dist suffix): letters, digits, `.`, `_`, `+`, `~`, `^`. */
export function checkRpmRelease(release: string, origin: ValueOrigin): string {
  checkSpecValue(release, origin);
  if (!/^[A-Za-z0-9._+~^]*$/.test(release)) {
    throw inputError(
      'RPM_RELEASE_INVALID',
      `${origin.field} "${release}" is not valid in an rpm Release`,
      'Use only letters, digits, ".", "_", "+", "~" and "^".',
      {
        ...(origin.file ? { file: origin.file } : {}),
        field: origin.field,
      },
    );
  }
  return release;
}

/** A file name placed in SOURCES and named by SourceN/PatchN: one plain path component. */
export function checkSourceFileName(name: string, origin: ValueOrigin): string {
  checkSpecValue(name, origin);
  if (!/^[A-Za-z0-9][A-Za-z0-9._+~-]*$/.test(name)) {
    throw inputError(
      'SPEC_FILE_NAME_INVALID',
      `${origin.field} "${name}" is not a plain file name`,
      'Name source and patch files with letters, digits, ".", "_", "+", "~" and "-" only.',
      { ...(origin.file ? { file: origin.file } : {}), field: origin.field },
    );
  }
  return name;
}
