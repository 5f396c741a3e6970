/**
 * The page after a publish comes from the stored model (services/site/model-sync.ts): only the
 * changed packages are rendered. Each step below checks it against the page written the whole
 * way: `pkgtrack site` (every suite read back, every package rendered and compared with the
 * record) must find nothing to write but the first page's date, and that first page must be the
 * one the partial write made; a page rendered from scratch into a copy must hold the same
 * package files, byte for byte. The compiled CLI, real .debs, real files.
 */
import { cpSync, utimesSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeAll, describe, expect, it } from 'vitest';
import { debFile, makeDeb } from '../../bench/scale/make-debs.js';
import { pkgtrack, ROOT, tempDir } from '../helpers/cli.js';
import { keyedRecipesRepo } from '../repo/apt-helpers.js';

let dir: string;
let repo: string;
const out = () => join(repo, 'public');

beforeAll(() => {
  dir = tempDir('pkgtrack-model-sync-');
  repo = keyedRecipesRepo(dir, 'sync', 'retention:\n  keep: 1\n');
  mkdirSync(join(dir, 'debs'));
  for (let i = 0; i < 30; i++) deb(`pkg-${String(i).padStart(2, '0')}`);
}, 120_000);

/** Write a .deb into <dir>/debs (or `sub`) and return its path. */
function deb(name: string, version = '1.0-1', source?: string, sub = 'debs'): string {
  mkdirSync(join(dir, sub), { recursive: true });
  const path = join(dir, sub, debFile(name, version));
  writeFileSync(path, makeDeb(name, version, source));
  return path;
}

async function publish(suite: string, ...files: string[]): Promise<string> {
  const r = await pkgtrack(['publish', '--suite', suite, ...files], { cwd: repo });
  expect(r.code, r.stderr).toBe(0);
  return r.stderr;
}

/** Every site file but the state store, by output-relative path. */
function siteFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(root, p);
      if (/^(\.pkgtrack|apt|yum|reports)(\/|$)/.test(rel)) continue; // the repository, and the report (an input)
      if (e.isDirectory()) walk(p);
      else files.set(rel, readFileSync(p, 'utf8'));
    }
  };
  walk(root);
  return files;
}

const withoutFooter = (html: string) => html.replace(/<footer>.*<\/footer>/s, '');

/** The partial write's page equals the whole way's: in place, and rendered from scratch in a copy. */
async function expectSameAsWholePass(): Promise<void> {
  const partial = siteFiles(out());
  const again = await pkgtrack(['site', '--json'], { cwd: repo });
  expect(again.code, again.stderr).toBe(0);
  expect(again.json().written).toEqual(['index.html']);
  expect(again.json().removed).toEqual([]);
  const whole = siteFiles(out());
  expect(withoutFooter(whole.get('index.html')!)).toBe(withoutFooter(partial.get('index.html')!));

  // From scratch: no record, no model, no page files.
  const copy = join(dir, `scratch-${Date.now()}`);
  cpSync(repo, copy, { recursive: true });
  for (const p of partial.keys()) rmSync(join(copy, 'public', p));
  rmSync(join(copy, 'public', '.pkgtrack', 'state.db'), { force: true });
  const fresh = await pkgtrack(['site', '--json'], { cwd: copy });
  expect(fresh.code, fresh.stderr).toBe(0);
  const scratch = siteFiles(join(copy, 'public'));
  expect([...scratch.keys()].sort()).toEqual([...partial.keys()].sort());
  for (const [p, text] of partial) if (p !== 'index.html') expect(scratch.get(p), p).toBe(text);
  rmSync(copy, { recursive: true, force: true });
}

