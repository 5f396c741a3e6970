/**
 * Contents-<arch>.gz (opt-in, issue 8): what apt-ftparchive lists for the same real .debs,
 * fetched by a real apt (by hash, as apt-file's index target does), kept on and incremental
 * (only new packages are listed; the lists live beside the repository), rebuilt from the pool
 * when those lists are damaged, and a removed package's paths leave the index.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseContents } from '../../src/formats/deb-contents.js';
import { gzipSegments } from '../../src/formats/gzip-segments.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { aptRoot, buildDeb, ensureCorpus, expectAptOk, makeKey, publishCli, serveDir, type TestKey } from './apt-helpers.js';

const N = 60;
let dir: string;
let key: TestKey;
let debs: string;
let out: string;

beforeAll(async () => {
  const corpus = await ensureCorpus();
  dir = tempDir('pkgtrack-apt-contents-');
  key = makeKey(dir);
  debs = join(dir, 'in', 'debs');
  mkdirSync(debs, { recursive: true });
  for (const d of corpus.debs.slice(0, N)) symlinkSync(join(corpus.dir, 'debs', d), join(debs, d));
  out = join(dir, 'out');
}, 900_000);

const suiteDir = () => join(out, 'apt/dists/bookworm');
/** Our Contents as path → package names (dak's "section/name" locations reduced to the name). */
const ours = () =>
  new Map(
    [...parseContents(gunzipSync(readFileSync(join(suiteDir(), 'main/Contents-amd64.gz'))).toString('utf8'))].map(([p, locs]) => [
      p,
      locs.map((l) => l.split('/').pop()!).sort(),
    ]),
  );
/** apt-ftparchive's Contents of everything below `sub` (of `dir`). */
const ftparchive = (sub: string) =>
  new Map([...parseContents(execFileSync('apt-ftparchive', ['contents', sub], { cwd: dir }).toString())].map(([p, l]) => [p, l.sort()]));

