import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/state/migrations/index.js';
import { StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/cli.js';

describe('state store', () => {
  it('creates .pkgtrack/state.db and applies every migration once', () => {
    const root = tempDir();
    const s1 = StateStore.open(root);
    expect(existsSync(join(root, '.pkgtrack', 'state.db'))).toBe(true);
    expect(s1.appliedMigrations).toEqual(MIGRATIONS.map((m) => m.id));
    s1.connection
      .prepare("INSERT INTO upstream_observations (recipe, source, version, observed_at) VALUES ('hello', 'debian', '2.12.3', 'now')")
      .run();
    s1.close();
    const s2 = StateStore.open(root);
    expect(s2.appliedMigrations).toEqual(MIGRATIONS.map((m) => m.id));
    expect(s2.connection.prepare('SELECT version FROM upstream_observations').all()).toEqual([{ version: '2.12.3' }]);
    s2.close();
  });

  it('has unique migration ids', () => {
    expect(new Set(MIGRATIONS.map((m) => m.id)).size).toBe(MIGRATIONS.length);
  });
});
