/**
 * Golden test of the native RPM reader against rpm itself: for every package of the corpus,
 * every tag yum metadata needs must equal what `rpm -qp --xml` dumps.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { readRpm } from '../../src/formats/rpm/package.js';
import { parseXml } from '../../src/repo/yum/xml-read.js';
import { corpusRpms } from '../repo/yum/corpus.js';

type Tags = Map<string, string[]>;
let files: string[] = [];
const dumps = new Map<string, Tags>();

beforeAll(() => {
  files = corpusRpms();
  // One rpm process for the whole corpus: it prints one <rpmHeader> per file, in argv order.
  const out = execFileSync('rpm', ['-qp', '--xml', ...files], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const doc = parseXml(`<all>${out.replace(/<\?xml[^>]*\?>/g, '')}</all>`, 'rpm --xml');
  doc.children.forEach((h, i) => {
    const tags: Tags = new Map();
    for (const t of h.children)
      tags.set(
        t.attrs.name!,
        t.children.map((v) => v.text),
      );
    dumps.set(files[i]!, tags);
  });
});

const num = (t: Tags, name: string) => (t.get(name) ?? []).map(Number);
const str = (t: Tags, name: string) => t.get(name) ?? [];
const one = (t: Tags, name: string) => str(t, name)[0] ?? '';

describe('readRpm vs rpm -qp --xml', () => {
  it('has a corpus of at least 300 packages, all dumped by rpm', () => {
    expect(files.length).toBeGreaterThanOrEqual(300);
    expect(dumps.size).toBe(files.length);
  });

  it('reads every scalar tag as rpm does', () => {
    for (const f of files) {
      const t = dumps.get(f)!;
      const p = readRpm(readFileSync(f), f);
      const got = {
        name: p.name,
        arch: p.arch,
        version: p.version,
        release: p.release,
        epoch: p.epoch,
        summary: p.summary,
        description: p.description,
        packager: p.packager,
        url: p.url,
        license: p.license,
        vendor: p.vendor,
        group: p.group,
        buildHost: p.buildHost,
        sourceRpm: p.sourceRpm,
        buildTime: p.buildTime,
        installedSize: p.installedSize,
        archiveSize: p.archiveSize,
      };
      const want = {
        name: one(t, 'Name'),
        arch: one(t, 'Arch'),
        version: one(t, 'Version'),
        release: one(t, 'Release'),
        epoch: t.has('Epoch') ? num(t, 'Epoch')[0] : undefined,
        summary: one(t, 'Summary'),
        description: one(t, 'Description'),
        packager: one(t, 'Packager'),
        url: one(t, 'Url'),
        license: one(t, 'License'),
        vendor: one(t, 'Vendor'),
        group: one(t, 'Group'),
        buildHost: one(t, 'Buildhost'),
        sourceRpm: one(t, 'Sourcerpm'),
        buildTime: num(t, 'Buildtime')[0],
        installedSize: num(t, 'Size')[0],
        archiveSize: num(t, 'Archivesize')[0] ?? num(t, 'Longarchivesize')[0],
      };
      expect(got, basename(f)).toEqual(want);
    }
  });

  it('reads every dependency list with flags and versions', () => {
    const kinds = [
      ['provides', 'Provide'],
      ['requires', 'Require'],
      ['conflicts', 'Conflict'],
      ['obsoletes', 'Obsolete'],
      ['recommends', 'Recommend'],
      ['suggests', 'Suggest'],
      ['supplements', 'Supplement'],
      ['enhances', 'Enhance'],
    ] as const;
    let seen = 0;
    for (const f of files) {
      const t = dumps.get(f)!;
      const p = readRpm(readFileSync(f), f);
      for (const [field, tag] of kinds) {
        const names = str(t, `${tag}name`);
        const flags = num(t, `${tag}flags`);
        const versions = str(t, `${tag}version`);
        expect(p[field], `${basename(f)} ${field}`).toEqual(names.map((name, i) => ({ name, flags: flags[i], version: versions[i] })));
        seen += names.length;
      }
    }
    expect(seen).toBeGreaterThan(files.length * 5);
  });

  it('reads files with their types, and changelogs', () => {
    const types = new Set<string>();
    for (const f of files) {
      const t = dumps.get(f)!;
      const p = readRpm(readFileSync(f), f);
      const dirs = str(t, 'Dirnames');
      const idx = num(t, 'Dirindexes');
      expect(
        p.files.map((x) => x.path),
        basename(f),
      ).toEqual(str(t, 'Basenames').map((b, i) => `${dirs[idx[i]!]}${b}`));
      expect(p.files.map((x) => x.mode)).toEqual(num(t, 'Filemodes'));
      expect(p.files.map((x) => x.flags)).toEqual(num(t, 'Fileflags'));
      for (const x of p.files) types.add(x.type);
      const times = num(t, 'Changelogtime');
      const names = str(t, 'Changelogname');
      const texts = str(t, 'Changelogtext');
      expect(p.changelogs).toEqual(times.map((time, i) => ({ time, author: names[i], text: texts[i] })));
    }
    expect([...types].sort()).toEqual(['dir', 'file', 'ghost']);
  });

  it('refuses non-RPM and truncated input with a typed error naming the file', () => {
    const good = readFileSync(files[0]!);
    expect(() => readRpm(Buffer.from('not an rpm at all'.repeat(10)), 'x.rpm')).toThrow(PkgtrackError);
    try {
      readRpm(good.subarray(0, 200), 'cut.rpm');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PkgtrackError);
      expect((e as PkgtrackError).code).toBe('RPM_MALFORMED');
      expect((e as PkgtrackError).details.file).toBe('cut.rpm');
    }
  });
});

describe('readRpm on damaged input', () => {
  it('every truncation and random byte damage gives a result or a typed PkgtrackError, never a crash', () => {
    const good = readFileSync(files[5]!);
    const { layout } = readRpm(good);
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const cases: Buffer[] = [];
    for (let cut = 0; cut < layout.headerEnd + 16; cut += 37) cases.push(good.subarray(0, cut));
    for (let i = 0; i < 400; i++) {
      const bad = Buffer.from(good);
      const at = 96 + (rnd() % (layout.headerEnd - 96));
      for (let k = 0; k < 1 + (rnd() % 4); k++) bad[at + k] = rnd() & 0xff;
      cases.push(bad);
    }
    let refused = 0;
    for (const c of cases) {
      try {
        readRpm(c, 'damaged.rpm');
      } catch (e) {
        if (!(e instanceof PkgtrackError)) throw e;
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(10);
  });
});