describe('Contents-<arch>.gz', () => {
  it('lists what apt-ftparchive lists for the same real .debs, and Release names it with its hashes', async () => {
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--contents', debs]);
    expect(r.code, r.stderr).toBe(0);
    expect(ours()).toEqual(ftparchive('in/debs'));
    const release = readFileSync(join(suiteDir(), 'Release'), 'utf8');
    const sha = /^ ([0-9a-f]{64}) +\d+ main\/Contents-amd64\.gz$/m.exec(release)?.[1];
    expect(sha, release).toBeDefined();
    expect(existsSync(join(suiteDir(), 'main/by-hash/SHA256', sha!))).toBe(true);
    // Listed uncompressed (apt looks it up by that name), served only gzip'd, as Debian does.
    expect(release).toMatch(/^ [0-9a-f]{64} +\d+ main\/Contents-amd64$/m);
    expect(existsSync(join(suiteDir(), 'main/Contents-amd64'))).toBe(false);
    expect((await pkgtrack(['repo', 'verify', join(out, 'apt'), '--keyring', key.pub])).code).toBe(0);
  });

  it('stays on without --contents and lists only the new package, as it reads it; a real apt fetches it by hash', async () => {
    const extra = buildDeb(dir, 'contents-extra', '1.0-1', { arch: 'amd64' });
    const r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--verbose', extra]);
    expect(r.code, r.stderr).toBe(0);
    // No package is read again for its files: the published ones are in the kept lists, the
    // new one was listed when it was read.
    expect(r.stderr).toMatch(/contents-extra 1\.0-1 amd64/);
    expect(r.stderr).not.toMatch(/listing the files of/);
    // Only the new package's lines were written into the published text, not every line again.
    expect(r.stderr).toMatch(/main\/Contents-amd64: 1 package\(s\) in, 0 out; only their lines rewritten/);
    mkdirSync(join(dir, 'in', 'extra'));
    symlinkSync(extra, join(dir, 'in', 'extra', 'contents-extra.deb'));
    expect(ours()).toEqual(ftparchive('in'));
    expect(ours().get('usr/share/contents-extra/VERSION')).toEqual(['contents-extra']);

    const server = await serveDir(join(out, 'apt'));
    try {
      const apt = aptRoot();
      apt.setSources([{ uri: server.url, suites: ['bookworm'] }], key.pub);
      // apt-file's index target, as /etc/apt/apt.conf.d/50apt-file.conf declares it.
      writeFileSync(
        join(apt.root, 'etc/apt/apt.conf.d/50contents.conf'),
        'Acquire::IndexTargets::deb::Contents-deb { MetaKey "$(COMPONENT)/Contents-$(ARCHITECTURE)"; ShortDescription "Contents-$(ARCHITECTURE)"; Description "$(RELEASE)/$(COMPONENT) $(ARCHITECTURE) Contents (deb)"; };\n',
      );
      expectAptOk(await apt.apt(['update']), 'apt-get update with a Contents target');
      expect(
        server.requests.some((p) => /\/main\/by-hash\/SHA(256\/[0-9a-f]{64}|512\/[0-9a-f]{128})$/.test(p)),
        server.requests.join('\n'),
      ).toBe(true);
      const file = (await apt.apt(['indextargets', '--format', '$(FILENAME)', 'Identifier: Contents-deb'])).stdout.trim();
      const text = execFileSync('/usr/lib/apt/apt-helper', ['cat-file', file]).toString();
      expect(text).toMatch(/^usr\/share\/contents-extra\/VERSION\s+misc\/contents-extra$/m);
    } finally {
      await server.close();
    }
  });

  it('rebuilds damaged file lists from the pool (with a warning), and drops a removed package', async () => {
    const before = ours();
    writeFileSync(join(out, 'apt/.pkgtrack/contents/bookworm.json.gz'), 'not gzip');
    const r = await pkgtrack(['repo', 'remove', 'contents-extra', '--suite', 'bookworm', '--output', out, '--key', key.secret], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/bookworm\.json\.gz is damaged .*listing every package of bookworm again/);
    const after = ours();
    expect(after.has('usr/share/contents-extra/VERSION')).toBe(false);
    before.delete('usr/share/contents-extra/VERSION');
    expect(after).toEqual(before);
    expect(after).toEqual(ftparchive('in/debs'));
  });

  it('splices a removal out of the published text, and renders whole when the kept lists do not vouch for it', async () => {
    const record = join(out, 'apt/.pkgtrack/contents/bookworm.json.gz');
    const kept = () => JSON.parse(gunzipSync(readFileSync(record)).toString('utf8'));
    expect(kept().version).toBe(2);
    const debFiles = readdirSync(debs).sort();
    const gone = debFiles[0]!;
    const name = execFileSync('dpkg-deb', ['-f', join(debs, gone), 'Package'])
      .toString()
      .trim();
    const rest = join(dir, 'in', 'rest');
    mkdirSync(rest);
    for (const d of debFiles.slice(1)) symlinkSync(join(debs, d), join(rest, d));
    const remove = (pkg: string) =>
      pkgtrack(['repo', 'remove', pkg, '--suite', 'bookworm', '--output', out, '--key', key.secret, '--verbose'], { cwd: dir });
    const shards = () => {
      const d = join(out, 'apt/.pkgtrack/contents/bookworm');
      return new Map(readdirSync(d).map((f) => [f, readFileSync(join(d, f)).toString('base64')]));
    };
    const shardsBefore = shards();
    expect(shardsBefore.size).toBe(64);
    let r = await remove(name);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/main\/Contents-amd64: 0 package\(s\) in, 1 out; only their lines rewritten/);
    expect(ours()).toEqual(ftparchive('in/rest'));
    // Only the removed package's shard of the paths was written again.
    const shardsAfter = shards();
    expect([...shardsAfter].filter(([f, b]) => shardsBefore.get(f) !== b)).toHaveLength(1);

    // Lists kept by an older pkgtrack (version 1: no hash of the text they rendered), then a
    // hash that is not the published text's: every line is rendered again, and right.
    const paths: Record<string, string[]> = {};
    for (const [f] of shardsAfter) {
      const shard = JSON.parse(gunzipSync(readFileSync(join(out, 'apt/.pkgtrack/contents/bookworm', f))).toString('utf8'));
      for (const [pool, list] of Object.entries(shard)) paths[pool] = list as string[];
    }
    expect(Object.keys(paths).sort()).toEqual(Object.keys(kept().packages).sort());
    const v1 = { version: 1, files: paths };
    writeFileSync(record, gzipSync(JSON.stringify(v1)));
    const again = buildDeb(dir, 'contents-again', '1.0-1', { arch: 'amd64' });
    r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--verbose', again]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/only their lines rewritten/);
    expect(r.stderr).not.toMatch(/listing the files of/);
    symlinkSync(again, join(rest, 'contents-again.deb'));
    expect(ours()).toEqual(ftparchive('in/rest'));
    expect(kept().version).toBe(2);
    const wrong = kept();
    wrong.rendered['main/amd64'] = '0'.repeat(64);
    writeFileSync(record, gzipSync(JSON.stringify(wrong)));
    r = await remove('contents-again');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/only their lines rewritten/);
    rmSync(join(rest, 'contents-again.deb'));
    expect(ours()).toEqual(ftparchive('in/rest'));
    // And the next change splices again.
    r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--verbose', join(debs, gone)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/main\/Contents-amd64: 1 package\(s\) in, 0 out; only their lines rewritten/);
    expect(ours()).toEqual(ftparchive('in/debs'));

    // A damaged shard: its packages are listed again from the pool, every line rendered, right.
    const shardDir = join(out, 'apt/.pkgtrack/contents/bookworm');
    const damaged = [...shards()].find(([f]) => {
      const shard = JSON.parse(gunzipSync(readFileSync(join(shardDir, f))).toString('utf8'));
      return Object.keys(shard).some((pool) => pool.endsWith(`/${gone}`));
    })![0];
    writeFileSync(join(shardDir, damaged), 'not gzip');
    r = await remove(name);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${damaged.replace('.', '\\.')} is damaged: listing its packages again`));
    expect(r.stderr).not.toMatch(/only their lines rewritten/);
    expect(ours()).toEqual(ftparchive('in/rest'));
    r = await publishCli(dir, key, out, ['--suite', 'bookworm', '--verbose', join(debs, gone)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/damaged/);
    expect(r.stderr).toMatch(/only their lines rewritten/);
    expect(ours()).toEqual(ftparchive('in/debs'));
  });

  it('is written for every suite when pkgtrack.yaml says contents: true', async () => {
    const repo = join(dir, 'recipes');
    mkdirSync(repo);
    copyFileSync(key.secret, join(repo, 'key.asc'));
    writeFileSync(
      join(repo, 'pkgtrack.yaml'),
      'name: test\norigin: Test\nlabel: Test\nmaintainer: Test <test@example.org>\nsigning:\n  key: key.asc\ncontents: true\n',
    );
    const deb = buildDeb(dir, 'configured', '1.0-1', { arch: 'amd64' });
    const r = await pkgtrack(['publish', '--suite', 'trixie', deb], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    const text = gunzipSync(readFileSync(join(repo, 'public/apt/dists/trixie/main/Contents-amd64.gz'))).toString('utf8');
    expect(parseContents(text).get('usr/share/configured/VERSION')).toEqual(['misc/configured']);
  });
});

describe('Contents-<arch>.gz on republish', () => {
  it('takes the unchanged segments of the published .gz (served only compressed) and deflates the rest', async () => {
    const work = tempDir('pkgtrack-apt-contents-reuse-');
    const k = makeKey(work);
    // One package of 15,000 files: a Contents of ~1 MB, several segments.
    const root = join(work, 'many');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN/control'),
      'Package: manyfiles\nVersion: 1.0-1\nArchitecture: amd64\nMaintainer: T <t@example.org>\nSection: misc\nDescription: many files\n x\n',
    );
    for (let d = 0; d < 30; d++) {
      const sub = join(root, 'usr/share/manyfiles', `dir-${d}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 500; f++) writeFileSync(join(sub, `file-${String(f).padStart(4, '0')}-with-a-longer-name.txt`), '');
    }
    const many = join(work, 'manyfiles_1.0-1_amd64.deb');
    execFileSync('dpkg-deb', ['--root-owner-group', '-b', root, many], { stdio: 'ignore' });
    const o = join(work, 'out');
    const gzPath = join(o, 'apt/dists/bookworm/main/Contents-amd64.gz');
    expect((await publishCli(work, k, o, ['--suite', 'bookworm', '--contents', many])).code).toBe(0);
    const first = readFileSync(gzPath);
    const before = new Set(gzipSegments(first)!.map((x) => Buffer.from(x.deflate).toString('base64')));
    expect(before.size).toBeGreaterThanOrEqual(3);

    const extra = buildDeb(work, 'zz-extra', '1.0-1', { arch: 'amd64' });
    expect((await publishCli(work, k, o, ['--suite', 'bookworm', extra])).code).toBe(0);
    const second = readFileSync(gzPath);
    const after = gzipSegments(second)!.map((x) => Buffer.from(x.deflate).toString('base64'));
    expect(after.filter((x) => before.has(x)).length).toBeGreaterThanOrEqual(after.length - 2);
    const listed = parseContents(gunzipSync(second).toString('utf8'));
    expect(listed.get('usr/share/zz-extra/VERSION')).toEqual(['misc/zz-extra']);
    expect(listed.get('usr/share/manyfiles/dir-29/file-0499-with-a-longer-name.txt')).toEqual(['misc/manyfiles']);
    expect(listed.size).toBe(15_001);
    expect((await pkgtrack(['repo', 'verify', join(o, 'apt'), '--keyring', k.pub])).code).toBe(0);
  });
});
