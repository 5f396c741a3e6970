/**
 * The shared state database under contention, crashes and damage, with real processes: other
 * pkgtrack processes holding it make us wait (never fail at once), a contention that outlasts
 * the wait is STATE_BUSY (never INTERNAL), a damaged file is STATE_CORRUPT, and the file is
 * private (0600). Needs dist/ (npm run build).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteFailure } from '../../src/core/errors.js';
import { StateStore } from '../../src/state/store.js';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';

/** A process holding a write lock on `db` (SQLite, as another pkgtrack would) until killed; resolves once it holds it. */
async function holdWriteLock(db: string, opts: { wal?: boolean; exitAfterMs?: number } = {}) {
  const code = `
    const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(process.argv[1]);
    ${opts.wal ? "db.exec('PRAGMA journal_mode = WAL');" : ''}
    db.exec('CREATE TABLE IF NOT EXISTS held (x)');
    db.exec('BEGIN IMMEDIATE');
    db.exec('INSERT INTO held VALUES (1)');
    process.stdout.write('held\\n');
    ${opts.exitAfterMs ? `setTimeout(() => process.exit(0), ${opts.exitAfterMs});` : ''}
    setInterval(() => {}, 1 << 30);`;
  const child = spawn(process.execPath, ['-e', code, db], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => child.stdout.once('data', r));
  return child;
}

const openInChild = (root: string) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { StateStore } = await import(${JSON.stringify(join(ROOT, 'dist/state/store.js'))});
         const s = StateStore.open(process.argv[1]); console.log(s.appliedMigrations.length); s.close();`,
        root,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });

describe('state.db under contention', () => {
  it('waits for another process that holds a fresh (not yet WAL) database, then opens it', async () => {
    const root = tempDir('pkgtrack-state-');
    mkdirSync(join(root, '.pkgtrack'));
    // It exits by itself: opening blocks this process's event loop while it waits.
    await holdWriteLock(join(root, '.pkgtrack/state.db'), { exitAfterMs: 1000 });
    const s = StateStore.open(root);
    expect(s.appliedMigrations.length).toBeGreaterThan(0);
    s.close();
  });

  it('six processes opening a new database at once all open it (one migrates, the others wait)', async () => {
    const root = tempDir('pkgtrack-state-');
    const results = await Promise.all(Array.from({ length: 6 }, () => openInChild(root)));
    for (const r of results) expect(r, r.out).toMatchObject({ code: 0 });
  }, 60_000);

  it('opens after a writer was killed in the middle of its transaction', async () => {
    const root = tempDir('pkgtrack-state-');
    StateStore.open(root).close();
    const holder = await holdWriteLock(join(root, '.pkgtrack/state.db'), { wal: true });
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('close', r));
    const s = StateStore.open(root, { busyTimeoutMs: 2000 });
    s.connection.prepare("INSERT INTO upstream_observations (recipe, source, version, observed_at) VALUES ('a', 'b', '1', 'now')").run();
    s.close();
  });

  it('reports a lock that outlasts the wait as STATE_BUSY (a conflict), not as a bug', async () => {
    const root = tempDir('pkgtrack-state-');
    StateStore.open(root).close();
    const holder = await holdWriteLock(join(root, '.pkgtrack/state.db'), { wal: true });
    try {
      const s = StateStore.open(root, { busyTimeoutMs: 200 });
      let thrown: unknown;
      try {
        s.connection
          .prepare("INSERT INTO upstream_observations (recipe, source, version, observed_at) VALUES ('a', 'b', '1', 'now')")
          .run();
      } catch (e) {
        thrown = e;
      }
      s.close();
      expect(sqliteFailure(thrown, 'state.db')).toMatchObject({ code: 'STATE_BUSY', kind: 'conflict' });
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('state.db damaged or unwritable', () => {
  it('a file that is not a database is STATE_CORRUPT naming it, with a fix, from the CLI too', async () => {
    const dir = tempDir('pkgtrack-state-');
    expect((await pkgtrack(['init', dir, '--name', 't'])).code).toBe(0);
    mkdirSync(join(dir, '.pkgtrack'), { recursive: true });
    writeFileSync(join(dir, '.pkgtrack/state.db'), 'this is not a database, it is a text file of some length'.repeat(100));
    expect(() => StateStore.open(dir)).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT', kind: 'input' }));
    const r = await pkgtrack(['check', '--json'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.json().error).toMatchObject({ code: 'STATE_CORRUPT', details: { file: join(dir, '.pkgtrack/state.db') } });
    const text = await pkgtrack(['check'], { cwd: dir });
    expect(text.stderr).toMatch(/error\[STATE_CORRUPT\].*state\.db/);
    expect(text.stderr).toMatch(/fix: .*mv /);
    expect(text.stderr).not.toMatch(/INTERNAL|unexpected/);
  });

  it('maps read-only, cannot-open and disk-full failures to STATE_UNWRITABLE', () => {
    for (const errcode of [8, 14, 13, 10 | (3 << 8)])
      expect(sqliteFailure(Object.assign(new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode }), 'f')).toMatchObject({
        code: 'STATE_UNWRITABLE',
        kind: 'environment',
      });
    expect(sqliteFailure(new Error('not sqlite'), 'f')).toBeUndefined();
  });

  it('is private to its owner: created 0600, and an existing 0644 one is made 0600', () => {
    const root = tempDir('pkgtrack-state-');
    StateStore.open(root).close();
    const db = join(root, '.pkgtrack/state.db');
    expect(statSync(db).mode & 0o777).toBe(0o600);
    chmodSync(db, 0o644);
    StateStore.open(root).close();
    expect(statSync(db).mode & 0o777).toBe(0o600);
    // And its WAL companions, created by SQLite with the database's mode.
    const s = StateStore.open(root);
    s.connection.prepare("INSERT INTO upstream_observations (recipe, source, version, observed_at) VALUES ('a', 'b', '1', 'now')").run();
    expect(statSync(`${db}-wal`).mode & 0o777).toBe(0o600);
    s.close();
  });
});
