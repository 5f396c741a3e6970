/**
 * Contents indices, pure parts: a .deb's file list against the tree dpkg-deb packed (every
 * compression, GNU long names and long link targets, hard links, spaces, UTF-8), and the
 * index's path order against `LC_ALL=C sort`.
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAr } from '../../src/formats/ar.js';
import { decompress } from '../../src/formats/compress.js';
import {
  bytewise,
  type ContentsOwner,
  contentsLocation,
  debDataFiles,
  parseContents,
  renderContents,
  spliceable,
  spliceContents,
  tarDataFiles,
} from '../../src/formats/deb-contents.js';
import { readCheckedDeb } from '../../src/formats/deb-control.js';
import { readTar, TarNameLister } from '../../src/formats/tar.js';
import { seededRandom as random } from '../helpers/random.js';

const work = mkdtempSync(join(tmpdir(), 'pkgtrack-contents-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every non-directory below `root` except DEBIAN/, as paths relative to it. */
function treeFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return relative(root, p) === 'DEBIAN' ? [] : treeFiles(root, p);
    return [relative(root, p)];
  });
}

function buildTree(name: string): string {
  const root = join(work, name);
  const deep = join(root, 'usr/share', 'a-rather-long-directory-name-'.repeat(4), 'nested');
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(deep, { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  mkdirSync(join(root, 'usr/share/doc/t/empty-dir'), { recursive: true });
  writeFileSync(join(root, 'DEBIAN/control'), 'Package: t\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: t\n');
  writeFileSync(join(deep, `${'long-file-name-'.repeat(8)}.txt`), 'x\n');
  writeFileSync(join(root, 'usr/bin/tool'), '#!/bin/sh\n');
  linkSync(join(root, 'usr/bin/tool'), join(root, 'usr/bin/tool-hardlink'));
  symlinkSync(
    `../share/${'a-rather-long-directory-name-'.repeat(4)}/nested/${'long-file-name-'.repeat(8)}.txt`,
    join(root, 'usr/bin/long-link'),
  );
  writeFileSync(join(root, 'usr/share/doc/t/with space.txt'), 'x\n');
  writeFileSync(join(root, 'usr/share/doc/t/naïve-é.txt'), 'x\n');
  return root;
}

describe('debDataFiles', () => {
  const root = buildTree('tree');
  const expected = treeFiles(root).sort();
  for (const comp of ['gzip', 'xz', 'zstd', 'none']) {
    it(`lists every non-directory dpkg-deb packed (data.tar ${comp})`, async () => {
      const deb = join(work, `t-${comp}.deb`);
      execFileSync('dpkg-deb', [`-Z${comp}`, '--root-owner-group', '-b', root, deb], { stdio: 'ignore' });
      expect((await debDataFiles(readFileSync(deb), deb)).sort()).toEqual(expected);
    });
  }

  it('lists the data tar the publish check already inflated (gzip, none) as it lists the package', async () => {
    for (const comp of ['gzip', 'xz', 'zstd', 'none']) {
      const deb = join(work, `checked-${comp}.deb`);
      execFileSync('dpkg-deb', [`-Z${comp}`, '--root-owner-group', '-b', root, deb], { stdio: 'ignore' });
      const bytes = readFileSync(deb);
      const { dataTar } = await readCheckedDeb(bytes, deb);
      expect(dataTar !== undefined, comp).toBe(comp === 'gzip' || comp === 'none');
      if (dataTar) expect(tarDataFiles(dataTar.tar, `${deb}:${dataTar.member}`)).toEqual(await debDataFiles(bytes, deb));
    }
  });

  it('refuses a package without data.tar, naming it', async () => {
    const deb = join(work, 'no-data.deb');
    writeFileSync(join(work, 'debian-binary'), '2.0\n');
    execFileSync('ar', ['rc', deb, join(work, 'debian-binary')]);
    await expect(debDataFiles(readFileSync(deb), deb)).rejects.toThrow(/no-data\.deb has no data\.tar/);
  });
});

describe('TarNameLister', () => {
  const root = buildTree('stream-tree');
  const deb = join(work, 'stream.deb');
  execFileSync('dpkg-deb', ['-Znone', '--root-owner-group', '-b', root, deb], { stdio: 'ignore' });
  const tar = readAr(readFileSync(deb)).find((m) => m.name.startsWith('data.tar'))!.data;
  const whole = readTar(tar).map((e) => ({ name: e.name, type: e.type }));

  for (const piece of [1, 7, 511, 512, 513, 4096]) {
    it(`reads what readTar reads, fed ${piece}-byte pieces`, () => {
      const lister = new TarNameLister('stream');
      for (let i = 0; i < tar.length; i += piece) lister.push(tar.subarray(i, i + piece));
      expect(lister.end()).toEqual(whole);
    });
  }

  it('refuses a stream cut inside an entry, and a damaged header with its byte offset', () => {
    const cut = new TarNameLister('cut.tar');
    cut.push(tar.subarray(0, 700));
    expect(() => cut.end()).toThrow(/cut\.tar: tar archive is truncated/);
    const bad = Uint8Array.from(tar);
    bad[512 * 2 + 10] = bad[512 * 2 + 10]! ^ 0xff; // the third block: a header (the first entries are directories)
    expect(() => new TarNameLister('bad.tar').push(bad)).toThrow(/bad\.tar: tar header checksum mismatch at byte 1024/);
  });

  it('lists a package with a 256 MiB file without holding it (streamed, gzip)', async () => {
    const big = join(work, 'big');
    mkdirSync(join(big, 'DEBIAN'), { recursive: true });
    mkdirSync(join(big, 'usr/share/big'), { recursive: true });
    writeFileSync(
      join(big, 'DEBIAN/control'),
      'Package: big\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: b\n',
    );
    writeFileSync(join(big, 'usr/share/big/zeros'), Buffer.alloc(256 << 20));
    const bigDeb = join(work, 'big.deb');
    execFileSync('dpkg-deb', ['-Zgzip', '-z1', '--root-owner-group', '-b', big, bigDeb], { stdio: 'ignore' });
    rmSync(big, { recursive: true, force: true });
    const bytes = readFileSync(bigDeb);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers)), 1);
    try {
      expect(await debDataFiles(bytes, bigDeb)).toEqual(['usr/share/big/zeros']);
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    // Freed chunks count until V8 collects them, and V8 only forces a collection once about
    // 64 MiB of external memory is pending (measured peaks: 64.0-64.1 MiB), so the bound is half
    // the file: still far below the 256 MiB any whole-buffer path must hold.
    expect(peak - before).toBeLessThan(128 << 20);
    // The whole-buffer path really would need the 256 MiB.
    const data = readAr(bytes).find((m) => m.name.startsWith('data.tar'))!;
    expect(decompress(data.data, 'gz', 'big', 512 << 20).length).toBeGreaterThan(256 << 20);
  });
});

