/**
 * Every pkgtrack command extends this. It adds --json (oclif prints the value returned by
 * run()), --verbose/--quiet, a stderr Progress for services, and turns PkgtrackErrors into a
 * message with a fix plus a documented exit code.
 */
// Subpath imports: '@oclif/core' itself loads help, ux and the rest (~15 ms of every start).
import { formatWithOptions, inspect } from 'node:util';
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import type * as Interfaces from '@oclif/core/interfaces';
import { PkgtrackError, PkgtrackErrors, sqliteFailure } from '../core/errors.js';
import { type Progress, stderrProgress } from '../core/progress.js';
import { redact, redactDeep } from '../core/secrets.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof PkgtrackCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export abstract class PkgtrackCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = {
    verbose: Flags.boolean({ char: 'v', description: 'Show detailed progress on stderr.', helpGroup: 'GLOBAL' }),
    quiet: Flags.boolean({ char: 'q', description: 'Print only results and errors.', helpGroup: 'GLOBAL' }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** The positional arguments as oclif parsed them (every one, for commands with `strict = false`). */
  protected positionals!: string[];
  protected progress!: Progress;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags, argv } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof PkgtrackCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positionals = argv as string[];
    this.progress = stderrProgress({ verbose: this.flags.verbose, quiet: this.flags.quiet || this.jsonEnabled() });
  }

  /** Everything printed passes the redactor: tables, lists and --json results alike, not only errors. */
  public override log(message: unknown = '', ...args: unknown[]): void {
    super.log(redact(typeof message === 'string' ? formatWithOptions({}, message, ...args) : inspect(message)));
  }

  public override logToStderr(message: unknown = '', ...args: unknown[]): void {
    super.logToStderr(redact(typeof message === 'string' ? formatWithOptions({}, message, ...args) : inspect(message)));
  }

  public override logJson(json: unknown): void {
    super.logJson(redactDeep(json));
  }

  /** Print the human form of a result unless --json is on (then oclif prints the object). */
  protected show(text: string | string[]): void {
    if (this.jsonEnabled()) return;
    this.log(Array.isArray(text) ? text.join('\n') : text);
  }

  /** Finish with a state exit code (e.g. "updates available") after the result is printed. */
  protected setExitCode(code: number): void {
    process.exitCode = code;
  }

  protected override async catch(thrown: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    this.progress?.flush?.(); // the detail lines before the error, in the order they came
    // A local database that is busy, damaged or unwritable is the machine's state, not a bug.
    const err = sqliteFailure(thrown, '.pkgtrack/state.db') ?? thrown;
    if (err instanceof PkgtrackError) {
      const code = exitCodeFor(err.kind);
      if (this.jsonEnabled()) {
        this.logJson({ error: err.toJSON() });
      } else {
        process.stderr.write(`${formatError(err)}\n`);
      }
      this.exit(code);
    }
    // oclif's own parse errors (unknown flag, missing arg) are usage errors.
    if (err?.oclif?.exit === 2 || /Unexpected argument|Nonexistent flag|Missing required|Expected --/.test(err?.message ?? '')) {
      if (this.jsonEnabled()) {
        this.logJson({
          error: { code: 'USAGE', kind: 'usage', message: err.message, fix: `Run \`pkgtrack ${this.id?.replaceAll(':', ' ')} --help\`.` },
        });
        this.exit(ExitCode.usage);
      }
      // Text too: the error[CODE] line and the fix, like every other error.
      process.stderr.write(
        `error[USAGE]: ${redact(
          err.message
            .split('\n')
            .filter((l) => l.trim() && !/See more help/.test(l))
            .join('\n  '),
        )}\n  fix: Run \`pkgtrack ${this.id?.replaceAll(':', ' ')} --help\` for the flags and arguments it takes.\n`,
      );
      this.exit(ExitCode.usage);
    }
    if (err?.oclif) return super.catch(err); // oclif's own exits and errors
    // Anything else is a bug or an unexpected failure of the platform: say what it was (some
    // errors, e.g. a DOMException from a worker thread, have no own `message`), never nothing.
    const text = redact(err?.message || (err ? String(err) : 'unknown error'));
    const errno = (err as NodeJS.ErrnoException)?.code;
    // An operating-system error (ENOTDIR, EACCES, ENOSPC ...) is about the machine, not a bug.
    const [code, kind, fix] =
      typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno)
        ? [
            errno,
            'environment',
            'Check the path named above: that it exists, is the kind of file expected, is writable, and the disk has room.',
          ]
        : ['INTERNAL', 'internal', 'This is unexpected; run again with --verbose and report it with the output.'];
    if (this.jsonEnabled()) this.logJson({ error: { code, kind, message: text, fix } });
    else {
      process.stderr.write(`error[${code}]: ${text}\n  fix: ${fix}\n`);
      if (this.flags?.verbose && err?.stack) process.stderr.write(`${redact(err.stack)}\n`);
    }
    this.exit(ExitCode.failure);
  }
}

/** Human rendering of an error: location, message, code, and the fix on its own line. */
export function formatError(err: PkgtrackError): string {
  const lines: string[] = [];
  const one = (e: PkgtrackError) => {
    // Not twice: many messages already start with the file they are about.
    const where = e.location && !e.message.startsWith(e.location) ? `${e.location}: ` : '';
    const field = e.details.field && !e.message.startsWith(`${e.details.field}:`) ? `${e.details.field}: ` : '';
    lines.push(`error[${e.code}]: ${where}${field}${redact(e.message)}`);
    if (e.fix) lines.push(`  fix: ${redact(e.fix)}`);
  };
  if (err instanceof PkgtrackErrors) {
    lines.push(`error[${err.code}]: ${redact(err.message)}`);
    for (const e of err.errors) one(e);
    if (err.fix) lines.push(`  fix: ${redact(err.fix)}`);
  } else one(err);
  return lines.join('\n');
}
