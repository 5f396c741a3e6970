/**
 * core/dirs.ts: `mkdir -p` one level at a time. Node's recursive mkdir never returns below /proc
 * (every mkdir there answers ENOENT, and it retries the level forever); these must fail there,
 * and otherwise answer what the recursive mkdir answers.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debFile, makeDeb } from '../../bench/scale/make-debs.js';
import { makeDirs, makeDirsSync } from '../../src/core/dirs.js';
import { userCacheDir } from '../../src/core/dirs.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';

const kinds = [
  ['makeDirs', makeDirs],
  ['makeDirsSync', async (d: string) => makeDirsSync(d)],
] as const;

describe.each(kinds)('%s', (_name, make) => {
  it('makes every missing level and answers the first one it made, as mkdir -p; nothing when all are there', async () => {
    const root = tempDir('pkgtrack-dirs-');
    expect(await make(join(root, 'a/b/c'))).toBe(join(root, 'a'));
    expect(statSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
    expect(await make(join(root, 'a/b/c'))).toBeUndefined();
    expect(await make(join(root, 'a/b/d'))).toBe(join(root, 'a/b/d'));
    // The same answers as Node's own recursive mkdir on the same shapes.
    expect(mkdirSync(join(root, 'n/b/c'), { recursive: true })).toBe(join(root, 'n'));
    expect(mkdirSync(join(root, 'n/b/c'), { recursive: true })).toBeUndefined();
  });

  it('fails with EEXIST on a file in the way and ENOTDIR on a file above', async () => {
    const root = tempDir('pkgtrack-dirs-');
    writeFileSync(join(root, 'f'), 'x');
    await expect(make(join(root, 'f'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(make(join(root, 'f/g/h'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('fails below /proc, where the recursive mkdir retries forever', async () => {
    await expect(make('/proc/pkgtrack-no-such/a/b')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a publish to an output folder that cannot be made', () => {
  it('ends with an error naming the folder (below /proc it hung)', async () => {
    const deb = join(tempDir('pkgtrack-dirs-'), debFile('dirs-test'));
    writeFileSync(deb, makeDeb('dirs-test'));
    const r = await pkgtrack(['publish', '--suite', 'bookworm', '-o', '/proc/pkgtrack-no-such/out', deb], {
      cwd: dirname(deb),
      timeoutMs: 60_000,
    });
    expect(r.signal, 'pkgtrack hung making the output folder').toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/proc\/pkgtrack-no-such/);
  });
});

describe('userCacheDir', () => {
  const withEnv = (env: Record<string, string | undefined>) => {
    const saved = { PKGTRACK_CACHE_DIR: process.env.PKGTRACK_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      return userCacheDir();
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  };

  it('is PKGTRACK_CACHE_DIR (made absolute), else $XDG_CACHE_HOME/pkgtrack', () => {
    expect(withEnv({ PKGTRACK_CACHE_DIR: '/c/mine', XDG_CACHE_HOME: '/x' })).toBe('/c/mine');
    expect(withEnv({ PKGTRACK_CACHE_DIR: 'rel', XDG_CACHE_HOME: '/x' })).toBe(join(process.cwd(), 'rel'));
    expect(withEnv({ PKGTRACK_CACHE_DIR: undefined, XDG_CACHE_HOME: '/x' })).toBe('/x/pkgtrack');
  });

  it('takes an empty variable as unset, and ignores a relative $XDG_CACHE_HOME (the XDG rule)', () => {
    expect(withEnv({ PKGTRACK_CACHE_DIR: '', XDG_CACHE_HOME: '/x' })).toBe('/x/pkgtrack');
    expect(withEnv({ PKGTRACK_CACHE_DIR: '', XDG_CACHE_HOME: '' })).toMatch(/\/\.cache\/pkgtrack$/);
    expect(withEnv({ PKGTRACK_CACHE_DIR: undefined, XDG_CACHE_HOME: 'cache' })).toMatch(/^\/.*\/\.cache\/pkgtrack$/);
  });
});