describe('renderContents', () => {
  it('orders paths as LC_ALL=C sort does (UTF-8 bytes, not UTF-16 units)', () => {
    const paths = ['usr/b', 'usr/B', 'usr/é', 'usr/e', 'usr/\u{1F600}', 'usr/\uE000', 'usr/a b', 'usr/a', 'usr/a/b', 'usr/a-b'];
    const sorted = execFileSync('sort', { input: `${paths.join('\n')}\n`, env: { ...process.env, LC_ALL: 'C' } })
      .toString()
      .trimEnd()
      .split('\n');
    expect([...paths].sort(bytewise)).toEqual(sorted);
    const text = renderContents([{ location: 'misc/t', files: paths }]);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/\s+misc\/t$/, '')),
    ).toEqual(sorted);
  });

  it('orders paths as LC_ALL=C sort does without such characters too, and aligns locations at column 60', () => {
    const paths = ['usr/b', 'usr/B', 'usr/é', 'usr/\u00ff', 'usr/\u0100x', 'usr/e', 'usr/a b', 'usr/a', 'usr/a-b', `usr/${'l'.repeat(55)}`];
    paths.push(`usr/${'m'.repeat(56)}`, `usr/${'n'.repeat(57)}`);
    const sorted = execFileSync('sort', { input: `${paths.join('\n')}\n`, env: { ...process.env, LC_ALL: 'C' } })
      .toString()
      .trimEnd()
      .split('\n');
    const lines = renderContents([{ location: 'misc/t', files: paths }])
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => l.replace(/\s+misc\/t$/, ''))).toEqual(sorted);
    // 59 characters: one blank; 60 and 61: still one (a path never touches its location).
    expect(lines.find((l) => l.startsWith('usr/lll'))).toBe(`usr/${'l'.repeat(55)} misc/t`);
    expect(lines.find((l) => l.startsWith('usr/mmm'))).toBe(`usr/${'m'.repeat(56)} misc/t`);
    expect(lines.find((l) => l.startsWith('usr/nnn'))).toBe(`usr/${'n'.repeat(57)} misc/t`);
    expect(lines.find((l) => l.startsWith('usr/a b'))).toBe(`usr/a b${' '.repeat(53)}misc/t`);
  });

  it('names a package once per path however often it lists it, and sorts the owners of a shared path', () => {
    const text = renderContents([
      { location: 'z/p', files: ['usr/x', 'usr/x'] },
      { location: 'a/q', files: ['usr/x'] },
      { location: 'm/r', files: ['usr/x'] },
      { location: 'a/q', files: ['usr/x'] },
    ]);
    expect(text).toBe(`usr/x${' '.repeat(55)}a/q,m/r,z/p\n`);
  });

  it('joins the packages sharing a path, and reads back', () => {
    const text = renderContents([
      { location: contentsLocation('b', 'utils'), files: ['usr/bin/x', 'usr/bin/y z'] },
      { location: contentsLocation('a'), files: ['usr/bin/x'] },
    ]);
    expect(text).toMatch(/^usr\/bin\/x {2,}a,utils\/b\n/m);
    expect(parseContents(text)).toEqual(
      new Map([
        ['usr/bin/x', ['a', 'utils/b']],
        ['usr/bin/y z', ['utils/b']],
      ]),
    );
  });
});

