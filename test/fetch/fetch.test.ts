/**
 * fetchSource against a local HTTP server (the network edge) and a local git repository:
 * byte-identical orig tarballs in the content-addressed cache, upstream OpenPGP signatures
 * (openpgp.js key, checked by fetch; a wrong signature is refused), replaced assets noticed,
 * zips repacked reproducibly, git archives at a tag and at trunk.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { loadRecipe, loadRecipesRepository } from '../../src/recipe/load.js';
import { extractArchive } from '../../src/patches/extract.js';
import { fetchSource } from '../../src/services/fetch/fetch.js';
import { cacheDir, SourceCache } from '../../src/services/fetch/source-cache.js';
import { diffSnapshots, treeSnapshot } from '../patches/helpers/tree.js';
import { buildOnce } from '../upstream/helpers.js';

let work: string;
let server: Server;
let base: string;
const files = new Map<string, Buffer>();
/** Requests the upstream server answered, by path. */
const served: string[] = [];
/** Requests answered with the body (200), by path; the rest of `served` were 304 or 404. */
const bodies: string[] = [];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function makeRepo(recipes: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(work, 'repo-'));
  await writeFile(join(root, 'pkgtrack.yaml'), 'name: t\norigin: t\nlabel: t\nmaintainer: T <t@example.org>\n');
  for (const [name, yaml] of Object.entries(recipes)) {
    await mkdir(join(root, 'recipes', name), { recursive: true });
    await writeFile(join(root, 'recipes', name, 'recipe.yaml'), yaml);
  }
  return root;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-fetch-'));
  const src = join(work, 'src');
  await mkdir(join(src, 'foo-1.0', 'lib'), { recursive: true });
  await writeFile(join(src, 'foo-1.0', 'README'), 'foo\n');
  await writeFile(join(src, 'foo-1.0', 'lib', 'x.c'), 'int x;\n');
  await run('tar', ['-czf', join(work, 'foo-1.0.tar.gz'), '-C', src, 'foo-1.0']);
  await run('zip', ['-qry', join(work, 'foo-1.0.zip'), 'foo-1.0'], { cwd: src });
  files.set('/foo-1.0.tar.gz', await readFile(join(work, 'foo-1.0.tar.gz')));
  files.set('/foo-1.0.zip', await readFile(join(work, 'foo-1.0.zip')));
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'Upstream', email: 'up@example.org' }],
    format: 'armored',
  });
  const key = await openpgp.readPrivateKey({ armoredKey: privateKey });
  const sign = async (data: Uint8Array) =>
    Buffer.from(
      (await openpgp.sign({
        message: await openpgp.createMessage({ binary: data }),
        signingKeys: key,
        detached: true,
        format: 'armored',
      })) as string,
    );
  files.set('/foo-1.0.tar.gz.asc', await sign(files.get('/foo-1.0.tar.gz')!));
  files.set(
    '/sig/foo-1.0.tar.gz.sig',
    Buffer.from(
      (await openpgp.sign({
        message: await openpgp.createMessage({ binary: files.get('/foo-1.0.tar.gz')! }),
        signingKeys: key,
        detached: true,
        format: 'binary',
      })) as Uint8Array,
    ),
  );
  files.set('/bad/foo-1.0.tar.gz', files.get('/foo-1.0.tar.gz')!);
  files.set('/bad/foo-1.0.tar.gz.asc', await sign(Buffer.from('something else')));
  await writeFile(join(work, 'upstream.asc'), publicKey);
  server = createServer((req, res) => {
    served.push(req.url ?? '');
    const body = files.get(req.url ?? '');
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    // As GitHub's and most servers' assets: an ETag, and 304 Not Modified for a matching If-None-Match.
    const etag = `"${sha(body).slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    bodies.push(req.url ?? '');
    res.writeHead(200, { 'content-length': body.length, etag }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  server?.close();
  await rm(work, { recursive: true, force: true });
});

const httpRecipe = (name: string, urlPath: string, extra = '') =>
  `name: ${name}\nupstream:\n  kind: http\n  url: ${base}/\n  pattern: 'foo-(?<version>[0-9.]+)\\.tar'\nsource:\n  url: ${base}${urlPath}\n${extra}`;

/** Fetch foo 1.0 from `urlPath`, its signature from `signatureUrl`, checked with upstream.asc. */
async function fetchSigned(urlPath: string, signatureUrl: string) {
  const root = await makeRepo({
    foo: httpRecipe('foo', urlPath, `  signatureUrl: ${JSON.stringify(signatureUrl)}\n  upstreamKey: upstream.asc\n`),
  });
  await writeFile(join(root, 'recipes', 'foo', 'upstream.asc'), await readFile(join(work, 'upstream.asc')));
  const recipesRepo = await loadRecipesRepository(root);
  return { root, fetched: fetchSource(recipesRepo, await loadRecipe(recipesRepo, 'foo'), { version: '1.0' }) };
}

describe('fetchSource', () => {
  it('keeps the upstream tarball byte-identical, verifies the signature and caches by SHA-256', async () => {
    const { root, fetched } = await fetchSigned('/foo-{version}.tar.gz', '{url}.asc');
    const r = await fetched;
    expect(r.origName).toBe('foo_1.0.orig.tar.gz');
    expect(r.method).toBe('tarball');
    expect(r.sha256).toBe(sha(files.get('/foo-1.0.tar.gz')!));
    expect(sha(await readFile(r.origTarball))).toBe(r.sha256);
    expect(r.signature.verified).toBe(true);
    // The signature goes beside the orig for the source package (dpkg-source -b takes <orig>.asc).
    expect(r.origSignature).toBe(`${r.origTarball}.asc`);
    expect(await readFile(r.origSignature!)).toEqual(files.get('/foo-1.0.tar.gz.asc'));
    // Content-addressed: the blob sits under its own hash in the repository cache.
    expect(sha(await readFile(join(root, '.pkgtrack', 'cache', 'sha256', r.sha256.slice(0, 2), r.sha256)))).toBe(r.sha256);
    // A second implementation (Sequoia) agrees that the signature is good.
    const sig = join(work, 'check.asc');
    await writeFile(sig, files.get('/foo-1.0.tar.gz.asc')!);
    await run('sq', ['verify', '--signer-cert', join(work, 'upstream.asc'), '--detached', sig, r.origTarball]);
  });

  it('armors a binary upstream .sig for the source package (dpkg-source takes only an armored <orig>.asc)', async () => {
    const r = await (await fetchSigned('/foo-{version}.tar.gz', `${base}/sig/foo-{version}.tar.gz.sig`)).fetched;
    expect(r.signature.verified).toBe(true);
    const armored = await readFile(r.origSignature!, 'utf8');
    expect(armored).toMatch(/^-----BEGIN PGP SIGNATURE-----/);
    // Sequoia verifies the armored copy against the orig tarball.
    await run('sq', ['verify', '--signer-cert', join(work, 'upstream.asc'), '--detached', r.origSignature!, r.origTarball]);
  });

  it('refuses a signature that does not match the tarball', async () => {
    const { fetched } = await fetchSigned('/bad/foo-{version}.tar.gz', `${base}/bad/foo-{version}.tar.gz.asc`);
    await expect(fetched).rejects.toMatchObject({
      code: 'UPSTREAM_SIGNATURE_BAD',
      kind: 'integrity',
    });
  });

  it('notices when an upstream asset is replaced', async () => {
    const root = await makeRepo({ foo: httpRecipe('foo', '/moving-{version}.tar.gz') });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'foo');
    files.set('/moving-1.0.tar.gz', files.get('/foo-1.0.tar.gz')!);
    const first = await fetchSource(recipesRepo, recipe, { version: '1.0' });
    expect(first.upstreamChanged).toBeUndefined();
    files.set('/moving-1.0.tar.gz', Buffer.concat([files.get('/foo-1.0.tar.gz')!, Buffer.alloc(0)]));
    await run('tar', ['-czf', join(work, 'moved.tar.gz'), '-C', join(work, 'src'), 'foo-1.0', '--mtime=@1']);
    files.set('/moving-1.0.tar.gz', await readFile(join(work, 'moved.tar.gz')));
    const second = await fetchSource(recipesRepo, recipe, { version: '1.0' });
    expect(second.upstreamChanged?.previousSha256).toBe(first.sha256);
    expect(second.sha256).not.toBe(first.sha256);
  });

  it('with a hash from a signed index, a cached tarball is not downloaded again; a damaged cached copy is', async () => {
    const root = await makeRepo({ foo: httpRecipe('foo', '/foo-{version}.tar.gz') });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'foo');
    const release = { version: '1.0', sourceUrl: `${base}/foo-1.0.tar.gz`, sha256: sha(files.get('/foo-1.0.tar.gz')!) };
    const count = () => served.filter((u) => u === '/foo-1.0.tar.gz').length;
    const before = count();
    const first = await fetchSource(recipesRepo, recipe, { releases: [release] });
    expect(count()).toBe(before + 1);
    const again = await fetchSource(recipesRepo, recipe, { releases: [release], outDir: join(root, 'again') });
    expect(count()).toBe(before + 1);
    expect(again.sha256).toBe(first.sha256);
    expect(sha(await readFile(again.origTarball))).toBe(release.sha256);
    // Bit rot in the cache: re-hashed, refused as a cached copy, downloaded again.
    const blob = new SourceCache(await cacheDir(root)).blobPath(release.sha256);
    await rm(blob);
    await writeFile(blob, 'damaged');
    const repaired = await fetchSource(recipesRepo, recipe, { releases: [release], outDir: join(root, 'repaired') });
    expect(count()).toBe(before + 2);
    expect(sha(await readFile(repaired.origTarball))).toBe(release.sha256);
  });

  it('without a hash from a signed index, a cached tarball is asked for conditionally: 304 → not downloaded again; replaced → downloaded and noticed', async () => {
    const root = await makeRepo({ foo: httpRecipe('foo', '/cond-{version}.tar.gz') });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'foo');
    files.set('/cond-1.0.tar.gz', files.get('/foo-1.0.tar.gz')!);
    const downloads = () => bodies.filter((u) => u === '/cond-1.0.tar.gz').length;
    const asked = () => served.filter((u) => u === '/cond-1.0.tar.gz').length;
    const steps: string[] = [];
    const progress = { step: (m: string) => steps.push(m), warn() {}, debug() {} };
    const first = await fetchSource(recipesRepo, recipe, { version: '1.0', progress });
    expect([downloads(), asked()]).toEqual([1, 1]);
    // fetch, patches and build each call fetchSource: none of them downloads it again.
    for (const out of ['a', 'b']) {
      const again = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, out), progress });
      expect(again.sha256).toBe(first.sha256);
      expect(sha(await readFile(again.origTarball))).toBe(first.sha256);
    }
    expect([downloads(), asked()]).toEqual([1, 3]);
    expect(steps.filter((m) => /not modified upstream, cached copy used/.test(m))).toHaveLength(2);
    // A damaged cached copy is not trusted on a 304: no validators are sent, the bytes come again.
    const blob = new SourceCache(await cacheDir(root)).blobPath(first.sha256);
    await rm(blob);
    await writeFile(blob, 'damaged');
    const repaired = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, 'c') });
    expect(downloads()).toBe(2);
    expect(sha(await readFile(repaired.origTarball))).toBe(first.sha256);
    // Upstream replaces the asset: the ETag no longer matches, the new bytes come and the change is reported.
    await run('tar', ['-czf', join(work, 'cond-moved.tar.gz'), '-C', join(work, 'src'), 'foo-1.0', '--mtime=@2']);
    files.set('/cond-1.0.tar.gz', await readFile(join(work, 'cond-moved.tar.gz')));
    const moved = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, 'd') });
    expect(downloads()).toBe(3);
    expect(moved.upstreamChanged?.previousSha256).toBe(first.sha256);
  });

  it("checks Debian's shipped orig .asc with debian/upstream/signing-key.asc: good noted, bad refused naming the files, no key warned", async () => {
    const debianRecipe =
      "name: foo\nupstream:\n  kind: debian\n  package: foo\n  suite: sid\nversions:\n  tagPattern: '^(?<version>.+)$'\n";
    const root = await makeRepo({ foo: debianRecipe });
    const recipesRepo = await loadRecipesRepository(root);
    const tarball = files.get('/foo-1.0.tar.gz')!;
    // What the debian upstream reads from the signed Sources index: the orig, its SHA-256 and the .asc beside it.
    const release = (sig: string) => ({
      version: '1.0',
      sourceUrl: `${base}/foo-1.0.tar.gz`,
      sha256: sha(tarball),
      signatureUrl: `${base}${sig}`,
    });
    const warnings: string[] = [];
    const steps: string[] = [];
    const progress = { step: (m: string) => steps.push(m), warn: (m: string) => warnings.push(m), debug() {} };

    // No key in the packaging: fetched, not checked, and the user is told.
    const unchecked = await fetchSource(recipesRepo, await loadRecipe(recipesRepo, 'foo'), {
      releases: [release('/foo-1.0.tar.gz.asc')],
      progress,
    });
    expect(unchecked.signature).toEqual({
      verified: false,
      reason:
        'Debian ships foo-1.0.tar.gz.asc but recipes/foo/debian/upstream/signing-key.asc is missing: the upstream signature is not checked',
    });
    expect(warnings.join('\n')).toMatch(/foo: Debian ships foo-1\.0\.tar\.gz\.asc but .*signing-key\.asc is missing/);
    // Not checked, so not carried into the source package.
    expect(unchecked.origSignature).toBeUndefined();

    await mkdir(join(root, 'recipes/foo/debian/upstream'), { recursive: true });
    await writeFile(join(root, 'recipes/foo/debian/upstream/signing-key.asc'), await readFile(join(work, 'upstream.asc')));
    const recipe = await loadRecipe(recipesRepo, 'foo');
    const good = await fetchSource(recipesRepo, recipe, { releases: [release('/foo-1.0.tar.gz.asc')], progress });
    expect(good.signature).toMatchObject({
      verified: true,
      key: 'debian/upstream/signing-key.asc',
      signatureUrl: `${base}/foo-1.0.tar.gz.asc`,
    });
    expect((good.signature as { fingerprint: string }).fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(await readFile(good.origSignature!)).toEqual(files.get('/foo-1.0.tar.gz.asc'));
    expect(steps.some((m) => /foo-1\.0\.tar\.gz\.asc: good signature by [0-9A-F]{40} \(debian\/upstream\/signing-key\.asc\)/.test(m))).toBe(
      true,
    );

    const bad = await fetchSource(recipesRepo, recipe, { releases: [release('/bad/foo-1.0.tar.gz.asc')] }).catch((e) => e);
    expect(bad).toMatchObject({ code: 'UPSTREAM_SIGNATURE_BAD', kind: 'integrity' });
    expect(bad.message).toContain(`${base}/bad/foo-1.0.tar.gz.asc does not verify ${base}/foo-1.0.tar.gz`);
    expect(bad.message).toContain(join(root, 'recipes/foo/debian/upstream/signing-key.asc'));

    // A SHA-1 signature Debian ships (as miniupnpc 2.2.8's, made by GnuPG with an RSA key):
    // accepted as dpkg-source's gpgv does, with a warning. openpgp.js cannot make one: gpg does.
    const home = join(work, 'gnupg-sha1');
    await mkdir(home, { recursive: true, mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Upstream <up@example.org>', 'rsa2048', 'sign', 'never'], {
      env,
      stdio: 'ignore',
    });
    files.set(
      '/sha1/foo-1.0.tar.gz.asc',
      execFileSync('gpg', ['--batch', '--digest-algo', 'SHA1', '--armor', '--detach-sign', '--output', '-', join(work, 'foo-1.0.tar.gz')], {
        env,
      }),
    );
    await writeFile(
      join(root, 'recipes/foo/debian/upstream/signing-key.asc'),
      execFileSync('gpg', ['--batch', '--armor', '--export'], { env }),
    );
    warnings.length = 0;
    const weak = await fetchSource(recipesRepo, recipe, { releases: [release('/sha1/foo-1.0.tar.gz.asc')], progress });
    expect(weak.signature).toMatchObject({ verified: true, legacy: ['a SHA-1 digest'], key: 'debian/upstream/signing-key.asc' });
    expect(warnings.join('\n')).toMatch(
      /foo: foo-1\.0\.tar\.gz\.asc: good signature by [0-9A-F]{40} .*but made with a SHA-1 digest: accepted as dpkg-source's gpgv does/,
    );

    // file 5.46 and less 668: a DSA-1024 key, SHA-1, and (file's) a key that expired after it signed.
    const dsaHome = join(work, 'gnupg-dsa');
    await mkdir(dsaHome, { recursive: true, mode: 0o700 });
    const dsaEnv = { ...process.env, GNUPGHOME: dsaHome };
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Old <old@example.org>', 'dsa1024', 'sign', 'seconds=2'], {
      env: dsaEnv,
      stdio: 'ignore',
    });
    files.set(
      '/dsa/foo-1.0.tar.gz.asc',
      execFileSync('gpg', ['--batch', '--digest-algo', 'SHA1', '--armor', '--detach-sign', '--output', '-', join(work, 'foo-1.0.tar.gz')], {
        env: dsaEnv,
      }),
    );
    await writeFile(
      join(root, 'recipes/foo/debian/upstream/signing-key.asc'),
      execFileSync('gpg', ['--batch', '--armor', '--export'], { env: dsaEnv }),
    );
    await new Promise((r) => setTimeout(r, 2500));
    const old = await fetchSource(recipesRepo, recipe, { releases: [release('/dsa/foo-1.0.tar.gz.asc')], progress });
    expect(old.signature).toMatchObject({ verified: true, legacy: ['a SHA-1 digest', 'a DSA key', 'a key expired since'] });

    // Debian kept no .asc for this version: fetched, not checked, said why.
    const { signatureUrl: _none, ...withoutAsc } = release('');
    const noAsc = await fetchSource(recipesRepo, recipe, { releases: [withoutAsc] });
    expect(noAsc.signature).toEqual({ verified: false, reason: `Debian ships no signature for ${base}/foo-1.0.tar.gz` });
  });

  it('checks the published SHA-256', async () => {
    const root = await makeRepo({ foo: httpRecipe('foo', '/foo-{version}.tar.gz') });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'foo');
    await expect(
      fetchSource(recipesRepo, recipe, { releases: [{ version: '1.0', sourceUrl: `${base}/foo-1.0.tar.gz`, sha256: '0'.repeat(64) }] }),
    ).rejects.toMatchObject({
      code: 'SOURCE_SHA256_MISMATCH',
    });
  });

  it('repacks a zip into a reproducible tar.xz with the same files', async () => {
    const root = await makeRepo({ foo: httpRecipe('foo', '/foo-{version}.zip') });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'foo');
    const a = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, 'a') });
    const b = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, 'b') });
    expect(a.method).toBe('repacked');
    expect(a.origName).toBe('foo_1.0.orig.tar.xz');
    expect(a.sha256).toBe(b.sha256);
    await mkdir(join(root, 'ref'));
    await run('tar', ['-xf', a.origTarball, '-C', join(root, 'ref')]);
    await run('unzip', ['-q', join(work, 'foo-1.0.zip'), '-d', join(root, 'unzipped')]);
    expect(diffSnapshots(await treeSnapshot(join(root, 'unzipped', 'foo-1.0')), await treeSnapshot(join(root, 'ref', 'foo-1.0')))).toEqual(
      [],
    );
  });

  it('archives a git tag, and the trunk head with a snapshot version', async () => {
    const g = join(work, 'gitrepo');
    await mkdir(g);
    const git = (...args: string[]) => run('git', ['-C', g, '-c', 'user.name=T', '-c', 'user.email=t@example.org', ...args]);
    await git('init', '-q', '-b', 'main');
    await writeFile(join(g, 'a.txt'), 'one\n');
    await git('add', 'a.txt');
    await git('commit', '-q', '-m', 'one');
    await git('tag', 'v1.0');
    await writeFile(join(g, 'b.txt'), 'two\n');
    await git('add', 'b.txt');
    await git('commit', '-q', '-m', 'two');
    const root = await makeRepo({
      bar: `name: bar\nupstream:\n  kind: git\n  url: file://${g}\nchannels:\n  trunk:\n    enabled: true\n    branch: main\n`,
    });
    const recipesRepo = await loadRecipesRepository(root);
    const recipe = await loadRecipe(recipesRepo, 'bar');
    const tag = await fetchSource(recipesRepo, recipe, { version: '1.0' });
    expect(tag.method).toBe('git-archive');
    expect(tag.origName).toBe('bar_1.0.orig.tar.xz');
    const x = await extractArchive(tag.origTarball, join(root, 'x'));
    expect(x.topDir).toBe('bar-1.0');
    expect(Object.keys(await treeSnapshot(join(root, 'x', 'bar-1.0')))).toEqual(['a.txt']);
    const head = (await git('rev-parse', 'HEAD')).stdout.trim();
    // Force-move the tag: fetch says so and records the new commit.
    await git('tag', '-f', 'v1.0', head);
    const moved = await fetchSource(recipesRepo, recipe, { version: '1.0', outDir: join(root, 'moved') });
    expect(moved.git?.commit).toBe(head);
    expect(moved.upstreamChanged?.previousSha256).toBe(tag.git?.commit);
    const trunk = await fetchSource(recipesRepo, recipe, { trunk: true });
    expect(trunk.git?.commit).toBe(head);
    // The tag was moved onto the head above, so the snapshot is 0 commits past 1.0.
    expect(trunk.version).toMatch(new RegExp(`^1\\.0\\+git\\d{8}\\.0\\.${head.slice(0, 7)}$`));

    // The commit a plan chose, after the branch moved on: that commit, not the new head.
    await writeFile(join(g, 'c.txt'), 'three\n');
    await git('add', 'c.txt');
    await git('commit', '-q', '-m', 'three');
    const planned = await fetchSource(recipesRepo, recipe, { trunk: true, commit: head.slice(0, 10), outDir: join(root, 'planned') });
    expect(planned.git?.commit).toBe(head);
    expect(planned.version).toBe(trunk.version);
    const x2 = await extractArchive(planned.origTarball, join(root, 'x2'));
    expect(Object.keys(await treeSnapshot(join(root, 'x2', x2.topDir!))).sort()).toEqual(['a.txt', 'b.txt']);
    // Not a commit id, not in the repository, not on the trunk branch: typed errors.
    await expect(fetchSource(recipesRepo, recipe, { trunk: true, commit: 'HEAD~1' })).rejects.toMatchObject({ code: 'COMMIT_INVALID' });
    await expect(fetchSource(recipesRepo, recipe, { trunk: true, commit: 'deadbeefdeadbeef' })).rejects.toMatchObject({
      code: 'COMMIT_NOT_FOUND',
    });
    await git('checkout', '-q', '-b', 'side', head);
    await writeFile(join(g, 'd.txt'), 'side\n');
    await git('add', 'd.txt');
    await git('commit', '-q', '-m', 'side');
    const side = (await git('rev-parse', 'HEAD')).stdout.trim();
    await git('checkout', '-q', 'main');
    await expect(fetchSource(recipesRepo, recipe, { trunk: true, commit: side })).rejects.toMatchObject({ code: 'COMMIT_NOT_ON_TRUNK' });
  });

  it('pkgtrack fetch (CLI): --json result, and a typed error with exit 2 for an unknown recipe', async () => {
    await buildOnce();
    const root = await makeRepo({ foo: httpRecipe('foo', '/foo-{version}.tar.gz') });
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'run.js');
    const ok = await run('node', [bin, 'fetch', 'foo', '--version', '1.0', '--out', join(root, 'dist'), '--json', '--repo', root], {
      check: false,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      recipe: 'foo',
      version: '1.0',
      origName: 'foo_1.0.orig.tar.gz',
      sha256: sha(files.get('/foo-1.0.tar.gz')!),
      method: 'tarball',
    });
    expect(sha(await readFile(join(root, 'dist', 'foo_1.0.orig.tar.gz')))).toBe(sha(files.get('/foo-1.0.tar.gz')!));
    const bad = await run('node', [bin, 'fetch', 'fooo', '--json', '--repo', root], { check: false });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'RECIPE_NOT_FOUND', fix: 'Did you mean "foo"?' });
  });
});
