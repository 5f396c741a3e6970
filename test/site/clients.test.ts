/**
 * The install instructions work as written: a repository published by `publish()` (signed with
 * the recipes repository's key) is served on 127.0.0.1, and the real clients are configured
 * with nothing but what index.html says: the key fetched from the URL in its curl command, its
 * deb822 .sources file for apt (in an isolated apt/dpkg root) and its .repo file for dnf
 * (--installroot, gpgcheck=1, repo_gpgcheck=1). apt must update and install the version the page
 * shows; dnf must verify the metadata signature and list the version the page shows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { decodeEntities } from '../../src/repo/yum/xml-read.js';
import { publish } from '../../src/services/publish/publish.js';
import { aptRoot, expectAptOk, runAsync } from '../repo/apt-helpers.js';
import { buildDeb, buildRpm, FIXTURE_PASSPHRASE, writeRecipesRepo } from './fixture.js';
import { type StaticServer, startStaticServer } from './static-server.js';
import { dnfArgs } from '../repo/yum/harness.js';

let tmp: string;
let repoRoot: string;
let server: StaticServer;
let page: string;
const savedPassphrase = process.env.PKGTRACK_KEY_PASSPHRASE;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-site-clients-'));
  server = await startStaticServer(() => join(repoRoot, 'public'));
  ({ repoRoot } = await writeRecipesRepo(tmp, server.url, new Date()));
  process.env.PKGTRACK_KEY_PASSPHRASE = FIXTURE_PASSPHRASE;
  const debs = join(tmp, 'debs');
  mkdirSync(debs, { recursive: true });
  buildDeb(debs, 'hello', '2.12-1~deb12u1', 'amd64', 'the friendly greeter');
  await publish({
    inputs: [join(debs, 'hello_2.12-1~deb12u1_amd64.deb')],
    suite: 'bookworm',
    recipesDir: repoRoot,
    progress: silentProgress,
  });
  await publish({ inputs: [buildRpm(tmp)], suite: 'fedora/41/x86_64', recipesDir: repoRoot, progress: silentProgress });
  page = readFileSync(join(repoRoot, 'public', 'index.html'), 'utf8');
}, 180_000);

afterAll(async () => {
  if (savedPassphrase === undefined) delete process.env.PKGTRACK_KEY_PASSPHRASE;
  else process.env.PKGTRACK_KEY_PASSPHRASE = savedPassphrase;
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The text of the <code> element whose start tag matches `startTag`, as a reader copies it. */
function codeText(startTag: RegExp): string {
  const m = new RegExp(`${startTag.source}([\\s\\S]*?)</code>`).exec(page);
  if (!m) throw new Error(`no ${startTag} on the page`);
  return decodeEntities(m[1]!);
}

/** The body of the first `<<'EOF'` heredoc in a command: the file the page tells users to write. */
const heredoc = (cmd: string) => /<<'EOF'\n([\s\S]*?\n)EOF\n/.exec(cmd)![1]!;

/** Fetch the key the way the page's `curl -fsSL URL | sudo tee DEST` does; returns DEST. */
async function fetchKeyAsPageSays(dir: string): Promise<{ dest: string; file: string }> {
  const cmd = codeText(/<code id="apt-key-cmd">/);
  const m = /curl -fsSL (\S+) \| sudo tee (\S+) >\/dev\/null/.exec(cmd)!;
  const res = await fetch(m[1]!);
  expect(res.status).toBe(200);
  const file = join(dir, 'keyring.asc');
  writeFileSync(file, await res.text());
  return { dest: m[2]!, file };
}

describe('the install instructions on the page, followed by the real clients', () => {
  it('apt: the .sources file and key from the page give a verified update and an install', async () => {
    const apt = aptRoot();
    try {
      const key = await fetchKeyAsPageSays(apt.root);
      const sources = heredoc(codeText(/<code class="sources-snippet" data-suite="bookworm">/));
      // The only change: the keyring lives in the sandbox instead of /etc/apt/keyrings.
      expect(sources).toContain(`Signed-By: ${key.dest}\n`);
      writeFileSync(
        join(apt.root, 'etc/apt/sources.list.d/demo.sources'),
        sources.replace(`Signed-By: ${key.dest}`, `Signed-By: ${key.file}`),
      );
      expectAptOk(await apt.apt(['update']), 'apt-get update');
      expectAptOk(await apt.apt(['install', '-y', 'hello']), 'apt-get install hello');
      expect(apt.installed('hello')).toBe('2.12-1~deb12u1');
      expect(page).toMatch(/<td class="ver" data-label="Version">2\.12-1~deb12u1</);
    } finally {
      rmSync(apt.root, { recursive: true, force: true });
    }
  }, 120_000);

  it('dnf: the .repo file from the page verifies the signed metadata with the key it names', async () => {
    const repoFile = heredoc(codeText(/<code class="repo-snippet" data-suite="fedora\/41\/x86_64">/));
    expect(repoFile).toMatch(/^repo_gpgcheck=1$/m);
    const reposd = join(tmp, 'yum.repos.d');
    const root = join(tmp, 'dnf-root');
    const cache = join(tmp, 'dnf-cache');
    for (const d of [reposd, root, cache]) mkdirSync(d, { recursive: true });
    writeFileSync(join(reposd, 'demo.repo'), repoFile);
    // Async: the HTTP server answering dnf lives in this process.
    const r = await runAsync(
      'dnf',
      dnfArgs({ root, reposd, cache }, ['-q', 'repoquery', '--qf', '%{name} %{version}-%{release}', 'hello']),
      { ...process.env, LC_ALL: 'C' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('hello 2.12-1.fc41');
    expect(page).toMatch(/<td class="ver" data-label="Version">2\.12-1\.fc41</);
    // dnf fetched the key from where the .repo file says, and the signature next to repomd.xml.
    const paths = server.requests.map((q) => q.path);
    expect(paths).toContain('/keys/demo-archive-keyring.asc');
    expect(paths).toContain('/yum/fedora/41/x86_64/repodata/repomd.xml.asc');
  }, 120_000);
});
