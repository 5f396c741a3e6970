/**
 * Paths that come from untrusted input (patch file names, archive entries) must stay inside
 * the tree: no absolute names, no "..", no control characters, and never through a symlink
 * that is already in the tree.
 */
import { ifExists } from '../core/fsutil.js';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ErrorDetails, inputError } from '../core/errors.js';

/** Split a relative name into checked components, or throw naming `what`. */
export function safeComponents(name: string, what: string, details: ErrorDetails = {}): string[] {
  const shown = JSON.stringify(name);
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw inputError(
      'PATH_CONTROL_CHAR',
      `${what} ${shown} contains a control character (newline, tab...)`,
      'Rename it; pkgtrack never writes such names.',
      details,
    );
  }
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) {
    throw inputError(
      'PATH_ABSOLUTE',
      `${what} ${shown} is an absolute path`,
      'Only relative paths inside the source tree are allowed.',
      details,
    );
  }
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.some((c) => c === '..')) {
    throw inputError(
      'PATH_ESCAPES',
      `${what} ${shown} contains ".." and could leave the source tree`,
      'Only paths inside the source tree are allowed.',
      details,
    );
  }
  if (parts.length === 0) throw inputError('PATH_EMPTY', `${what} ${shown} names no file`, 'Check the path.', details);
  return parts;
}

/** Linux's NAME_MAX and PATH_MAX (bytes): past them every file call fails with ENAMETOOLONG. */
const NAME_MAX = 255;
const PATH_MAX = 4096;

/** False when `rel` under `root` is a name no file can have (lstat would throw ENAMETOOLONG). */
export const pathFits = (root: string, rel: string): boolean =>
  Buffer.byteLength(join(root, rel)) < PATH_MAX && rel.split('/').every((c) => Buffer.byteLength(c) <= NAME_MAX);

/** Throw PATH_TOO_LONG when `rel` under `root` is a name no file can have (checked before any lstat). */
export function checkPathLength(root: string, rel: string, what: string, details: ErrorDetails = {}): void {
  if (pathFits(root, rel)) return;
  throw inputError(
    'PATH_TOO_LONG',
    `${what} ${JSON.stringify(rel.length > 120 ? `${rel.slice(0, 120)}...` : rel)} is longer than a file name or path can be`,
    `Names are at most ${NAME_MAX} bytes a component and ${PATH_MAX - 1} bytes in all: the name is damaged, or fix it upstream.`,
    details,
  );
}

/**
 * Check that no existing component of `parts` under `root` is a symlink (the last one too
 * unless `allowFinalSymlink`). Returns the absolute path.
 */
export async function noSymlinkOnPath(
  root: string,
  parts: readonly string[],
  what: string,
  details: ErrorDetails = {},
  allowFinalSymlink = false,
): Promise<string> {
  checkPathLength(root, parts.join('/'), what, details);
  let p = root;
  for (let i = 0; i < parts.length; i++) {
    p = join(p, parts[i]!);
    const st = await ifExists(lstat(p));
    if (!st) return join(root, ...parts);
    if (st.isSymbolicLink() && !(allowFinalSymlink && i === parts.length - 1)) {
      throw inputError(
        'PATH_THROUGH_SYMLINK',
        `${what} ${JSON.stringify(parts.join('/'))} goes through the symlink ${parts.slice(0, i + 1).join('/')}`,
        'Patches and archives may not write through symlinks; change the file the link points to instead.',
        details,
      );
    }
    if (i < parts.length - 1 && !st.isDirectory()) {
      throw inputError(
        'PATH_NOT_DIR',
        `${what} ${JSON.stringify(parts.join('/'))}: ${parts.slice(0, i + 1).join('/')} is not a directory`,
        'Check the path.',
        details,
      );
    }
  }
  return p;
}
