/**
 * `apt changelog` for packages of a pkgtrack repository (#20: "apt changelog shows the Debian
 * history plus the backport entry"). Without a `Changelogs:` field apt answers "Changelog
 * unavailable" for every package of a third-party repository, installed or not.
 *
 * Real inputs: the Debian source packages of the deb corpus, each changelog compared with the
 * debian/changelog `dpkg-source -x` unpacks; a "1.0" source (diff.gz) made by `dpkg-source -b`.
 * Real apt (the host's, in an isolated root) runs `apt-get changelog` over HTTP.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changelogFromDiff, changelogPathFor, changelogsTemplate, sourceChangelog } from '../../src/repo/apt/changelogs.js';
import { renderRelease } from '../../src/repo/apt/release.js';
import { cacheControl, contentType } from '../../src/storage/http-headers.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { aptRoot, buildDeb, ensureCorpus, expectAptOk, makeKey, type StaticServer, serveDir, type TestKey } from './apt-helpers.js';

describe('changelog paths and text (pure)', () => {
  it("maps a .dsc's pool path to apt's CHANGEPATH, lib prefixes included", () => {
    expect(changelogPathFor('pool/main/h/hello/hello_2.10-3.dsc')).toBe('changelogs/main/h/hello/hello_2.10-3_changelog');
    expect(changelogPathFor('pool/main/libf/libfoo/libfoo_1.0-1~bpo12+1.dsc')).toBe(
      'changelogs/main/libf/libfoo/libfoo_1.0-1~bpo12+1_changelog',
    );
    expect(changelogPathFor('pool/main/h/hello/hello_2.10.orig.tar.gz')).toBeUndefined();
    expect(changelogsTemplate('https://example.org/pkgs/apt/')).toBe('https://example.org/pkgs/apt/changelogs/@CHANGEPATH@_changelog');
  });

  it('serves them in a bucket as the pool is served: immutable, as text', () => {
    const rel = 'apt/changelogs/main/h/hello/hello_2.10-3_changelog';
    expect(cacheControl(rel)).toMatch(/immutable/);
    expect(contentType(rel)).toBe('text/plain; charset=utf-8');
  });

  it('puts Changelogs after Codename, as Debian does, only when set', () => {
    const base = {
      origin: 'o',
      label: 'l',
      suite: 's',
      codename: 'c',
      notAutomatic: false,
      butAutomaticUpgrades: false,
      date: new Date(0),
      validUntil: new Date(0),
      architectures: ['amd64'],
      components: ['main'],
      signedBy: [],
      files: [{ path: 'main/binary-amd64/Packages', size: 0, sha256: 'a' }],
    };
    expect(renderRelease({ ...base, changelogs: 'http://x/apt/changelogs/@CHANGEPATH@_changelog' })).toMatch(
      /^Codename: c\nChangelogs: http:\/\/x\/apt\/changelogs\/@CHANGEPATH@_changelog\nDate: /m,
    );
    expect(renderRelease(base)).not.toMatch(/Changelogs/);
  });

  it("reads a 1.0 diff's created changelog, and nothing from a diff that only changes one", () => {
    const created = '--- x.orig/debian/changelog\n+++ x/debian/changelog\n@@ -0,0 +1,2 @@\n+a (1-1) unstable; urgency=low\n+\n';
    expect(changelogFromDiff(created)).toBe('a (1-1) unstable; urgency=low\n\n');
    expect(changelogFromDiff('--- x.orig/debian/changelog\n+++ x/debian/changelog\n@@ -1,2 +1,2 @@\n-a\n+b\n')).toBeUndefined();
    expect(sourceChangelog([{ name: 'x_1.orig.tar.gz', bytes: () => new Uint8Array() }])).toBeUndefined();
  });
});

describe('apt changelog from a published repository', () => {
  let dir: string;
  let out: string;
  let key: TestKey;
  let server: StaticServer;
  let dscs: string[];
  const oneZero = { name: 'oldstyle', version: '1.0-1' };

  beforeAll(async () => {
    const corpus = await ensureCorpus();
    dir = tempDir('pkgtrack-changelogs-');
    out = join(dir, 'public');
    mkdirSync(out, { recursive: true });
    server = await serveDir(out);
    key = makeKey(dir);
    copyFileSync(key.secret, join(dir, 'key.asc'));
    writeFileSync(
      join(dir, 'pkgtrack.yaml'),
      `name: cl-test\norigin: cl-test\nlabel: changelog test\nmaintainer: T <t@example.org>\nurl: ${server.url}\noutput: public\ntargets: [debian:bookworm]\nsigning:\n  key: key.asc\n`,
    );
    mkdirSync(join(dir, 'recipes'));
    dscs = corpus.dscs.map((d) => join(corpus.dir, 'sources', d));
    // A "1.0" source: debian/ travels in the diff.gz.
    const src = join(dir, 'src', `${oneZero.name}-1.0`);
    mkdirSync(join(src, 'debian'), { recursive: true });
    writeFileSync(join(src, 'README'), 'upstream\n');
    execFileSync('tar', ['-czf', join(dir, 'src', `${oneZero.name}_1.0.orig.tar.gz`), '-C', join(dir, 'src'), `${oneZero.name}-1.0`]);
    writeFileSync(
      join(src, 'debian', 'control'),
      `Source: ${oneZero.name}\nMaintainer: T <t@example.org>\n\nPackage: ${oneZero.name}\nArchitecture: all\nDescription: test\n x\n`,
    );
    writeFileSync(
      join(src, 'debian', 'changelog'),
      `${oneZero.name} (${oneZero.version}) unstable; urgency=medium\n\n  * A 1.0 source package.\n\n -- T <t@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
    );
    mkdirSync(join(src, 'debian', 'source'));
    writeFileSync(join(src, 'debian', 'source', 'format'), '1.0\n');
    execFileSync('dpkg-source', ['-b', `${oneZero.name}-1.0`], { cwd: join(dir, 'src'), stdio: 'ignore' });
  }, 600_000);

  afterAll(async () => {
    await server?.close();
  });

  /** debian/changelog as dpkg-source -x unpacks it: the reference. */
  const reference = (dsc: string) => {
    const x = tempDir('pkgtrack-changelog-x-');
    execFileSync('dpkg-source', ['--no-check', '-x', dsc, join(x, 'tree')], { stdio: 'ignore' });
    return readFileSync(join(x, 'tree', 'debian', 'changelog'), 'utf8');
  };

  it('publishes every source changelog at its CHANGEPATH, equal to what dpkg-source -x unpacks', async () => {
    const oneZeroDsc = join(dir, 'src', `${oneZero.name}_${oneZero.version}.dsc`);
    const binary = buildDeb(dir, oneZero.name, oneZero.version);
    const r = await pkgtrack(['publish', '--suite', 'bookworm', ...dscs, oneZeroDsc, binary], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const release = readFileSync(join(out, 'apt/dists/bookworm/Release'), 'utf8');
    expect(release).toContain(`\nChangelogs: ${server.url}/apt/changelogs/@CHANGEPATH@_changelog\n`);
    for (const dsc of [...dscs, oneZeroDsc]) {
      const [name, version] = dsc
        .split('/')
        .pop()!
        .replace(/\.dsc$/, '')
        .split('_') as [string, string];
      const prefix = name.startsWith('lib') ? name.slice(0, 4) : name[0];
      const file = join(out, 'apt/changelogs/main', prefix!, name, `${name}_${version}_changelog`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8'), dsc).toBe(reference(dsc));
    }
  });

  it('apt-get changelog fetches it over HTTP for a package not installed', async () => {
    const apt = aptRoot();
    apt.setSources([{ uri: `${server.url}/apt`, suites: ['bookworm'] }], key.pub);
    expectAptOk(await apt.apt(['update']), 'apt-get update');
    const uris = await apt.apt(['changelog', '--print-uris', oneZero.name]);
    expect(uris.stdout.trim().split(' ')[0], uris.stderr).toBe(
      `'${server.url}/apt/changelogs/main/o/${oneZero.name}/${oneZero.name}_${oneZero.version}_changelog'`,
    );
    const cl = await apt.apt(['changelog', oneZero.name]);
    expect(cl.status, cl.stderr).toBe(0);
    expect(cl.stdout).toContain(`${oneZero.name} (${oneZero.version}) unstable; urgency=medium`);
    expect(cl.stdout).toContain('A 1.0 source package.');
  });

  it('the changelog leaves with its source (repo remove)', async () => {
    const file = join(out, `apt/changelogs/main/o/${oneZero.name}/${oneZero.name}_${oneZero.version}_changelog`);
    expect(existsSync(file)).toBe(true);
    const r = await pkgtrack(['repo', 'remove', oneZero.name, '--suite', 'bookworm'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    // The others stay.
    expect(existsSync(join(out, 'apt/changelogs/main/f/figlet/figlet_2.2.5-3_changelog'))).toBe(true);
  });
});
