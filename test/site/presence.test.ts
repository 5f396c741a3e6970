import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SiteFilePresence } from '../../src/services/site/presence.js';

describe('SiteFilePresence (is a page file in place, as lstat would say)', () => {
  let out: string;
  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'pkgtrack-presence-'));
    mkdirSync(join(out, 'packages'));
    mkdirSync(join(out, 'badges'));
    writeFileSync(join(out, 'index.html'), 'x');
    writeFileSync(join(out, 'packages', 'a.html'), 'x');
    writeFileSync(join(out, 'packages', 'a.json'), 'x');
    writeFileSync(join(out, 'badges', 'a.svg'), 'x');
    // Not regular files: a symlink to one, and a directory with a file's name.
    symlinkSync(join(out, 'packages', 'a.html'), join(out, 'packages', 'b.html'));
    mkdirSync(join(out, 'packages', 'b.json'));
    writeFileSync(join(out, 'keys'), 'a file where a folder belongs');
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('finds regular files at the top and in folders', () => {
    const p = new SiteFilePresence(out);
    expect(p.has('index.html')).toBe(true);
    expect(p.hasAll(['badges/a.svg', 'packages/a.html', 'packages/a.json'])).toBe(true);
  });

  it('does not count missing files, symlinks, folders, or files under a missing or non-folder path', () => {
    const p = new SiteFilePresence(out);
    expect(p.has('packages/c.html')).toBe(false);
    expect(p.has('packages/b.html')).toBe(false);
    expect(p.has('packages/b.json')).toBe(false);
    expect(p.has('site-assets/app.css')).toBe(false);
    expect(p.has('keys/archive.asc')).toBe(false);
    expect(p.hasAll(['badges/a.svg', 'packages/b.html'])).toBe(false);
  });

  it('lists a folder once, when a file in it is first asked about', () => {
    const p = new SiteFilePresence(out);
    expect(p.has('badges/a.svg')).toBe(true);
    // Listed already: a file removed since is still counted (the page write asks before it writes).
    rmSync(join(out, 'badges', 'a.svg'));
    expect(p.has('badges/a.svg')).toBe(true);
    expect(new SiteFilePresence(out).has('badges/a.svg')).toBe(false);
  });
});
