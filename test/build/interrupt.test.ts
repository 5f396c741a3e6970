/**
 * Ctrl-C during `pkgtrack build` (#20 item 10): the process says "interrupted" and what finished,
 * exits 130 as shells expect, and leaves no work dir behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, scratchRepo } from './helpers.js';

describe('build interrupted with Ctrl-C', () => {
  it('reports what finished, exits 130 and removes its work dir', { timeout: 10 * 60_000 }, async () => {
    const repo = scratchRepo();
    const child = spawn(process.execPath, [BIN, 'build', 'hello', '-t', 'debian:bookworm', '--out', join(repo, 'out')], {
      cwd: repo,
      env: { ...process.env, NODE_ENV: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      let sent = false;
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        // Once the build is under way (the work dir exists), press Ctrl-C.
        if (!sent && /: building \(log: /.test(stderr)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 3000);
        }
      });
      child.on('close', (c) => resolve(c));
    });
    expect(stderr, stderr).toMatch(/: building \(log: /);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^interrupted: 0 of 1 build\(s\) finished; the 1 unfinished left nothing behind/m);
    const work = join(repo, '.pkgtrack', 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  });
});
