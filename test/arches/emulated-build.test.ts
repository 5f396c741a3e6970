/**
 * Foreign architectures on an amd64 host, under qemu-user (binfmt_misc), for real (#22): a tiny C
 * package builds for arm64 and armhf in bootstrapped foreign containers; each .deb carries an
 * ELF of its architecture (`file`); the arm64 one is published, installed from the repository
 * and run in an arm64 container by `repo try --arch arm64`. (The bundled hello takes ~15 min
 * per emulated architecture: `PKGTRACK_BENCH_EMULATED=arm64 npm run bench -- build` runs it.)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { tinycRecipesRepo } from '../helpers/tinyc.js';

let work: string;
let recipes: string;
const env = { PKGTRACK_KEY_PASSPHRASE: 'emulated-test-passphrase' };

/** `file`'s description of /usr/bin/tinyc inside a built .deb. */
function elfOf(deb: string): string {
  const root = join(work, `x-${deb.split('/').pop()}`);
  execFileSync('dpkg-deb', ['-x', deb, root]);
  return execFileSync('file', ['-b', join(root, 'usr/bin/tinyc')], { encoding: 'utf8' }).trim();
}

function debIn(out: string, slug: string): string {
  const dir = join(out, slug, 'tinyc');
  const deb = readdirSync(dir).find((f) => /^tinyc_.*\.deb$/.test(f));
  expect(deb, `no tinyc .deb in ${dir}`).toBeDefined();
  return join(dir, deb!);
}

beforeAll(async () => {
  work = tempDir('pkgtrack-emulated-');
  recipes = tinycRecipesRepo(work, { arches: ['arm64', 'armhf'] });
  const key = await pkgtrack(['key', 'generate', '--type', 'ed25519', '--expires', '1y'], { cwd: recipes, env });
  expect(key.code, key.stderr).toBe(0);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('emulated foreign-architecture builds (qemu-user)', () => {
  it('builds arm64 and armhf .debs holding ELFs of their architecture, and publishes them', { timeout: 60 * 60_000 }, async () => {
    const r = await pkgtrack(['build', 'tinyc', '--publish', '--json'], { cwd: recipes, env });
    expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    const out = join(recipes, 'out');
    expect(elfOf(debIn(out, 'debian-bookworm-arm64'))).toMatch(/ELF 64-bit LSB .*ARM aarch64/);
    expect(elfOf(debIn(out, 'debian-bookworm-armhf'))).toMatch(/ELF 32-bit LSB .*ARM, EABI5/);
    const apt = join(recipes, 'public/apt/dists/bookworm');
    // Release lists the repository's configured architectures (amd64 by default) and every one published.
    expect(/^Architectures: (.*)$/m.exec(readFileSync(join(apt, 'Release'), 'utf8'))?.[1]?.split(' ')).toEqual(
      expect.arrayContaining(['arm64', 'armhf']),
    );
    for (const arch of ['arm64', 'armhf']) {
      expect(readFileSync(join(apt, `main/binary-${arch}/Packages`), 'utf8')).toMatch(new RegExp(`^Architecture: ${arch}$`, 'm'));
    }
  });

  it('repo try --arch arm64 installs it from the repository and runs it in an arm64 container', { timeout: 20 * 60_000 }, async () => {
    const r = await pkgtrack(['repo', 'try', 'tinyc', '--arch', 'arm64', '--json', '--', 'sh', '-c', 'uname -m; tinyc'], {
      cwd: recipes,
      env,
    });
    expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`).toBe(0);
    const text = JSON.stringify(r.json());
    expect(text).toMatch(/aarch64/);
    expect(text).toMatch(/tinyc runs on 64-bit/);
  });
});
