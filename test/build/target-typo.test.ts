/** A mistyped `-t` is refused with did-you-mean before anything is fetched or built (#20 item 10). */
import { describe, expect, it } from 'vitest';
import { pkgtrackAsync, ROOT, tempDir } from '../helpers/cli.js';

describe('build -t with a typo', () => {
  it('exits 2 with "did you mean", without fetching the upstream source first', async () => {
    const r = await pkgtrackAsync(['build', 'hello', '-t', 'debian:bookwrm', '-C', ROOT, '--out', tempDir()], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[TARGET_UNKNOWN\]/);
    expect(r.stderr).toMatch(/Did you mean debian:bookworm\?/);
    expect(r.stderr).not.toMatch(/fetching upstream source|downloading/);
  });
});
