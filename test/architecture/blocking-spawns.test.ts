/**
 * A test worker blocked in a synchronous child process for over a minute misses vitest's worker
 * RPC deadline ("Timeout calling onTaskUpdate", fixed at 60 s) and the run exits 1 though every
 * test passed. The CLI and anything that runs it (build, publish at scale, a workflow step) can
 * take that long on a loaded runner, so tests start them with spawnAsync / pkgtrack(), never
 * spawnSync or execFileSync.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST_DIR = join(import.meta.dirname, '..');
const SYNC_CALL = /\b(spawnSync|execFileSync|execSync)\(/g;
/** What a long-running child looks like in the call's first arguments. */
const LONG_RUNNING = /\bBIN\b|run\.js|process\.execPath|['"](node|bash|podman run|npm)['"]/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line call` for each synchronous spawn of a long-running child in `text`. */
function blockingSpawns(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SYNC_CALL)) {
    const args = text.slice(m.index + m[0].length, m.index + m[0].length + 160);
    const head = args.split(/[,)]/, 2).join(',');
    if (LONG_RUNNING.test(head)) found.push(`${file}:${text.slice(0, m.index).split('\n').length} ${m[1]}(${head.trim()}`);
  }
  return found;
}

/** Short by construction: a 20 s timeout bounds it. */
const ALLOWED = new Set(['core/worker-pool.test.ts', 'architecture/blocking-spawns.test.ts']);

describe('tests never block their worker on a long child process', () => {
  it('run the CLI, node, bash and containers asynchronously', () => {
    const found = testFiles(TEST_DIR)
      .filter((f) => !ALLOWED.has(relative(TEST_DIR, f)))
      .flatMap((f) => blockingSpawns(relative(TEST_DIR, f), readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('finds a synchronous CLI run when there is one', () => {
    expect(blockingSpawns('x.ts', "const r = spawnSync(process.execPath, [BIN, 'build']);")).toEqual([
      'x.ts:1 spawnSync(process.execPath, [BIN',
    ]);
    expect(blockingSpawns('x.ts', "execFileSync('git', ['status']);")).toEqual([]);
  });
});
