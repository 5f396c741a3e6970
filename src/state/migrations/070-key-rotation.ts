import type { Migration } from '../store.js';

export const keyRotationMigrations: Migration[] = [
  {
    id: '070-key-rotation',
    description: 'signing key rotations: when the new key started signing next to the old one',
    sql: `
      CREATE TABLE key_rotations (
        id INTEGER PRIMARY KEY,
        old_fingerprint TEXT NOT NULL,
        new_fingerprint TEXT NOT NULL,
        new_key_file TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE UNIQUE INDEX key_rotations_open ON key_rotations(new_fingerprint) WHERE finished_at IS NULL;
    `,
  },
];