describe('the page after a publish, from the stored model', () => {
  it('a first publish renders every package and stores the model', async () => {
    const err = await publish('bookworm', join(dir, 'debs'));
    expect(err).toContain('(every package read back)');
    expect(readdirSync(join(out(), 'packages')).filter((f) => f.endsWith('.html'))).toHaveLength(30);
  }, 120_000);

  it('adding one package renders only it', async () => {
    const err = await publish('bookworm', deb('aaa-new'));
    expect(err).toContain('(1 package page(s) rewritten)');
    expect(readFileSync(join(out(), 'packages.json'), 'utf8')).toContain('["aaa-new",');
    await expectSameAsWholePass();
  }, 120_000);

  it('a new version replaces the old one (retention), on its page, in the index and on the first page', async () => {
    const err = await publish('bookworm', deb('pkg-05', '2.0-1'));
    expect(err).toContain('(1 package page(s) rewritten)');
    expect(readFileSync(join(out(), 'packages', 'pkg-05.json'), 'utf8')).toContain('"version": "2.0-1"');
    expect(readFileSync(join(out(), 'packages.json'), 'utf8')).toContain('["pkg-05","scale bench package pkg-05",[["bookworm","2.0-1"]]]');
    await expectSameAsWholePass();
  }, 120_000);

  it('a second binary of a source joins its row', async () => {
    const err = await publish('bookworm', deb('pkg-07-data', '1.0-1', 'pkg-07'));
    expect(err).toContain('package page(s) rewritten');
    const json = JSON.parse(readFileSync(join(out(), 'packages', 'pkg-07.json'), 'utf8'));
    expect(json.suites[0].binaries).toEqual(['pkg-07', 'pkg-07-data']);
    await expectSameAsWholePass();
  }, 120_000);

  it('a package in a second suite gets both places on its page', async () => {
    const err = await publish('trixie', deb('pkg-03', '1.0-1', undefined, 'trixie'), deb('only-trixie', '1.0-1', undefined, 'trixie'));
    expect(err).toContain('(2 package page(s) rewritten)');
    const json = JSON.parse(readFileSync(join(out(), 'packages', 'pkg-03.json'), 'utf8'));
    expect(json.suites.map((s: { suite: string }) => s.suite)).toEqual(['bookworm', 'trixie']);
    await expectSameAsWholePass();
  }, 120_000);

  it('a yum repository: its first publish adds its packages, a second binary of a source joins the row', async () => {
    const rpms = join(ROOT, '.cache', 'rpm-corpus', 'rpms');
    const first = await publish('fedora/41/x86_64', join(rpms, 'pkgc0-main-1.0.0-1.noarch.rpm'));
    expect(first).toContain('(1 package page(s) rewritten)');
    await expectSameAsWholePass();
    expect(await publish('fedora/41/x86_64', join(rpms, 'pkgc0-sub1-1.0.0-1.noarch.rpm'))).toContain('(1 package page(s) rewritten)');
    const json = JSON.parse(readFileSync(join(out(), 'packages', 'pkgc0-main.json'), 'utf8'));
    expect(json.suites.map((s: { suite: string; binaries: string[] }) => [s.suite, s.binaries])).toEqual([
      ['fedora/41/x86_64', ['pkgc0-main', 'pkgc0-sub1']],
    ]);
    await expectSameAsWholePass();
  }, 120_000);

  it('`repo remove` (its change list: the names removed, the stamps before and after) drops the package and its files', async () => {
    const r = await pkgtrack(['repo', 'remove', '--suite', 'bookworm', 'pkg-10'], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(0 package page(s) rewritten)'); // the change alone, not the suite compared whole
    expect(existsSync(join(out(), 'packages', 'pkg-10.html'))).toBe(false);
    expect(existsSync(join(out(), 'badges', 'pkg-10.svg'))).toBe(false);
    expect(readFileSync(join(out(), 'packages.json'), 'utf8')).not.toContain('"pkg-10"');
    await expectSameAsWholePass();
  }, 120_000);

  it('six names in one change (new versions of six, then `repo remove` of six) are found in one pass over Packages, to the same page', async () => {
    const six = [11, 12, 13, 14, 15, 16].map((i) => `pkg-${i}`);
    const err = await publish('bookworm', ...six.map((n) => deb(n, '2.0-1', undefined, 'six')));
    expect(err).toContain('(6 package page(s) rewritten)');
    for (const n of six) expect(readFileSync(join(out(), 'packages', `${n}.json`), 'utf8')).toContain('"version": "2.0-1"');
    await expectSameAsWholePass();

    const r = await pkgtrack(['repo', 'remove', '--suite', 'bookworm', ...six], { cwd: repo });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(0 package page(s) rewritten)');
    for (const n of six) expect(existsSync(join(out(), 'packages', `${n}.html`)), n).toBe(false);
    const index = readFileSync(join(out(), 'packages.json'), 'utf8');
    for (const n of six) expect(index).not.toContain(`"${n}"`);
    await expectSameAsWholePass();
    // Back, by a partial write: the whole pass below must find the rows it stored the same.
    expect(await publish('bookworm', join(dir, 'six'))).toContain('(6 package page(s) rewritten)');
  }, 120_000);

  it('a whole pass keeps the stored rows of suites whose signed metadata did not change, and replaces rows that differ', async () => {
    const sql = (q: string) => {
      const d = new DatabaseSync(join(out(), '.pkgtrack', 'state.db'));
      try {
        return d.prepare(q).all() as Array<Record<string, string | number>>;
      } finally {
        d.close();
      }
    };
    // Counts the rows deleted from the model (a trigger of the test's own, dropped at the end).
    sql('CREATE TABLE test_deleted (suite TEXT)');
    sql('CREATE TRIGGER test_count_deletes AFTER DELETE ON site_binaries BEGIN INSERT INTO test_deleted VALUES (old.suite); END');
    const rows = () => sql('SELECT suite, name, source, row FROM site_binaries ORDER BY suite, name, row');
    const deleted = () => sql('SELECT DISTINCT suite FROM test_deleted').map((r) => String(r.suite));
    try {
      const before = rows();
      expect(before.length).toBeGreaterThan(30);
      const again = await pkgtrack(['site', '--json'], { cwd: repo });
      expect(again.code, again.stderr).toBe(0);
      expect(again.json().pass).toBe('whole');
      expect(deleted()).toEqual([]);
      expect(rows()).toEqual(before);
      // A stored row that is not what its suite says (under the same stamp): that suite's rows are stored again.
      const victim = before.find((r) => String(r.row).includes('"pkg-02"'))!;
      sql(`UPDATE site_binaries SET row = '${String(victim.row).replace('"1.0-1"', '"0.0-tampered"')}' WHERE row = '${victim.row}'`);
      expect(rows()).not.toEqual(before);
      expect((await pkgtrack(['site', '--json'], { cwd: repo })).code).toBe(0);
      expect(deleted()).toEqual([victim.suite]);
      expect(rows()).toEqual(before);
    } finally {
      sql('DROP TRIGGER test_count_deletes');
      sql('DROP TABLE test_deleted');
    }
    await expectSameAsWholePass();
  }, 120_000);

  it('a packages.json that is not the recorded one is not spliced: the whole page is written', async () => {
    const index = join(out(), 'packages.json');
    writeFileSync(index, readFileSync(index, 'utf8').replace('"pkg-01"', '"pkg-01-tampered"'));
    const err = await publish('bookworm', deb('zzz-late'));
    expect(err).toContain('(every package read back)');
    expect(readFileSync(index, 'utf8')).not.toContain('tampered');
    await expectSameAsWholePass();
  }, 120_000);

  it('a page write cut short is finished by the next publish (the pending names)', async () => {
    // A folder where the new package's page goes: the write fails after the model took the change.
    mkdirSync(join(out(), 'packages', 'cut-short.html'));
    const err = await publish('bookworm', deb('cut-short'));
    expect(err).toContain('the web page was not updated');
    rmSync(join(out(), 'packages', 'cut-short.html'), { recursive: true });
    expect(await publish('bookworm', deb('after-cut'))).toContain('(2 package page(s) rewritten)');
    expect(existsSync(join(out(), 'packages', 'cut-short.html'))).toBe(true);
    await expectSameAsWholePass();
  }, 120_000);

  it('a published patch report (context) renders every package again', async () => {
    mkdirSync(join(out(), 'reports'), { recursive: true });
    writeFileSync(join(out(), 'reports', 'patches.json'), JSON.stringify({ recipes: [{ recipe: 'pkg-00', counts: { applied: 2 } }] }));
    writeFileSync(join(out(), 'reports', 'patches.html'), '<!DOCTYPE html><title>patches</title>');
    const err = await publish('bookworm', deb('zzz-later'));
    expect(err).toContain('(every package read back)');
    expect(readFileSync(join(out(), 'packages', 'pkg-00.html'), 'utf8')).toContain('reports/patches.html#r-pkg-00');
    await expectSameAsWholePass();
    // And the next publish is partial again.
    expect(await publish('bookworm', deb('zzz-last'))).toContain('(1 package page(s) rewritten)');
    await expectSameAsWholePass();
  }, 120_000);

  it('on a new day only the packages upstream is tracked for are rendered again (their freshness counts days)', async () => {
    // pkg-01 is behind upstream since three days ago: its page says so.
    const root = new DatabaseSync(join(repo, '.pkgtrack', 'state.db'));
    const seen = new Date(Date.now() - 3 * 86_400_000).toISOString();
    root
      .prepare(
        `INSERT INTO upstream_observations (recipe, source, version, tag, commit_sha, asset_url, asset_sha256, observed_at, last_seen_at)
         VALUES ('pkg-01', 'github:o/pkg-01', '9.0', 'v9.0', NULL, NULL, NULL, ?, ?)`,
      )
      .run(seen, seen);
    root.close();
    expect(await publish('bookworm', deb('zzz-day-1'))).toContain('(every package read back)'); // new observations
    expect(readFileSync(join(out(), 'packages', 'pkg-01.html'), 'utf8')).toContain('(3 days)');
    // The same day: only the added package.
    expect(await publish('bookworm', deb('zzz-day-2'))).toContain('(1 package page(s) rewritten)');
    // A day later (the observation a day older, the pages rendered on another day): the added
    // package and pkg-01 (tracked upstream, now 4 days behind), no other.
    const again = new DatabaseSync(join(repo, '.pkgtrack', 'state.db'));
    const older = new Date(Date.now() - 4 * 86_400_000).toISOString();
    again.prepare("UPDATE upstream_observations SET observed_at = ?, last_seen_at = ? WHERE recipe = 'pkg-01'").run(older, older);
    again.close();
    const site = new DatabaseSync(join(out(), '.pkgtrack', 'state.db'));
    site.prepare("UPDATE site_meta SET value = '2000-01-01' WHERE key = 'day'").run();
    site.close();
    expect(await publish('bookworm', deb('zzz-day-3'))).toContain('(2 package page(s) rewritten)');
    expect(readFileSync(join(out(), 'packages', 'pkg-01.html'), 'utf8')).toContain('(4 days)');
    await expectSameAsWholePass();
  }, 120_000);

  it('a recipe dated anew (a fresh CI checkout) keeps the page partial; a changed recipe renders every package', async () => {
    const recipe = join(repo, 'recipes', 'pkg-00', 'recipe.yaml');
    mkdirSync(join(repo, 'recipes', 'pkg-00'), { recursive: true });
    writeFileSync(recipe, 'name: pkg-00\nupstream:\n  kind: debian\n  package: pkg-00\n');
    expect(await publish('bookworm', deb('zzz-recipe-1'))).toContain('(every package read back)'); // a new recipe
    utimesSync(recipe, new Date(), new Date(Date.now() + 3_600_000));
    expect(await publish('bookworm', deb('zzz-recipe-2'))).toContain('(1 package page(s) rewritten)');
    writeFileSync(recipe, 'name: pkg-00\nupstream:\n  kind: debian\n  package: pkg-00\n  suite: trixie\n');
    expect(await publish('bookworm', deb('zzz-recipe-3'))).toContain('(every package read back)');
    await expectSameAsWholePass();
  }, 120_000);

  it('a publish that changes more packages than the page asks about one by one (a new suite) reads the tables whole, to the same page', async () => {
    const more = Array.from({ length: 70 }, (_, i) => deb(`sid-${String(i).padStart(2, '0')}`, '1.0-1', undefined, 'sid'));
    const err = await publish('sid', join(dir, 'debs'), ...more);
    expect(err).toMatch(/\((1\d\d|9\d) package page\(s\) rewritten\)/);
    // pkg-01's upstream observation (four days behind) is on its page, now with both suites.
    const page = readFileSync(join(out(), 'packages', 'pkg-01.html'), 'utf8');
    expect(page).toContain('(4 days)');
    expect(
      JSON.parse(readFileSync(join(out(), 'packages', 'pkg-01.json'), 'utf8')).suites.map((x: { suite: string }) => x.suite),
    ).toContain('sid');
    await expectSameAsWholePass();
  }, 120_000);
});
