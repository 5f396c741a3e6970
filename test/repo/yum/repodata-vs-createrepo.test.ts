/**
 * Our primary/filelists/other against createrepo_c's for the same files: every package of the
 * corpus must parse to the same tree (elements, attributes, text) in both.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRpm } from '../../../src/formats/rpm/package.js';
import { filelistsDocument, otherDocument, packageXml, primaryDocument } from '../../../src/repo/yum/package-xml.js';
import { repodataFile, repomdXml } from '../../../src/repo/yum/repomd.js';
import { corpusRpms } from './corpus.js';
import { packagesById, readRepo } from './compare.js';

let work: string;
let ours: ReturnType<typeof packagesById>;
let theirs: ReturnType<typeof packagesById>;
let count = 0;
let openSums: Record<string, [string, string]> = {};

beforeAll(() => {
  const rpms = corpusRpms();
  count = rpms.length;
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-yum-cmp-'));
  const a = join(work, 'createrepo');
  const b = join(work, 'ours');
  const hrefs: string[] = [];
  for (const f of rpms) {
    const href = `Packages/${basename(f)[0]}/${basename(f)}`;
    for (const root of [a, b]) {
      mkdirSync(join(root, 'Packages', basename(f)[0]!), { recursive: true });
      linkSync(f, join(root, href));
    }
    hrefs.push(href);
  }
  execFileSync('createrepo_c', ['-q', '--no-database', a]);
  const frags = hrefs.sort().map((href) => {
    const path = join(b, href);
    const bytes = readFileSync(path);
    const st = statSync(path);
    return packageXml(readRpm(bytes, path), {
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: st.size,
      mtime: Math.floor(st.mtimeMs / 1000),
      href,
    });
  });
  const files = [
    repodataFile('primary', primaryDocument(frags.map((f) => f.primary)), 'gz'),
    repodataFile('filelists', filelistsDocument(frags.map((f) => f.filelists)), 'gz'),
    repodataFile('other', otherDocument(frags.map((f) => f.other)), 'zst'),
  ];
  mkdirSync(join(b, 'repodata'));
  for (const f of files) writeFileSync(join(b, 'repodata', f.name), f.bytes);
  writeFileSync(join(b, 'repodata', 'repomd.xml'), repomdXml(files, 1, 1));
  const ro = readRepo(b);
  const rt = readRepo(a);
  ours = packagesById(ro.docs);
  theirs = packagesById(rt.docs);
  const sums = (r: typeof ro) =>
    Object.fromEntries(
      r.repomd.children
        .filter((d) => d.name === 'data')
        .map((d) => [d.attrs.type!, d.children.find((c) => c.name === 'open-checksum')!.text]),
    );
  const so = sums(ro);
  const st = sums(rt);
  openSums = Object.fromEntries(['primary', 'filelists', 'other'].map((t) => [t, [so[t]!, st[t]!]]));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('yum metadata vs createrepo_c', () => {
  for (const type of ['primary', 'filelists', 'other'] as const) {
    it(`${type}: every package parses to the same data`, () => {
      expect(theirs[type]!.size).toBe(count);
      expect([...ours[type]!.keys()].sort()).toEqual([...theirs[type]!.keys()].sort());
      let differing = 0;
      for (const [id, want] of theirs[type]!) {
        const got = ours[type]!.get(id);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          differing++;
          expect(got, `${type} ${id}`).toEqual(want);
        }
      }
      expect(differing).toBe(0);
    });
  }

  it('the uncompressed documents are byte-identical to createrepo_c (same open-checksum)', () => {
    for (const [t, [o, c]] of Object.entries(openSums)) expect(o, t).toBe(c);
  });

  it('the package count attributes agree', () => {
    expect(ours.primary!.size).toBe(count);
    expect(ours.other!.size).toBe(count);
  });
});