/** `edits` say exactly where `after` differs from `before`: what lies between them is the same bytes. */
function expectEdits(before: Uint8Array, after: Uint8Array, edits: ReadonlyArray<{ at: number; removed: number; added: number }>) {
  let delta = 0;
  let from = 0; // in `before`
  for (const e of edits) {
    expect(e.at).toBeGreaterThanOrEqual(from);
    expect(Buffer.from(after.subarray(from + delta, e.at + delta)).equals(before.subarray(from, e.at))).toBe(true);
    from = e.at + e.removed;
    delta += e.added - e.removed;
  }
  expect(Buffer.from(after.subarray(from + delta)).equals(before.subarray(from))).toBe(true);
  expect(after.length).toBe(before.length + delta);
}

describe('spliceContents', () => {
  // Paths that share directories and owners, of every length around column 60, with blanks
  // inside, and characters either side of where UTF-8 and Latin-1 order agree.
  const universe = [
    ...Array.from({ length: 40 }, (_, i) => `usr/share/doc/p${i % 7}/file-${i}`),
    ...Array.from({ length: 12 }, (_, i) => `usr/lib/${'x'.repeat(48 + i)}`),
    'usr/bin/a b',
    'usr/bin/a',
    'usr/bin/a-b',
    'usr/bin/é',
    'usr/bin/\u00ff',
    'usr/bin/\u0100x',
    'usr/bin/B',
    'usr/bin/\u{1F600}',
    'usr/bin/\uE000',
    'aaa-first',
    'zzz-last',
  ];
  const pick = (rnd: () => number) => universe.filter(() => rnd() < 0.15);

  it('writes what renderContents writes for the new set, step after step (added, removed, replaced, shared paths)', () => {
    const rnd = random(23);
    let set = new Map<string, ContentsOwner>();
    let next = 0;
    const newOwner = (location = `${rnd() < 0.5 ? 'utils' : 'misc'}/p${next++}`) => ({ location, files: pick(rnd) });
    for (let i = 0; i < 8; i++) {
      const o = newOwner();
      set.set(o.location, o);
    }
    let text: Buffer = Buffer.from(renderContents(set.values()));
    for (let step = 0; step < 300; step++) {
      const removed: ContentsOwner[] = [];
      const added: ContentsOwner[] = [];
      const after = new Map(set);
      for (const o of set.values()) {
        const r = rnd();
        if (r < 0.08) {
          removed.push(o);
          after.delete(o.location);
        } else if (r < 0.14) {
          // Another version of the same package: same location, other files.
          const again = newOwner(o.location);
          removed.push(o);
          added.push(again);
          after.set(o.location, again);
        }
      }
      for (let k = Math.floor(rnd() * 3); k > 0; k--) {
        const o = newOwner();
        added.push(o);
        after.set(o.location, o);
      }
      const spliced = spliceContents(text, removed, added);
      expect(spliced.text.toString(), `step ${step}`).toBe(renderContents(after.values()));
      expectEdits(text, spliced.text, spliced.edits);
      text = spliced.text;
      set = after;
    }
  });

  it('empties the text when the last package leaves, and starts one from nothing', () => {
    const only = { location: 'misc/only', files: ['usr/a', 'usr/b'] };
    const text = Buffer.from(renderContents([only]));
    expect(spliceContents(text, [only], []).text.toString()).toBe('');
    expect(spliceContents(text, [only], []).edits).toEqual([{ at: 0, removed: text.length, added: 0 }]);
    expect(spliceContents(Buffer.alloc(0), [], [only]).text.toString()).toBe(renderContents([only]));
  });

  it('keeps a path another package still ships, and drops the line its last owner leaves', () => {
    const a = { location: 'misc/a', files: ['usr/shared', 'usr/only-a'] };
    const b = { location: 'misc/b', files: ['usr/shared'] };
    expect(spliceContents(Buffer.from(renderContents([a, b])), [a], []).text.toString()).toBe(renderContents([b]));
  });

  it('says which packages it can find again in the text', () => {
    expect(spliceable({ location: 'misc/a', files: ['usr/a b', 'usr/é', 'usr/\u{1F600}', `usr/${'l'.repeat(70)}`] })).toBe(true);
    expect(spliceable({ location: 'misc/a', files: ['usr/trailing '] })).toBe(false);
    expect(spliceable({ location: 'misc/a', files: ['usr/new\nline'] })).toBe(false);
    expect(spliceable({ location: 'misc/a b', files: ['usr/a'] })).toBe(false);
    expect(spliceable({ location: 'misc/a,b', files: ['usr/a'] })).toBe(false);
  });
});
