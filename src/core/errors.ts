/**
 * Typed errors. Every failure a user can cause or fix carries a stable code, a message for
 * humans and a suggested fix. The CLI layer maps the error's kind to an exit code; nothing
 * below the CLI knows about exit codes or oclif.
 */

import type { ErrorCode } from './error-codes.js';

export type { ErrorCode } from './error-codes.js';

/** Broad classes of failure; each maps to one documented exit code. */
export type ErrorKind =
  | 'usage' // bad flags or arguments
  | 'input' // bad recipe, config, archive, patch, version string ...
  | 'not-found' // a named recipe, file, key or package does not exist
  | 'environment' // a host tool, container engine or permission is missing
  | 'network' // upstream or registry unreachable, rate limited
  | 'conflict' // lock held, immutable pool path with new bytes, identity change
  | 'integrity' // signature or hash mismatch, tampered data
  | 'internal'; // a bug in pkgtrack

export interface ErrorDetails {
  /** File the problem is in, when there is one. */
  file?: string;
  /** 1-based line and column inside `file`. */
  line?: number;
  column?: number;
  /** Dotted path of the offending field, e.g. `upstream.repo`. */
  field?: string;
  [key: string]: unknown;
}

export interface PkgtrackErrorInit {
  code: ErrorCode;
  message: string;
  fix?: string;
  kind?: ErrorKind;
  details?: ErrorDetails;
  cause?: unknown;
}

export class PkgtrackError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | undefined;
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;

  constructor(init: PkgtrackErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PkgtrackError';
    this.code = init.code;
    this.fix = init.fix;
    this.kind = init.kind ?? 'input';
    this.details = init.details ?? {};
  }

  /** `file:line:column` when known, for the start of a human message. */
  get location(): string | undefined {
    const { file, line, column } = this.details;
    if (!file) return undefined;
    if (line === undefined) return file;
    return column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      kind: this.kind,
      message: this.message,
      ...(this.fix ? { fix: this.fix } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
    };
  }
}

/** Several input problems found at once (e.g. every error in a recipe), reported together. */
export class PkgtrackErrors extends PkgtrackError {
  readonly errors: PkgtrackError[];

  constructor(code: ErrorCode, message: string, errors: PkgtrackError[], fix?: string) {
    super({ code, message, kind: errors[0]?.kind ?? 'input', ...(fix ? { fix } : {}) });
    this.errors = errors;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errors: this.errors.map((e) => e.toJSON()) };
  }
}

export const isPkgtrackError = (e: unknown): e is PkgtrackError => e instanceof PkgtrackError;

/** Shorthands so call sites read as what went wrong. */
export const inputError = (code: ErrorCode, message: string, fix?: string, details?: ErrorDetails) =>
  new PkgtrackError({ code, message, kind: 'input', ...(fix ? { fix } : {}), ...(details ? { details } : {}) });

export const notFound = (code: ErrorCode, message: string, fix?: string, details?: ErrorDetails) =>
  new PkgtrackError({ code, message, kind: 'not-found', ...(fix ? { fix } : {}), ...(details ? { details } : {}) });

export const envError = (code: ErrorCode, message: string, fix?: string, details?: ErrorDetails) =>
  new PkgtrackError({ code, message, kind: 'environment', ...(fix ? { fix } : {}), ...(details ? { details } : {}) });

export const integrityError = (code: ErrorCode, message: string, fix?: string, details?: ErrorDetails) =>
  new PkgtrackError({ code, message, kind: 'integrity', ...(fix ? { fix } : {}), ...(details ? { details } : {}) });

export const conflictError = (code: ErrorCode, message: string, fix?: string, details?: ErrorDetails) =>
  new PkgtrackError({ code, message, kind: 'conflict', ...(fix ? { fix } : {}), ...(details ? { details } : {}) });

/** SQLite's primary result codes that pkgtrack tells apart (node:sqlite puts them in `errcode`). */
const SQLITE = { PERM: 3, BUSY: 5, LOCKED: 6, READONLY: 8, IOERR: 10, CORRUPT: 11, FULL: 13, CANTOPEN: 14, NOTADB: 26 } as const;

/** The primary SQLite result code of an error from node:sqlite, or undefined for any other error. */
export function sqliteCode(e: unknown): number | undefined {
  const err = e as { code?: string; errcode?: number };
  return err?.code === 'ERR_SQLITE_ERROR' && typeof err.errcode === 'number' ? err.errcode & 0xff : undefined;
}

export const isSqliteBusy = (e: unknown) => {
  const c = sqliteCode(e);
  return c === SQLITE.BUSY || c === SQLITE.LOCKED;
};

/**
 * What a failure of a local SQLite database means for the user: another process holding it
 * (conflict), a damaged file (input), a file or disk that cannot be written (environment).
 * `undefined` for errors that are not SQLite's, or are (a bad statement is a bug).
 */
export function sqliteFailure(e: unknown, file: string): PkgtrackError | undefined {
  const c = sqliteCode(e);
  if (c === undefined) return undefined;
  const why = (e as Error).message;
  const details = { file };
  if (c === SQLITE.BUSY || c === SQLITE.LOCKED)
    return new PkgtrackError({
      code: 'STATE_BUSY',
      kind: 'conflict',
      message: `${file} is in use by another pkgtrack process and stayed locked (${why})`,
      fix: 'Run the command again when the other pkgtrack (a publish, build or check) has finished; nothing was changed.',
      details,
      cause: e,
    });
  if (c === SQLITE.CORRUPT || c === SQLITE.NOTADB)
    return new PkgtrackError({
      code: 'STATE_CORRUPT',
      kind: 'input',
      message: `${file} is not a readable pkgtrack state database (${why})`,
      fix: `Restore it from a backup, or move it aside (\`mv ${file} ${file}.broken\`) and pkgtrack starts a new one: the build history, upstream observations and index caches in it are then forgotten.`,
      details,
      cause: e,
    });
  if (c === SQLITE.READONLY || c === SQLITE.CANTOPEN || c === SQLITE.PERM || c === SQLITE.IOERR || c === SQLITE.FULL)
    return new PkgtrackError({
      code: 'STATE_UNWRITABLE',
      kind: 'environment',
      message: `cannot write ${file} (${why})`,
      fix: 'Check that the file and its folder belong to you and are writable, and that the disk has room.',
      details,
      cause: e,
    });
  return undefined;
}
