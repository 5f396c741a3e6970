/**
 * The web page's fast primary.xml reader against the strict XML reader: the same packages from
 * createrepo_c's primary and from ours over the rpm corpus, and a fallback (undefined) for
 * layouts the fast path does not read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRpm } from '../../../src/formats/rpm/package.js';
import { packageXml, primaryDocument } from '../../../src/repo/yum/package-xml.js';
import { primarySummariesOf, readPrimarySummariesFast } from '../../../src/repo/yum/primary-summary.js';
import { parseXml } from '../../../src/repo/yum/xml-read.js';
import { corpusRpms } from './corpus.js';

let work: string;
let createrepoPrimary: string;
let oursPrimary: string;

beforeAll(() => {
  const rpms = corpusRpms();
  work = mkdtempSync(join(tmpdir(), 'pkgtrack-primary-summary-'));
  for (const f of rpms) linkSync(f, join(work, basename(f)));
  execFileSync('createrepo_c', ['-q', '--no-database', work]);
  const gz = readdirSync(join(work, 'repodata')).find((f) => f.endsWith('-primary.xml.gz'))!;
  createrepoPrimary = gunzipSync(readFileSync(join(work, 'repodata', gz))).toString('utf8');
  oursPrimary = primaryDocument(
    rpms.map((f) => {
      const bytes = readFileSync(f);
      const st = statSync(f);
      const href = `Packages/${basename(f)}`;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return packageXml(readRpm(bytes, f), { sha256, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), href }).primary;
    }),
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('readPrimarySummariesFast', () => {
  it("reads createrepo_c's primary.xml as the strict reader does", () => {
    const fast = readPrimarySummariesFast(createrepoPrimary);
    expect(fast).toBeDefined();
    expect(fast!.length).toBeGreaterThan(5);
    expect(fast).toEqual(primarySummariesOf(parseXml(createrepoPrimary, 'primary.xml')));
  });

  it('reads our own primary.xml as the strict reader does', () => {
    const fast = readPrimarySummariesFast(oursPrimary);
    expect(fast).toEqual(primarySummariesOf(parseXml(oursPrimary, 'primary.xml')));
  });

  it('decodes entities, keeps the epoch and skips nothing', () => {
    const doc = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>a&amp;b</name>
  <arch>x86_64</arch>
  <version epoch="2" ver="1.0" rel="3.fc41"/>
  <summary>Tools &lt;fast&gt; &#233;</summary>
  <time file="1" build="1700000000"/>
  <format>
    <rpm:sourcerpm>a&amp;b-1.0-3.fc41.src.rpm</rpm:sourcerpm>
  </format>
</package>
<package type="rpm">
  <name>c</name>
  <arch>noarch</arch>
  <version epoch="0" ver="2" rel="1"/>
  <summary></summary>
  <time file="1" build="0"/>
</package>
</metadata>`;
    const fast = readPrimarySummariesFast(doc);
    expect(fast).toEqual([
      {
        name: 'a&b',
        arch: 'x86_64',
        epoch: '2',
        ver: '1.0',
        rel: '3.fc41',
        build: 1700000000,
        summary: 'Tools <fast> é',
        sourcerpm: 'a&b-1.0-3.fc41.src.rpm',
      },
      { name: 'c', arch: 'noarch', epoch: '0', ver: '2', rel: '1', build: 0 },
    ]);
    expect(fast).toEqual(primarySummariesOf(parseXml(doc, 'primary.xml')));
  });

  it('leaves other layouts to the strict reader', () => {
    const one = oursPrimary;
    expect(readPrimarySummariesFast(one.replace(/packages="\d+"/, 'packages="999999"'))).toBeUndefined();
    expect(readPrimarySummariesFast(one.replace('<summary>', '<summary><![CDATA[x]]>'))).toBeUndefined();
    expect(readPrimarySummariesFast(one.replace(/<version epoch="(\d+)" ver=/, '<version ver="1" epoch="$1" x='))).toBeUndefined();
  });
});
