/**
 * openpgp.js costs ~30 ms to load. A publish loads it when it reads the key (services/shared/
 * signer.ts), after starting its reader threads, so that they boot while it loads: a static
 * import on the way from the publish command (sign/policy.ts's, for one date comparison) had
 * made every publish load it at start-up, before anything else.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSources, staticClosure } from './layers.js';

const files = readSources(join(import.meta.dirname, '..', '..', 'src'));

describe('what the publish command loads with it', () => {
  it('is not openpgp.js: the key loads it', () => {
    const loaded = staticClosure(files, 'commands/publish.ts');
    expect(loaded.has('services/publish/publish.ts')).toBe(true);
    expect(loaded.has('openpgp')).toBe(false);
  });

  it('is found through every static import (the check itself sees openpgp where it is)', () => {
    expect(staticClosure(files, 'sign/policy.ts').has('openpgp')).toBe(true);
    expect(staticClosure(files, 'services/shared/signer.ts').has('openpgp')).toBe(false);
  });
});
