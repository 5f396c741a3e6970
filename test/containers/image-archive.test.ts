/**
 * `image save` / `image load`: the CI cache of builder images (#18 item 10). A real build's
 * manifests name its dependency image and base; `image save --from out` writes both to one
 * archive; `image load` puts them into a second, empty image store (another runner) under the
 * same ids; a build there reuses them, with no bootstrap and no dependency install (the
 * manifests of both builds name the same image ids). Bad archives fail naming the fix.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesToSave } from '../../src/services/image/archive.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { tinyRecipesRepo } from '../helpers/tinyhello.js';

let work: string;
let recipes: string;
let altEnv: Record<string, string>;

const manifestOf = (out: string) =>
  JSON.parse(readFileSync(join(out, 'debian-bookworm/tinyhello/manifest.json'), 'utf8')) as {
    image: { ref: string; id: string; base: string; baseId: string };
  };

beforeAll(() => {
  work = tempDir('pkgtrack-image-archive-');
  recipes = tinyRecipesRepo(work);
  const alt = join(work, 'store');
  mkdirSync(alt);
  writeFileSync(join(alt, 'storage.conf'), `[storage]\ndriver = "overlay"\ngraphroot = "${alt}/graph"\nrunroot = "${alt}/run"\n`);
  altEnv = { CONTAINERS_STORAGE_CONF: join(alt, 'storage.conf') };
});

afterAll(async () => {
  // Only the second store's images; the machine's own store is never touched.
  if (altEnv) await spawnAsync('podman', ['rmi', '--all', '--force'], { env: { ...process.env, ...altEnv } });
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('imagesToSave', () => {
  it('saves what the manifests name under the same id, and reports what changed since', () => {
    const present = [
      { ref: 'localhost/pkgtrack/base:debian-bookworm', id: '2b97198c75db', created: '', size: '', labels: {} },
      { ref: 'localhost/pkgtrack/deps:debian-bookworm-51f8', id: '088bdf61ba55', created: '', size: '', labels: {} },
    ];
    const r = imagesToSave(
      [
        { ref: 'localhost/pkgtrack/base:debian-bookworm', id: 'sha256:2b97198c75db18ed' },
        { ref: 'localhost/pkgtrack/deps:debian-bookworm-51f8', id: 'sha256:ffff' },
        { ref: 'localhost/pkgtrack/base:debian-bookworm', id: 'sha256:2b97198c75db18ed' },
      ],
      present,
    );
    expect(r.save.map((i) => i.ref)).toEqual(['localhost/pkgtrack/base:debian-bookworm']);
    expect(r.gone.map((g) => g.id)).toEqual(['sha256:ffff']);
  });

  it('saves the image a buildd base was made from, before it, once', () => {
    const minimal = { ref: 'localhost/pkgtrack/base:debian-bookworm', id: '2b97198c75db', created: '', size: '', labels: {} };
    const buildd = {
      ref: 'localhost/pkgtrack/base:debian-bookworm-buildd',
      id: '77aa00bb11cc',
      created: '',
      size: '',
      labels: { 'org.pkgtrack.made-from': 'sha256:2b97198c75db18ed' },
    };
    const deps = { ref: 'localhost/pkgtrack/deps:debian-bookworm-51f8', id: '088bdf61ba55', created: '', size: '', labels: {} };
    const r = imagesToSave(
      [
        { ref: buildd.ref, id: 'sha256:77aa00bb11cc' },
        { ref: deps.ref, id: 'sha256:088bdf61ba55' },
        { ref: minimal.ref, id: 'sha256:2b97198c75db18ed' },
      ],
      [deps, buildd, minimal],
    );
    expect(r.save.map((i) => i.ref)).toEqual([minimal.ref, buildd.ref, deps.ref]);
  });
});

describe('image save / image load across two image stores', () => {
  it('a build on a second store reuses the loaded images instead of making them again', { timeout: 20 * 60_000 }, async () => {
    const first = await pkgtrack(['build', 'tinyhello', '-t', 'debian:bookworm', '--out', join(work, 'out'), '--json'], {
      cwd: recipes,
    });
    expect(first.code, first.stderr.slice(-3000)).toBe(0);
    const archive = join(work, 'images.tar');
    const saved = await pkgtrack(['image', 'save', '--from', join(work, 'out'), '--out', archive, '--json'], { cwd: recipes });
    expect(saved.code, saved.stderr).toBe(0);
    // The buildd base comes with the minimal image it was made from, or the next runner would make it again.
    expect(saved.json().images.map((i: { kind: string; ref: string }) => `${i.kind} ${i.ref.replace(/:.*-[0-9a-f]{16}$/, ':…')}`)).toEqual([
      'base localhost/pkgtrack/base:debian-bookworm',
      'base localhost/pkgtrack/base:debian-bookworm-buildd',
      'deps localhost/pkgtrack/deps:…',
    ]);

    const loaded = await pkgtrack(['image', 'load', archive, '--json'], { cwd: recipes, env: altEnv });
    expect(loaded.code, loaded.stderr).toBe(0);
    const m1 = manifestOf(join(work, 'out'));
    expect(
      loaded
        .json()
        .images.map((i: { ref: string }) => i.ref)
        .sort(),
    ).toEqual([m1.image.base.replace(/-buildd$/, ''), m1.image.base, m1.image.ref].sort());

    const second = await pkgtrack(['build', 'tinyhello', '-t', 'debian:bookworm', '--out', join(work, 'out2'), '--force', '--json'], {
      cwd: recipes,
      env: altEnv,
    });
    expect(second.code, second.stderr.slice(-3000)).toBe(0);
    const m2 = manifestOf(join(work, 'out2'));
    expect(m2.image).toMatchObject({ ref: m1.image.ref, id: m1.image.id, base: m1.image.base, baseId: m1.image.baseId });
    expect(second.stderr).not.toMatch(/installing build dependencies|bootstrapping|making \S+-buildd/i);
  });

  it('refuses a missing or damaged archive, and a build folder whose images are gone, naming the fix', {
    timeout: 5 * 60_000,
  }, async () => {
    const missing = await pkgtrack(['image', 'load', join(work, 'nope.tar')], { cwd: recipes, env: altEnv });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/IMAGE_ARCHIVE_MISSING[\s\S]*image save/);
    const damaged = join(work, 'damaged.tar');
    copyFileSync(join(work, 'images.tar'), damaged);
    truncateSync(damaged, 4096);
    const bad = await pkgtrack(['image', 'load', damaged], { cwd: recipes, env: altEnv });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/IMAGE_LOAD_FAILED[\s\S]*delete it/);
    const stale = join(work, 'stale/debian-bookworm/tinyhello');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'manifest.json'), JSON.stringify({ image: { ref: 'localhost/pkgtrack/deps:gone', id: 'sha256:00ff' } }));
    const none = await pkgtrack(['image', 'save', '--from', join(work, 'stale'), '--out', join(work, 'x.tar')], { cwd: recipes });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/IMAGE_NONE_TO_SAVE/);
  });
});
