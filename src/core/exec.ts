/**
 * The one way pkgtrack starts processes: argv arrays (never a shell string), an environment
 * scrubbed of secrets, optional stdin, output captured or streamed to a log file.
 */
import type { ErrorCode } from './error-codes.js';
import { spawn } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { envError, PkgtrackError } from './errors.js';
import { childEnv, redact } from './secrets.js';

export interface RunOptions {
  cwd?: string;
  /** Extra variables on top of the scrubbed parent environment. */
  env?: Record<string, string | undefined>;
  /** Bytes or text written to the child's stdin, which is then closed. */
  input?: string | Uint8Array;
  /** Called once all of `input` is in the pipe (the child reads the rest on its own). */
  onInputWritten?: () => void;
  /** Reject with a PkgtrackError when the exit code is not 0 (default true). */
  check?: boolean;
  /** Kill the child after this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Also copy stdout and stderr into this stream (build logs). */
  log?: WriteStream;
  /** Called with each chunk of stderr text, e.g. to show progress. */
  onStderr?: (chunk: string) => void;
  /** Called with each chunk of stdout text (a build's configure/make lines go there). */
  onStdout?: (chunk: string) => void;
  /** Keep stdout as raw bytes (for binary output); default decodes as UTF-8. */
  binary?: boolean;
  /** How to describe the command in errors; defaults to the program name. */
  what?: string;
  /** Code for the error raised on a non-zero exit (default `EXEC_FAILED`). */
  errorCode?: ErrorCode;
  /** Fix suggested on a non-zero exit. */
  fix?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export async function run(program: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const check = opts.check ?? true;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(program, [...args], {
      cwd: opts.cwd,
      env: childEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    }
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      opts.log?.write(b);
      opts.onStdout?.(b.toString('utf8'));
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      opts.log?.write(b);
      opts.onStderr?.(b.toString('utf8'));
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(
          envError(
            'TOOL_MISSING',
            `${program} is not installed or not on PATH`,
            `Install ${program} (run \`pkgtrack doctor --fix\` or scripts/setup.sh).`,
            {
              tool: program,
            },
          ),
        );
      } else
        reject(new PkgtrackError({ code: 'EXEC_ERROR', kind: 'environment', message: `could not run ${program}: ${e.message}`, cause: e }));
    });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const result: RunResult = {
        code: code ?? (sig ? 128 : 1),
        stdoutBytes,
        stdout: opts.binary ? '' : stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (check && result.code !== 0) {
        const tail = redact(result.stderr.trim().split('\n').slice(-15).join('\n'));
        reject(
          new PkgtrackError({
            code: opts.errorCode ?? 'EXEC_FAILED',
            kind: 'environment',
            message: `${opts.what ?? program} failed (exit ${result.code}${sig ? `, signal ${sig}` : ''})${tail ? `:\n${tail}` : ''}`,
            ...(opts.fix ? { fix: opts.fix } : {}),
            details: { program, exitCode: result.code },
          }),
        );
      } else resolve(result);
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading stdin; its exit code tells the story */
    });
    if (opts.input !== undefined) child.stdin.end(opts.input, opts.onInputWritten);
    else child.stdin.end(opts.onInputWritten);
  });
}

/** True when `program` can be found on PATH. */
export async function hasProgram(program: string): Promise<boolean> {
  try {
    const r = await run('sh', ['-c', 'command -v "$1"', 'sh', program], { check: false });
    return r.code === 0;
  } catch {
    return false;
  }
}
