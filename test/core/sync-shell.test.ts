/** The sync shell: answers in order, declines what it cannot take, never holds the process open. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { syncFileSystem } from '../../src/core/fsutil.js';
import { startSyncShell, syncThroughShell } from '../../src/core/sync-shell.js';
import { tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';

const SHELL_MODULE = fileURLToPath(new URL('../../src/core/sync-shell.ts', import.meta.url));

/** Run `body` (an ES module using the sync shell) in a fresh Node; its exit status and output. */
function runScript(body: string, env: NodeJS.ProcessEnv = process.env) {
  const file = join(tempDir('pkgtrack-sync-shell-'), 'script.mts');
  writeFileSync(file, `import { startSyncShell, syncThroughShell } from ${JSON.stringify(SHELL_MODULE)};\n${body}`);
  return spawnAsync(process.execPath, ['--import', 'tsx', file], { timeoutMs: 20_000, env });
}

describe('sync shell', () => {
  it('answers each request with its own `sync -f` outcome, in order, many at once', async () => {
    const dir = tempDir('pkgtrack-sync-shell-');
    startSyncShell();
    const asks = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? join(dir, `missing-${i}`, 'x') : dir));
    const answers = await Promise.all(asks.map((p) => syncThroughShell(p)));
    expect(answers).toEqual(asks.map((p) => p === dir)); // sync -f of a missing path fails
    expect(await syncFileSystem(dir)).toBe(true);
  });

  it('declines a path holding a newline (the caller runs `sync -f` itself)', async () => {
    expect(await syncThroughShell(`${tempDir('pkgtrack-sync-shell-')}/a\nb`)).toBeUndefined();
  });

  it('holds the event loop only while a request is out', async () => {
    const processes = () => process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length;
    startSyncShell();
    const before = processes();
    const answer = syncThroughShell(tempDir('pkgtrack-sync-shell-'));
    expect(processes(), 'a pending request refs the shell').toBe(before + 1);
    expect(await answer).toBe(true);
    expect(processes(), 'an idle shell is unref-ed').toBe(before);
  });

  it('lets a process that never stops the shell exit', async () => {
    const dir = tempDir('pkgtrack-sync-shell-');
    const r = await runScript(`
      startSyncShell();
      console.log('answer', await syncThroughShell(${JSON.stringify(dir)}));
      await new Promise((r) => setTimeout(r, 50));
      // no cleanup: the idle shell must not keep this process running
    `);
    expect(r.signal, 'the process hung with an idle shell').toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('answer true');
  });

  it('declines every request when no shell can start, so the caller falls back', async () => {
    const r = await runScript(
      `
      startSyncShell();
      console.log('answer', await syncThroughShell('/'));
    `,
      { ...process.env, PATH: join(tempDir('pkgtrack-sync-shell-'), 'empty') },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('answer undefined');
  });
});
