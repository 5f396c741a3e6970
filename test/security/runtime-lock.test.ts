/**
 * The publish lock under contention and crashes, with real processes: several publishers'
 * acquisitions never overlap, and a holder killed with SIGKILL (even one nobody has reaped yet)
 * releases the lock at once. Needs dist/ (npm run build).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRepoLock } from '../../src/repo/lock.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const HOLDER = join(ROOT, 'test/helpers/lock-holder.mjs');

function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOLDER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
}

describe('publish lock (processes)', () => {
  it('never lets two processes hold it at once, while holders are being killed: 0 overlaps', async () => {
    const root = tempDir('pkgtrack-lock-race-');
    const log = join(root, 'log');
    writeFileSync(log, '');
    const workers = Promise.all(Array.from({ length: 8 }, () => run(['loop', root, '15', log])));
    let done = false;
    void workers.finally(() => (done = true));
    // Meanwhile, publishers that get the lock and are killed with SIGKILL while holding it.
    let killed = 0;
    while (!done && killed < 20) {
      const victim = spawn(process.execPath, [HOLDER, 'hold', root, log], { stdio: ['ignore', 'pipe', 'inherit'] });
      const held = await new Promise<boolean>((resolve) => {
        victim.stdout.once('data', () => resolve(true));
        victim.on('close', () => resolve(false));
      });
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('close', r));
      if (held) killed++;
    }
    expect(await workers).toEqual(Array(8).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('overlap'))).toEqual([]);
    // The workers' enter and leave strictly alternate: nobody enters while another is inside.
    let inside: string | undefined;
    for (const l of lines) {
      if (l.startsWith('+')) {
        expect(inside, `${l} entered while ${inside} was inside`).toBeUndefined();
        inside = l.slice(1);
      } else {
        expect(l.slice(1)).toBe(inside);
        inside = undefined;
      }
    }
    expect(lines).toHaveLength(8 * 15 * 2);
    expect(killed).toBeGreaterThan(0);
  }, 180_000);

  it('is free as soon as its holder is killed, before the holder is reaped', async () => {
    const root = tempDir('pkgtrack-lock-kill-');
    // sh starts the holder in the background and becomes `sleep`, which never reaps it: once
    // killed, the holder stays a zombie (kill(pid, 0) still succeeds) for as long as sleep runs.
    const parent = spawn('sh', ['-c', `"$0" "$1" hold "$2" & echo $!; exec sleep 60`, process.execPath, HOLDER, root], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const holderPid = await new Promise<number>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(Number(String(b).trim()))));
    try {
      // Wait until it holds the lock.
      for (;;) {
        const owner = (() => {
          try {
            return JSON.parse(readFileSync(join(root, '.pkgtrack/publish.lock'), 'utf8'));
          } catch {
            return undefined;
          }
        })();
        if (owner?.pid === holderPid) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await expect(acquireRepoLock(root, { timeoutMs: 0 })).rejects.toMatchObject({
        code: 'REPO_LOCKED',
        message: expect.stringContaining(`pid ${holderPid}`),
      });
      process.kill(holderPid, 'SIGKILL');
      // A zombie: signal 0 still reaches it.
      await new Promise((r) => setTimeout(r, 200));
      expect(() => process.kill(holderPid, 0)).not.toThrow();
      const lock = await acquireRepoLock(root, { timeoutMs: 10_000, pollMs: 20 });
      expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
      await lock.release();
    } finally {
      parent.kill('SIGKILL');
    }
  }, 60_000);
});
