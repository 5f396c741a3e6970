/**
 * `sync -f` run by one long-lived shell rather than by a fork of this process per call.
 *
 * Node starts a child by forking itself: the kernel copies the page tables and write-protects
 * the whole heap, so the main thread stops for ~3 ms at start-up and ~13 ms once a first
 * publish of 10,000 packages holds ~600 MB, and then takes a page fault on each heap page it
 * writes. Such a publish syncs its file system six times. The shell is started while the process
 * is small (`startSyncShell`, called by a publish that will need it); each request then forks
 * the shell, not Node.
 *
 * The script is a constant: a path travels as one line of stdin and is only ever the quoted
 * argument of `sync -f`. A path holding a newline, a shell that could not start or has died:
 * the caller falls back to its own `sync -f`.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { childEnv } from './secrets.js';

const SCRIPT = 'while IFS= read -r p; do if sync -f "$p" 2>/dev/null; then echo 0; else echo 1; fi; done';

let shell: SyncShell | undefined;

/** Start the shell now, while the process is small (idempotent; does nothing if it cannot start). */
export function startSyncShell(): void {
  if (!shell || shell.dead) shell = new SyncShell();
}

/**
 * `sync -f path` through the shell: true or false as `sync -f` exited, undefined when the
 * shell cannot take the request (the caller runs `sync -f` itself). Starts the shell if needed.
 */
export function syncThroughShell(path: string): Promise<boolean | undefined> {
  if (path.includes('\n')) return Promise.resolve(undefined);
  startSyncShell();
  return shell!.sync(path);
}

class SyncShell {
  dead = false;
  private readonly child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  /** Answers awaited, oldest first (the shell answers in order, one line each). */
  private readonly waiting: Array<(ok: boolean | undefined) => void> = [];
  private partial = '';

  constructor() {
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn('sh', ['-c', SCRIPT], { env: childEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      this.dead = true;
      this.child = undefined;
      return;
    }
    this.child = child;
    child.on('error', () => this.die());
    child.on('exit', () => this.die());
    child.stdin.on('error', () => this.die());
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => this.answer(text));
    // An idle shell must not keep the process alive; a request refs it until answered.
    this.idle(true);
  }

  sync(path: string): Promise<boolean | undefined> {
    if (this.dead || !this.child) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.idle(false);
      this.child!.stdin.write(`${path}\n`);
    });
  }

  private answer(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.waiting.shift()?.(line === '0');
    if (this.waiting.length === 0) this.idle(true);
  }

  private idle(idle: boolean): void {
    const c = this.child;
    if (!c) return;
    for (const handle of [c, c.stdin, c.stdout] as Array<{ ref(): void; unref(): void }>) {
      if (idle) handle.unref();
      else handle.ref();
    }
  }

  private die(): void {
    if (this.dead) return;
    this.dead = true;
    for (const w of this.waiting.splice(0)) w(undefined);
    this.idle(true);
  }
}
