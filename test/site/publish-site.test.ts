/**
 * `pkgtrack publish` regenerates the web page with the repository: a real publish (the apt
 * format, signed with the recipes repository's key) of .debs built by dpkg-deb is followed by
 * a page that lists exactly what apt now sees, and a dry run leaves the page alone.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProgress } from '../../src/core/progress.js';
import { publish } from '../../src/services/publish/publish.js';
import { removeFromRepo } from '../../src/services/repo/repo.js';
import { buildDeb, buildRpm, FIXTURE_PASSPHRASE, writeRecipesRepo } from './fixture.js';

let tmp: string;
let repoRoot: string;
let debs: string;
const savedPassphrase = process.env.PKGTRACK_KEY_PASSPHRASE;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pkgtrack-site-publish-'));
  ({ repoRoot } = await writeRecipesRepo(tmp, 'https://pkgs.example.org/demo', new Date()));
  debs = join(tmp, 'debs');
  mkdirSync(debs, { recursive: true });
  buildDeb(debs, 'hello', '2.12-1~deb12u1', 'amd64', 'the friendly greeter');
  buildDeb(debs, 'tool', '3.0-1~deb12u1', 'amd64', 'a small tool');
  process.env.PKGTRACK_KEY_PASSPHRASE = FIXTURE_PASSPHRASE;
}, 120_000);

afterAll(() => {
  if (savedPassphrase === undefined) delete process.env.PKGTRACK_KEY_PASSPHRASE;
  else process.env.PKGTRACK_KEY_PASSPHRASE = savedPassphrase;
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const index = () => readFileSync(join(repoRoot, 'public', 'index.html'), 'utf8');

/** Inode and mtime of every web page file (not the repositories, not the record). */
function siteStamps(): Map<string, string> {
  const out = join(repoRoot, 'public');
  const stamps = new Map<string, string>();
  for (const e of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const rel = join(e.parentPath, e.name).slice(out.length + 1);
    if (!e.isFile() || /^(apt|yum|\.pkgtrack)\//.test(rel)) continue;
    const s = statSync(join(out, rel));
    stamps.set(rel, `${s.ino}:${s.mtimeMs}`);
  }
  return new Map([...stamps].sort(([a], [b]) => a.localeCompare(b)));
}

describe('publish writes the web page', () => {
  it('after the first publish, with the suite, the package and its badge', async () => {
    const progress = recordingProgress();
    await publish({ inputs: [join(debs, 'hello_2.12-1~deb12u1_amd64.deb')], suite: 'bookworm', recipesDir: repoRoot, progress });
    expect(progress.lines.filter((l) => l.startsWith('warn:'))).toEqual([]);
    const page = index();
    expect(page).toContain('Suite bookworm');
    expect(page).toMatch(/<a href="https:\/\/www\.gnu\.org\/software\/hello\/" rel="external">hello<\/a>/);
    expect(page).toContain('2.12-1~deb12u1');
    expect(page).toContain('URIs: https://pkgs.example.org/demo/apt');
    expect(page).toContain('href="apt/dists/bookworm/Release"');
    expect(existsSync(join(repoRoot, 'public', 'badges', 'hello.svg'))).toBe(true);
    expect(existsSync(join(repoRoot, 'public', 'keys', 'demo-archive-keyring.asc'))).toBe(true);
  }, 120_000);

  it('after the next publishes, apt and yum; a dry run changes nothing', async () => {
    const progress = recordingProgress();
    const stampsBefore = siteStamps();
    await publish({ inputs: [join(debs, 'tool_3.0-1~deb12u1_amd64.deb')], suite: 'bookworm', recipesDir: repoRoot, progress });
    // Adding one package rewrote that package's files, the package index and the first page only.
    const after = siteStamps();
    expect([...after].filter(([p, s]) => stampsBefore.get(p) !== s).map(([p]) => p)).toEqual([
      'badges/tool.svg',
      'index.html',
      'packages.json',
      'packages/tool.html',
      'packages/tool.json',
    ]);
    const page = index();
    expect(page).toContain('>hello</a>');
    expect(page).toContain('>tool</a>');
    // A yum publish of an rpm built by rpmbuild shows up too, with its .repo snippet.
    await publish({ inputs: [buildRpm(tmp)], suite: 'fedora/41/x86_64', recipesDir: repoRoot, progress });
    const withYum = index();
    expect(withYum).toContain('Repository fedora/41/x86_64');
    expect(withYum).toContain('baseurl=https://pkgs.example.org/demo/yum/fedora/41/x86_64');
    expect(withYum).toContain('2.12-1.fc41');
    expect(withYum).toContain('href="yum/fedora/41/x86_64/repodata/repomd.xml"');
    expect(progress.lines.filter((l) => l.startsWith('warn:'))).toEqual([]);
    // A trunk suite is NotAutomatic (pkgtrack.yaml default): the page says how to opt in.
    buildDeb(debs, 'hello', '2.12+git20261120.3.abc1234-1~deb12u1', 'amd64', 'the friendly greeter (snapshot)');
    await publish({
      inputs: [join(debs, 'hello_2.12+git20261120.3.abc1234-1~deb12u1_amd64.deb')],
      suite: 'bookworm-trunk',
      recipesDir: repoRoot,
      progress,
    });
    expect(index()).toContain('<code>sudo apt install -t bookworm-trunk PACKAGE</code>');
    expect(index().match(/apt install -t/g)).toHaveLength(1); // not for the stable suite
    const before = index();
    await publish({ inputs: [join(debs, 'tool_3.0-1~deb12u1_amd64.deb')], suite: 'trixie', recipesDir: repoRoot, dryRun: true, progress });
    expect(index()).not.toContain('trixie');
    expect(index()).toBe(before);
  }, 120_000);

  it('after `repo remove`: the package leaves the page, its files go, the others stay', async () => {
    const progress = recordingProgress();
    await removeFromRepo({ names: ['tool'], suite: 'bookworm', recipesDir: repoRoot, progress });
    const out = join(repoRoot, 'public');
    expect(index()).not.toContain('>tool</a>');
    expect(readFileSync(join(out, 'packages.json'), 'utf8')).not.toContain('"tool"');
    for (const p of ['badges/tool.svg', 'packages/tool.html', 'packages/tool.json']) expect(existsSync(join(out, p)), p).toBe(false);
    expect(existsSync(join(out, 'packages', 'hello.html'))).toBe(true);
    expect(progress.lines.filter((l) => l.startsWith('warn:'))).toEqual([]);
  }, 120_000);
});
