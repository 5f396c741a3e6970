/**
 * vitest 3's worker RPC gave up on the main process after a fixed 60 s ("Timeout calling
 * onTaskUpdate"), so a worker blocked that long — a synchronous child process, or just a loaded
 * 2-core CI runner starving the loop — made a run of green tests exit 1 (stops 26 and 27).
 * vitest 4 waits for as long as it takes (timeout -1). This test blocks its worker past the old
 * deadline: should that deadline come back (a downgrade, a config that sets one), the run
 * reports the unhandled error and exits non-zero, here first rather than at random elsewhere.
 */
import { describe, expect, it } from 'vitest';

const PAST_THE_OLD_DEADLINE_MS = 65_000;

describe('a test worker blocked for over a minute', () => {
  it(
    'does not fail the run (the worker RPC has no deadline)',
    () => {
      const t0 = Date.now();
      // Atomics.wait blocks the whole thread, as spawnSync does: no timers, no RPC replies.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAST_THE_OLD_DEADLINE_MS);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(PAST_THE_OLD_DEADLINE_MS - 100);
    },
    PAST_THE_OLD_DEADLINE_MS + 30_000,
  );
});
