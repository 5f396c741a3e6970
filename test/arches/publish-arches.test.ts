/**
 * One source built for two architectures, as `pkgtrack build` leaves it: the first architecture
 * (amd64) made the arch-dependent binary and the `Architecture: all` one, arm64 (--build=any)
 * only its own. Published together: the `all` package is in the pool once and listed for both;
 * real apt in an arm64 root (APT::Architecture=arm64) sees exactly the arm64 + all packages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { aptRoot, buildDeb, expectAptOk, makeKey, publishCli, type StaticServer, serveDir, type TestKey } from '../repo/apt-helpers.js';

let dir: string;
let key: TestKey;
let out: string;
let server: StaticServer;

/** (package, architecture) pairs of a Packages index or `apt-cache dumpavail`. */
const pairs = (text: string) =>
  text
    .split(/\n\n+/)
    .filter((s) => s.trim())
    .map((s) => `${/^Package: (.*)$/m.exec(s)?.[1]} ${/^Architecture: (.*)$/m.exec(s)?.[1]}`)
    .sort();

function poolFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.deb'))
    .map((e) => e.name)
    .sort();
}

beforeAll(async () => {
  dir = tempDir('pkgtrack-arches-publish-');
  key = makeKey(dir);
  out = join(dir, 'public');
  const amd64 = join(dir, 'out/debian-bookworm/demo');
  const arm64 = join(dir, 'out/debian-bookworm-arm64/demo');
  const debs = [
    buildDeb(amd64, 'demo', '1.0-1~deb12u1', { arch: 'amd64' }),
    buildDeb(amd64, 'demo-data', '1.0-1~deb12u1'),
    buildDeb(arm64, 'demo', '1.0-1~deb12u1', { arch: 'arm64' }),
  ];
  const r = await publishCli(dir, key, out, ['--suite', 'bookworm', ...debs]);
  expect(r.code, r.stderr).toBe(0);
  server = await serveDir(join(out, 'apt'));
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('an Architecture: all package with two architectures', () => {
  it('is in the pool once and in both Packages indexes; Release lists both architectures', () => {
    expect(poolFiles(join(out, 'apt/pool'))).toEqual([
      'demo-data_1.0-1~deb12u1_all.deb',
      'demo_1.0-1~deb12u1_amd64.deb',
      'demo_1.0-1~deb12u1_arm64.deb',
    ]);
    const dists = join(out, 'apt/dists/bookworm');
    expect(/^Architectures: (.*)$/m.exec(readFileSync(join(dists, 'Release'), 'utf8'))?.[1]).toBe('amd64 arm64');
    expect(pairs(readFileSync(join(dists, 'main/binary-arm64/Packages'), 'utf8'))).toEqual(['demo arm64', 'demo-data all']);
    expect(pairs(readFileSync(join(dists, 'main/binary-amd64/Packages'), 'utf8'))).toEqual(['demo amd64', 'demo-data all']);
  });

  for (const arch of ['arm64', 'amd64']) {
    it(`apt on an ${arch} root sees exactly the ${arch} and the all packages, and would install both`, async () => {
      const apt = aptRoot({ arch });
      apt.setSources([{ uri: server.url, suites: ['bookworm'] }], key.pub);
      expectAptOk(await apt.apt(['update']), 'apt-get update');
      expect(pairs((await apt.apt(['dumpavail'], 'apt-cache')).stdout)).toEqual([`demo ${arch}`, 'demo-data all']);
      const sim = await apt.apt(['install', '-s', 'demo', 'demo-data']);
      expectAptOk(sim, 'apt-get install -s');
      expect(sim.stdout).toMatch(new RegExp(`^Inst demo \\(1\\.0-1~deb12u1 .*\\[${arch}\\]\\)$`, 'm'));
      expect(sim.stdout).toMatch(/^Inst demo-data \(1\.0-1~deb12u1 .*\[all\]\)$/m);
    });
  }
});
