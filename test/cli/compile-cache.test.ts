/**
 * bin/run.js keeps Node's compile cache per build of pkgtrack under the user's cache folder, and
 * the first run of a new build removes the other builds' caches (Node never evicts: its default
 * folder in /tmp gained a copy of pkgtrack's code per upgrade).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';

const cacheRoot = (xdg: string) => join(xdg, 'pkgtrack', 'node-compile-cache');

describe('compile cache', () => {
  it('is written under $XDG_CACHE_HOME/pkgtrack by default, one folder for this build; an older build’s folder goes', async () => {
    const xdg = tempDir('pkgtrack-compile-cache-');
    const old = join(cacheRoot(xdg), 'node22.0.0-pkgtrack0.0.1-old');
    mkdirSync(old, { recursive: true });
    writeFileSync(join(old, 'entry'), 'stale');
    const env = {
      XDG_CACHE_HOME: xdg,
      PKGTRACK_CACHE_DIR: undefined,
      NODE_COMPILE_CACHE: undefined,
      NODE_DISABLE_COMPILE_CACHE: undefined,
    };
    expect((await pkgtrack(['--version'], { env })).code).toBe(0);
    const dirs = readdirSync(cacheRoot(xdg));
    expect(dirs).toHaveLength(1);
    expect(dirs[0]).toMatch(new RegExp(`^node${process.versions.node.replace(/\./g, '\\.')}-pkgtrack\\d+\\.\\d+\\.\\d+`));
    const entries = () => readdirSync(join(cacheRoot(xdg), dirs[0]!), { recursive: true }).length;
    expect(entries()).toBeGreaterThan(0); // Node wrote compiled code there at exit
    const before = entries();
    // The next run of the same build keeps its folder and what is in it.
    expect((await pkgtrack(['--version'], { env })).code).toBe(0);
    expect(readdirSync(cacheRoot(xdg))).toEqual(dirs);
    expect(entries()).toBeGreaterThanOrEqual(before);
  });

  it('PKGTRACK_CACHE_DIR, the per-user cache, holds it when set', async () => {
    const xdg = tempDir('pkgtrack-compile-cache-');
    const mine = tempDir('pkgtrack-compile-cache-mine-');
    const env = { XDG_CACHE_HOME: xdg, PKGTRACK_CACHE_DIR: mine, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
    expect((await pkgtrack(['--version'], { env })).code).toBe(0);
    expect(existsSync(join(xdg, 'pkgtrack'))).toBe(false);
    expect(readdirSync(join(mine, 'node-compile-cache'))).toHaveLength(1);
  });

  it('a cache folder that cannot be made (below /proc) leaves Node its default; the command runs', async () => {
    const env = { XDG_CACHE_HOME: '/proc/pkgtrack-no-such-folder', PKGTRACK_CACHE_DIR: undefined, NODE_COMPILE_CACHE: undefined };
    const r = await pkgtrack(['--version'], { env, timeoutMs: 30_000 });
    expect(r.signal, 'pkgtrack hung making its cache folder').toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pkgtrack\//);
  });

  it('NODE_COMPILE_CACHE, when set, is where the cache goes', async () => {
    const xdg = tempDir('pkgtrack-compile-cache-');
    const own = tempDir('pkgtrack-compile-cache-own-');
    expect(
      (
        await pkgtrack(['--version'], {
          env: { XDG_CACHE_HOME: xdg, PKGTRACK_CACHE_DIR: undefined, NODE_COMPILE_CACHE: own, NODE_DISABLE_COMPILE_CACHE: undefined },
        })
      ).code,
    ).toBe(0);
    expect(existsSync(join(xdg, 'pkgtrack'))).toBe(false);
    expect(readdirSync(own, { recursive: true }).length).toBeGreaterThan(0);
  });
});
