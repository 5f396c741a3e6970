/**
 * stderrProgress: --verbose detail lines are held back to the end of the event loop's turn and
 * written together, redacted; a step, a warning or a flush writes them first, so the order on
 * stderr is the order they came in. A process that exits with lines held writes them on its way out.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stderrProgress } from '../../src/core/progress.js';
import { registerSecret } from '../../src/core/secrets.js';
import { ROOT } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';

let writes: string[];
beforeEach(() => {
  writes = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    writes.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

describe('stderrProgress', () => {
  it('holds detail lines to the end of the turn, writes them in one piece and redacted', async () => {
    registerSecret('sekrit-passphrase-41');
    const p = stderrProgress({ verbose: true });
    for (let i = 0; i < 100; i++) p.debug(`pkg-${i} 1.0-1 amd64`);
    p.debug('unlocked with sekrit-passphrase-41');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.split('\n')).toHaveLength(102);
    expect(writes[0]).toMatch(/^ {2}pkg-0 1\.0-1 amd64\n {2}pkg-1 /);
    expect(writes[0]).toContain('  unlocked with ***\n');
    expect(writes[0]).not.toContain('sekrit');
  });

  it('a step, a warning or a flush writes the held lines first; without --verbose there are none', () => {
    const p = stderrProgress({ verbose: true });
    p.debug('one');
    p.step('two');
    p.debug('three');
    p.warn('four');
    p.debug('five');
    p.flush?.();
    expect(writes.join('')).toBe('  one\n» two\n  three\nwarning: four\n  five\n');
    writes.length = 0;
    const quiet = stderrProgress({ quiet: true });
    quiet.debug('hidden');
    quiet.step('hidden too');
    quiet.warn('shown');
    quiet.flush?.();
    expect(writes.join('')).toBe('warning: shown\n');
  });

  it('writes past its limit at once, and what is held when the process exits', async () => {
    const p = stderrProgress({ verbose: true });
    for (let i = 0; i < 2000; i++) p.debug(`line ${i} ${'x'.repeat(20)}`);
    expect(writes.length).toBeGreaterThan(0); // 2,000 lines of ~32 bytes pass 16 KiB
    // A real process that exits in the same turn as its last detail lines, stderr a pipe.
    const script = `import { stderrProgress } from ${JSON.stringify(join(ROOT, 'src/core/progress.ts'))};
      const p = stderrProgress({ verbose: true });
      for (let i = 0; i < 500; i++) p.debug('held ' + i);
      process.exit(3);`;
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(500);
    expect(r.stderr).toContain('  held 499\n');
  });
});
