/**
 * Publishing rules: suite identity never changes, the pool is immutable, retention keeps the
 * newest N (with --dry-run), the index cache makes add-one read one file, manifests and
 * .dsc sources are accepted (apt-cache showsrc reads the Sources we write).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { aptRoot, buildDeb, ensureCorpus, expectAptOk, makeKey, publishCli, type TestKey } from './apt-helpers.js';

let dir: string;
let key: TestKey;

beforeAll(() => {
  dir = tempDir('pkgtrack-aptpolicy-');
  key = makeKey(dir);
}, 60_000);

const packages = (out: string, suite = 'bookworm') => readFileSync(join(out, `apt/dists/${suite}/main/binary-amd64/Packages`), 'utf8');

describe('suite identity', () => {
  it('refuses to change Origin of a published suite, naming the field and leaving it untouched', async () => {
    const repo = join(dir, 'identity');
    mkdirSync(repo);
    copyFileSync(key.secret, join(repo, 'key.asc'));
    const yaml = (origin: string) =>
      `name: test\norigin: ${origin}\nlabel: Test\nmaintainer: Test <test@example.org>\nsigning:\n  key: key.asc\n`;
    writeFileSync(join(repo, 'pkgtrack.yaml'), yaml('Example'));
    const deb = buildDeb(dir, 'ident', '1.0-1');
    const first = await pkgtrack(['publish', '--suite', 'bookworm', deb], { cwd: repo });
    expect(first.code, first.stderr).toBe(0);
    const release = readFileSync(join(repo, 'public/apt/dists/bookworm/Release'), 'utf8');
    expect(release).toMatch(/^Origin: Example$/m);
    writeFileSync(join(repo, 'pkgtrack.yaml'), yaml('Changed'));
    const second = await pkgtrack(['publish', '--suite', 'bookworm', buildDeb(dir, 'ident', '1.1-1')], { cwd: repo });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/SUITE_IDENTITY_CHANGED/);
    expect(second.stderr).toMatch(/Origin would change from "Example" to "Changed"/);
    expect(readFileSync(join(repo, 'public/apt/dists/bookworm/Release'), 'utf8')).toBe(release);
  });
});

describe('pool immutability', () => {
  it('refuses the same name/version/arch with different bytes', async () => {
    const out = join(dir, 'immutable');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(dir, 'imm', '1.0-1', { content: 'a' })])).code).toBe(0);
    const inrel = readFileSync(join(out, 'apt/dists/bookworm/InRelease'));
    const other = join(dir, 'other');
    mkdirSync(other);
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', buildDeb(other, 'imm', '1.0-1', { content: 'b' })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/POOL_IMMUTABLE/);
    expect(r.stderr).toMatch(/pool\/main\/i\/imm\/imm_1\.0-1_all\.deb/);
    expect(readFileSync(join(out, 'apt/dists/bookworm/InRelease')).equals(inrel)).toBe(true);
  });

  it('republishing identical bytes is a no-op report ("already published")', async () => {
    const out = join(dir, 'same');
    const deb = buildDeb(dir, 'same', '1.0-1');
    expect((await publishCli(dir, key, out, ['--suite', 'bookworm', deb])).code).toBe(0);
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', deb, '--json']);
    expect(r.code).toBe(0);
    expect(r.json().reports[0].unchanged.map((p: { name: string }) => p.name)).toEqual(['same']);
  });
});

describe('retention', () => {
  it('keeps the newest N versions, removes the pool file of the dropped one; --dry-run only shows it', async () => {
    const out = join(dir, 'retention');
    // 1.1-1 after 1.2-1 is deliberately out of order (allowed): retention keeps by version, not by publish order.
    for (const v of ['1.0-1', '1.2-1', '1.1-1'])
      expect(
        (await publishCli(dir, key, out, ['--suite', 'bookworm', '--keep', '2', '--allow-downgrade', buildDeb(dir, 'ret', v)])).code,
      ).toBe(0);
    expect(packages(out)).not.toMatch(/Version: 1\.0-1/);
    expect(packages(out)).toMatch(/Version: 1\.1-1/);
    expect(packages(out)).toMatch(/Version: 1\.2-1/);
    expect(existsSync(join(out, 'apt/pool/main/r/ret/ret_1.0-1_all.deb'))).toBe(false);
    const dry = await publishCli(dir, key, out, ['--suite', 'bookworm', '--keep', '2', '--dry-run', buildDeb(dir, 'ret', '1.3-1')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/- ret 1\.1-1 all/);
    expect(dry.stdout).toMatch(/would remove: pool\/main\/r\/ret\/ret_1\.1-1_all\.deb/);
    expect(existsSync(join(out, 'apt/pool/main/r/ret/ret_1.1-1_all.deb'))).toBe(true);
    expect(existsSync(join(out, 'apt/pool/main/r/ret/ret_1.3-1_all.deb'))).toBe(false);
    expect(packages(out)).not.toMatch(/Version: 1\.3-1/);
  });
});

describe('architectures', () => {
  it('lists Architecture: all packages in every architecture index, and arch packages only in theirs', async () => {
    const out = join(dir, 'archs');
    const debs = [
      buildDeb(dir, 'multi-all', '1.0-1'),
      buildDeb(dir, 'multi-bin', '1.0-1', { arch: 'amd64' }),
      buildDeb(dir, 'multi-bin', '1.0-1', { arch: 'arm64' }),
    ];
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', ...debs]);
    expect(r.code, r.stderr).toBe(0);
    const release = readFileSync(join(out, 'apt/dists/bookworm/Release'), 'utf8');
    expect(release).toMatch(/^Architectures: amd64 arm64$/m);
    for (const arch of ['amd64', 'arm64']) {
      const p = readFileSync(join(out, `apt/dists/bookworm/main/binary-${arch}/Packages`), 'utf8');
      expect(p).toMatch(/^Package: multi-all$/m);
      expect(p.match(/^Architecture: (amd64|arm64)$/gm)).toEqual([`Architecture: ${arch}`]);
    }
  });
});

describe('incremental', () => {
  it('re-publishing a build dir with one new package reads only that one; --rebuild reads all', async () => {
    const out = join(dir, 'incremental');
    const src = join(dir, 'incr-src');
    mkdirSync(src);
    for (const n of ['inc-a', 'inc-b', 'inc-c']) buildDeb(src, n, '1.0-1');
    const first = await publishCli(dir, key, out, ['--suite', 'bookworm', '--json', src]);
    expect(first.json().cache).toEqual({ hits: 0, misses: 3 });
    buildDeb(src, 'inc-d', '1.0-1');
    const second = await publishCli(dir, key, out, ['--suite', 'bookworm', '--json', src]);
    expect(second.json().cache).toEqual({ hits: 3, misses: 1 });
    expect(second.json().reports[0].added.map((p: { name: string }) => p.name)).toEqual(['inc-d']);
    const rebuild = await publishCli(dir, key, out, ['--suite', 'bookworm', '--rebuild', '--json', src]);
    expect(rebuild.code, rebuild.stderr).toBe(0);
    expect(rebuild.json().cache.hits).toBe(0);
    expect(packages(out).match(/^Package: /gm)).toHaveLength(4);
  });
});

describe('inputs', () => {
  it('takes a build manifest.json (suite from the manifest) and refuses a file changed since the build', async () => {
    const out = join(dir, 'manifest');
    const build = join(dir, 'build-out');
    mkdirSync(build);
    const deb = buildDeb(build, 'man', '1.0-1');
    const sha = execFileSync('sha256sum', [deb]).toString().split(' ')[0];
    writeFileSync(
      join(build, 'manifest.json'),
      JSON.stringify({
        recipe: 'man',
        target: 'debian:bookworm',
        suite: 'bookworm',
        artifacts: [{ name: 'man_1.0-1_all.deb', kind: 'deb', sha256: sha }, { name: 'build.log' }],
      }),
    );
    const r = await publishCli(dir, key, out, [build]);
    expect(r.code, r.stderr).toBe(0);
    expect(packages(out)).toMatch(/^Package: man$/m);
    writeFileSync(
      join(build, 'manifest.json'),
      JSON.stringify({ suite: 'bookworm', artifacts: [{ name: 'man_1.0-1_all.deb', sha256: '0'.repeat(64) }] }),
    );
    const bad = await publishCli(dir, key, out, [join(build, 'manifest.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ARTIFACT_CHANGED/);
  });

  it('publishes a .dsc with its files; apt-cache showsrc reads the Sources', async () => {
    const out = join(dir, 'sources');
    const { dir: corpus, dscs } = await ensureCorpus();
    const dsc = dscs[0]!;
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', join(corpus, 'sources', dsc)]);
    expect(r.code, r.stderr).toBe(0);
    const apt = aptRoot();
    writeFileSync(
      join(apt.root, 'etc/apt/sources.list.d/pkgtrack.sources'),
      `Types: deb-src\nURIs: file:${join(out, 'apt')}\nSuites: bookworm\nComponents: main\nSigned-By: ${key.pub}\n`,
    );
    expectAptOk(await apt.apt(['update']), 'apt-get update (deb-src)');
    const name = dsc.split('_')[0]!;
    const show = await apt.apt(['showsrc', name], 'apt-cache');
    expect(show.stdout).toMatch(new RegExp(`^Package: ${name.replace(/[.+]/g, '\\$&')}$`, 'm'));
    const uris = await apt.apt(['source', '--print-uris', '--only-source', name]);
    expect(uris.status, uris.stderr).toBe(0);
    for (const line of uris.stdout.split('\n').filter((l) => l.startsWith("'file:"))) {
      expect(existsSync(line.slice(6, line.indexOf("'", 1)))).toBe(true);
    }
  });

  it('refuses a hostile package name and ignores index fields smuggled into control', async () => {
    const mk = (name: string, extra: string) => {
      const root = join(dir, `hostile-${Math.random().toString(36).slice(2)}`);
      mkdirSync(join(root, 'DEBIAN'), { recursive: true });
      writeFileSync(
        join(root, 'DEBIAN/control'),
        `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: T <t@example.org>\n${extra}Description: x\n y\n`,
      );
      const out = join(root, '..', `${root.split('/').pop()}.deb`);
      execFileSync('dpkg-deb', ['--nocheck', '--root-owner-group', '-b', root, out], { stdio: 'ignore' });
      return out;
    };
    const out = join(dir, 'hostile');
    const bad = await publishCli(dir, key, out, ['--suite', 'bookworm', mk('../../evil', '')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/APT_BAD_PACKAGE_NAME/);
    expect(existsSync(join(out, 'apt/dists'))).toBe(false);
    const smuggled = await publishCli(dir, key, out, [
      '--suite',
      'bookworm',
      mk('smuggle', 'Filename: ../../../etc/passwd\nSHA256: 00\nSize: 1\n'),
    ]);
    expect(smuggled.code, smuggled.stderr).toBe(0);
    const p = packages(out);
    expect(p).toMatch(/^Filename: pool\/main\/s\/smuggle\/smuggle_1\.0-1_all\.deb$/m);
    expect(p).not.toMatch(/etc\/passwd|^SHA256: 00$|^Size: 1$/m);
  });

  it('refuses a file that is not a package, naming it', async () => {
    const junk = join(dir, 'junk.deb');
    writeFileSync(junk, 'not really a deb');
    const r = await publishCli(dir, key, join(dir, 'junk-out'), ['--suite', 'bookworm', junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/AR_BAD_MAGIC/);
    expect(r.stderr).toContain('junk.deb');
    expect(existsSync(join(dir, 'junk-out/apt/dists'))).toBe(false);
  });
});
