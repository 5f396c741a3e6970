/**
 * A mistyped target is refused with did-you-mean before anything is fetched, built or
 * bootstrapped (#20 item 10): `build -t`, `image build -t` and `repo try -t` alike.
 */
import { describe, expect, it } from 'vitest';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';

describe('a target with a typo', () => {
  it('build: exits 2 with "did you mean", without fetching the upstream source first', async () => {
    const r = await pkgtrack(['build', 'hello', '-t', 'debian:bookwrm', '-C', ROOT, '--out', tempDir()], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[TARGET_UNKNOWN\]/);
    expect(r.stderr).toMatch(/Did you mean debian:bookworm\?/);
    expect(r.stderr).not.toMatch(/fetching upstream source|downloading/);
  });

  it('image build: exits 2 with "did you mean" instead of bootstrapping a suite the mirror does not have', async () => {
    // The good target comes first: nothing is pulled or bootstrapped for it either.
    const r = await pkgtrack(['image', 'build', '-t', 'debian:bookworm', '-t', 'debian:bookwrm'], { cwd: tempDir() });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[TARGET_UNKNOWN\]: target: debian has no release "bookwrm"/);
    expect(r.stderr).toMatch(/Did you mean debian:bookworm\?/);
    expect(r.stderr).not.toMatch(/pulling|bootstrapping|mmdebstrap/);
  });

  it('repo try: exits 2 with "did you mean" before reading the key or starting a container', async () => {
    const r = await pkgtrack(['repo', 'try', 'hello', '-t', 'debian:bookwrm', '-C', ROOT, '--key', '/nonexistent.asc'], {
      cwd: tempDir(),
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error\[TARGET_UNKNOWN\]/);
    expect(r.stderr).toMatch(/Did you mean debian:bookworm\?/);
    expect(r.stderr).not.toMatch(/TRY_NO_KEY|installing/);
  });
});
