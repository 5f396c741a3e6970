/**
 * Mutation fuzzing of the readers that take untrusted .deb bytes, .dsc files and apt index text:
 * real packages (dpkg-deb, every member compression), a real .dsc (dpkg-source), real tar
 * streams (tar, pax and GNU formats) and the indexes pkgtrack writes for them (Packages, Release,
 * a segmented .gz, a multi-block .xz, Contents), with bytes flipped, set, cut, duplicated or
 * removed, ar and tar size fields rewritten (tar checksums recomputed so the damage reaches the
 * readers), pax and GNU long-name records inserted, compressed members corrupted, and lines of
 * text duplicated, dropped, folded or filled with signature armour. Every outcome must be a
 * result or a PkgtrackError with a code, within 2 s: never a raw TypeError/RangeError, a hang or
 * an unbounded allocation. Then each bug such a campaign found, minimized.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAr, writeAr } from '../../src/formats/ar.js';
import { type Compression, compressionOf, decompress, decompressChunks } from '../../src/formats/compress.js';
import { checkDebData, debMembers } from '../../src/formats/deb-archive.js';
import { debDataFiles, parseContents, renderContents, tarDataFiles } from '../../src/formats/deb-contents.js';
import { cleartextBody, packagesStanza, parseDsc, readCheckedDeb, readDebControl } from '../../src/formats/deb-control.js';
import { parseDeb822, parseSingleStanza, writeStanzas } from '../../src/formats/deb822.js';
import { gzipSegments } from '../../src/formats/gzip-segments.js';
import { readTar, tarHasFile, writeTar } from '../../src/formats/tar.js';
import { xzBlocks } from '../../src/formats/xz-blocks.js';
import { gzipIndex } from '../../src/repo/apt/compress.js';
import { parseRelease, renderRelease } from '../../src/repo/apt/release.js';
import { readPackages } from '../../src/repo/apt/suite-contents.js';
import { tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { byteMutation as mutate } from '../helpers/mutate.js';
import { badOutcome, failuresOf, SLOW_MS, thrownPkgtrackError as thrown } from '../helpers/outcome.js';
import { randomInt as int, randomPick as pick, type Rnd, seededRandom } from '../helpers/random.js';

const SEED = 0xdeb_2024;

let work: string;
const debs: Uint8Array[] = [];
const tars: Uint8Array[] = [];
const members: Array<{ kind: Compression; bytes: Uint8Array }> = [];
const texts: Record<'dsc' | 'packages' | 'release' | 'inrelease' | 'contents', string[]> = {
  dsc: [],
  packages: [],
  release: [],
  inrelease: [],
  contents: [],
};
const indexes: Record<'gz' | 'xz', Uint8Array[]> = { gz: [], xz: [] };

/** A cleartext-signed form of `text`, as debsign and apt's InRelease write it (the signature is not checked by these readers). */
const clearsigned = (text: string) =>
  `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${text.replace(/^-/gm, '- -')}-----BEGIN PGP SIGNATURE-----\n\niHUEARYKAB0WIQ=\n=abcd\n-----END PGP SIGNATURE-----\n`;

beforeAll(async () => {
  work = tempDir('pkgtrack-fuzz-deb-');
  const long = `usr/share/${'a'.repeat(90)}/${'b'.repeat(40)}`; // over 100 bytes: a GNU long-name record
  for (const z of ['xz', 'gzip', 'zstd', 'none']) {
    const root = join(work, `root-${z}`);
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, long), { recursive: true });
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(
      join(root, 'DEBIAN/control'),
      `Package: fz-${z}\nVersion: 1:2.0~rc1-3\nArchitecture: all\nMaintainer: Fuzz <fuzz@example.org>\nInstalled-Size: 12\nSection: misc\nDepends: libc6 (>= 2.36), foo | bar\nDescription: fuzz seed\n with a long description\n .\n and a second paragraph.\n`,
    );
    writeFileSync(join(root, 'DEBIAN/postinst'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(root, long, 'file'), 'hello\n'.repeat(50));
    symlinkSync(`../share/${'a'.repeat(90)}`, join(root, 'usr/bin/link'));
    const out = join(work, `fz-${z}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${z}`, '-b', root, out], {
      stdio: 'ignore',
      env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
    });
    debs.push(new Uint8Array(readFileSync(out)));
  }
  for (const format of ['pax', 'gnu']) {
    const out = join(work, `${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-C', join(work, 'root-xz'), '-cf', out, '.']);
    tars.push(new Uint8Array(readFileSync(out)));
  }
  for (const deb of debs) {
    for (const m of readAr(deb).slice(1)) {
      const kind = compressionOf(m.name)!;
      members.push({ kind, bytes: m.data });
      tars.push(decompress(m.data, kind));
    }
  }

  const src = join(work, 'fz-1.0');
  mkdirSync(join(src, 'debian/source'), { recursive: true });
  writeFileSync(
    join(src, 'debian/control'),
    'Source: fz\nMaintainer: Fuzz <fuzz@example.org>\nBuild-Depends: debhelper-compat (= 13)\nStandards-Version: 4.6.2\n\nPackage: fz\nArchitecture: all\nDescription: fuzz\n seed\n',
  );
  writeFileSync(
    join(src, 'debian/changelog'),
    'fz (1.0) unstable; urgency=medium\n\n  * seed\n\n -- Fuzz <fuzz@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n',
  );
  writeFileSync(join(src, 'debian/source/format'), '3.0 (native)\n');
  writeFileSync(join(src, 'README'), 'hi\n');
  execFileSync('dpkg-source', ['-b', 'fz-1.0'], { cwd: work, stdio: 'ignore' });
  const dsc = readFileSync(join(work, 'fz_1.0.dsc'), 'utf8');
  texts.dsc.push(dsc, clearsigned(dsc));

  const packages = writeStanzas(
    debs.map((d, i) =>
      packagesStanza(readDebControl(d, `fz${i}.deb`).control, {
        filename: `pool/main/f/fz/fz${i}.deb`,
        size: d.length,
        hashes: { SHA256: 'ab'.repeat(32) },
      }),
    ),
  );
  texts.packages.push(packages);
  const release = renderRelease({
    origin: 'fuzz',
    label: 'fuzz',
    suite: 'stable',
    codename: 'bookworm',
    notAutomatic: false,
    butAutomaticUpgrades: false,
    date: new Date(1_700_000_000_000),
    validUntil: new Date(1_800_000_000_000),
    architectures: ['amd64', 'all'],
    components: ['main'],
    signedBy: ['0123456789ABCDEF0123456789ABCDEF01234567'],
    files: ['Packages', 'Packages.gz', 'Packages.xz', 'Contents-amd64.gz'].map((p, i) => ({
      path: `main/binary-amd64/${p}`,
      size: 100 * i,
      sha256: `${i}`.repeat(64),
    })),
  });
  texts.release.push(release);
  texts.inrelease.push(clearsigned(release));
  const text = Buffer.from(packages.repeat(20));
  indexes.gz.push(await gzipIndex(text), gzipSync(text));
  indexes.xz.push(new Uint8Array(execFileSync('xz', ['-c', '--check=crc64', '--block-size=4096'], { input: text })));
  texts.contents.push(
    renderContents(await Promise.all(debs.map(async (d, i) => ({ location: `misc/fz${i}`, files: await debDataFiles(d) })))),
  );
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- mutations

const byteMutation = (rnd: Rnd, src: Uint8Array) => mutate(rnd, src, { edits: 4, range: 2048, insert: 16, special: SPECIAL });
const SPECIAL = [0x00, 0xff, 0x0a, 0x20, 0x2d, 0x30, 0x37, 0x80];
const BAD_NUMBERS = ['9999999999', '-1', '-512', 'abc', '1e5', '0x10', ' ', '', '4294967296', '99999999999', '1 2', '+5', '12.5'];

/** Offsets of the ar member headers of `b`. */
function arHeaders(b: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 8; pos + 60 <= b.length; ) {
    out.push(pos);
    const size = Number(b.toString('latin1', pos + 48, pos + 58).trim());
    if (!Number.isInteger(size)) break;
    pos += 60 + size + (size % 2);
  }
  return out;
}

function arMutation(rnd: Rnd, src: Uint8Array): Uint8Array {
  const b = Buffer.from(src);
  const at = pick(rnd, arHeaders(b).length ? arHeaders(b) : [8]);
  if (at + 60 > b.length) return byteMutation(rnd, src);
  switch (int(rnd, 3)) {
    case 0:
      b.write(pick(rnd, BAD_NUMBERS).padEnd(10).slice(0, 10), at + 48, 'latin1');
      break;
    case 1: {
      const size = Number(b.toString('latin1', at + 48, at + 58).trim()) + pick(rnd, [-2, -1, 1, 2, 60, 512, 1 << 20]);
      b.write(String(Math.max(0, size)).padEnd(10).slice(0, 10), at + 48, 'latin1');
      break;
    }
    default:
      b.write(
        pick(rnd, ['debian-binary/  ', 'control.tar.gz/ ', 'data.tar.xz/    ', 'data.tar/       ', '_extra/         ', '/               ']),
        at,
        'latin1',
      );
  }
  return b;
}

const BLOCK = 512;

function fixChecksum(b: Buffer, at: number): void {
  let sum = 8 * 32;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += b[at + i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
}

/** A tar header block of `type` with `data`, padded to whole blocks. */
function record(type: string, data: string | Uint8Array, name = 'PaxHeaders/x'): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const t = Buffer.from(writeTar([{ name, type: '0', data: bytes }]));
  t[156] = type.charCodeAt(0);
  fixChecksum(t, 0);
  return t.subarray(0, BLOCK + Math.ceil(bytes.length / BLOCK) * BLOCK);
}

/** One pax record, its length prefix counting itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let n = body.length + 1;
  while (String(n).length + body.length !== n) n = String(n).length + body.length;
  return `${n}${body}`;
}

/** Offsets of the tar headers of `b` (as far as its sizes can be read). */
function tarHeaders(b: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + BLOCK <= b.length; ) {
    if (b.subarray(pos, pos + BLOCK).every((x) => x === 0)) break;
    out.push(pos);
    const size = Number.parseInt(
      b
        .toString('latin1', pos + 124, pos + 136)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (!Number.isInteger(size)) break;
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}

function tarMutation(rnd: Rnd, src: Uint8Array): Uint8Array {
  let b = Buffer.from(src);
  const headers = tarHeaders(b);
  if (!headers.length) return byteMutation(rnd, b);
  const at = pick(rnd, headers);
  let fix = rnd() < 0.85;
  switch (int(rnd, 8)) {
    case 0:
      b.write(
        pick(rnd, [...BAD_NUMBERS, '77777777777'])
          .padEnd(12, '\0')
          .slice(0, 12),
        at + 124,
        'latin1',
      );
      break;
    case 1: // GNU base-256
      b[at + 124] = pick(rnd, [0x80, 0xff]);
      for (let i = 125; i < 136; i++) b[at + i] = rnd() < 0.7 ? 0 : int(rnd, 256);
      break;
    case 2:
      b[at + 156] = pick(
        rnd,
        [...'LxgK5120S'].map((c) => c.charCodeAt(0)),
      );
      break;
    case 3: {
      const key = pick(rnd, ['size', 'size', 'path', 'linkpath']);
      const value =
        rnd() < 0.7
          ? pick(rnd, ['-1', '-512', '-1024', 'abc', '1e9', '1.5', '', '512', '0', '99999999999999999999'])
          : 'x'.repeat(int(rnd, 300));
      b = Buffer.concat([b.subarray(0, at), record(pick(rnd, ['x', 'x', 'g']), paxRecord(key, value)), b.subarray(at)]);
      fix = false;
      break;
    }
    case 4:
      b = Buffer.concat([
        b.subarray(0, at),
        record(pick(rnd, ['L', 'K']), rnd() < 0.5 ? './control' : 'y'.repeat(int(rnd, 3000)), '././@LongLink'),
        b.subarray(at),
      ]);
      fix = false;
      break;
    case 5:
      b.write('ustar\x0000', at + 257, 'latin1');
      b.write(pick(rnd, ['.', '..', '/', 'a'.repeat(155), './DEBIAN']), at + 345, 'latin1');
      break;
    case 6:
      b.write(pick(rnd, ['./control', 'control', '', '.', '../control', '/control', './control/']).padEnd(100, '\0'), at, 'latin1');
      break;
    default:
      b = Buffer.from(byteMutation(rnd, b));
  }
  if (fix && at + BLOCK <= b.length) fixChecksum(b, at);
  return b;
}

function recompress(kind: Compression, tar: Uint8Array): Uint8Array {
  if (kind === 'gz') return gzipSync(tar);
  if (kind === 'zst') return zstdCompressSync(tar);
  if (kind === 'none') return tar;
  return execFileSync('xz', ['-c', '-0'], { input: tar });
}

/** A .deb rebuilt (sizes right) after `f` changed its members. */
function rebuilt(deb: Uint8Array, f: (ms: Array<{ name: string; data: Uint8Array }>) => void): Uint8Array {
  const ms = readAr(deb).map((m) => ({ name: m.name, data: m.data }));
  f(ms);
  return writeAr(ms);
}

function debMutation(rnd: Rnd, deb: Uint8Array): Uint8Array {
  switch (int(rnd, 5)) {
    case 0:
      return byteMutation(rnd, deb);
    case 1:
      return arMutation(rnd, deb);
    case 2: // a damaged tar inside, compressed again (xz only now and then: it takes a process)
      return rebuilt(deb, (ms) => {
        const prefix = rnd() < 0.75 ? 'control.tar' : 'data.tar';
        const m = ms.find((x) => x.name.startsWith(prefix))!;
        const kind = compressionOf(m.name)!;
        let tar = decompress(m.data, kind);
        for (let r = 1 + int(rnd, 3); r > 0; r--) tar = tarMutation(rnd, tar);
        const to = kind === 'xz' && rnd() < 0.8 ? pick(rnd, ['gz', 'zst', 'none'] as const) : kind;
        m.name = m.name.replace(/\.tar.*$/, to === 'none' ? '.tar' : `.tar.${to}`);
        m.data = recompress(to, tar);
      });
    case 3: // a damaged compressed member
      return rebuilt(deb, (ms) => {
        const m = ms[1 + int(rnd, ms.length - 1)]!;
        m.data = byteMutation(rnd, m.data);
      });
    default: // members reordered, repeated, dropped
      return rebuilt(deb, (ms) => {
        const i = int(rnd, ms.length);
        const j = int(rnd, ms.length);
        const r = int(rnd, 4);
        if (r === 0) [ms[i], ms[j]] = [ms[j]!, ms[i]!];
        else if (r === 1) ms.splice(i, 0, { name: pick(rnd, ['_extra', 'control.tar.gz', 'data.tar', 'junk']), data: ms[j]!.data });
        else if (r === 2) ms.splice(i, 1);
        else ms[0]!.data = Buffer.from(pick(rnd, ['2.0\n', '3.0\n', '', '\n2.0']));
      });
  }
}

function textMutation(rnd: Rnd, text: string): string {
  const lines = text.split('\n');
  for (let k = 1 + int(rnd, 3); k > 0; k--) {
    const i = int(rnd, lines.length);
    const line = lines[i] ?? '';
    switch (int(rnd, 9)) {
      case 0:
        lines.splice(i, 0, pick(rnd, lines));
        break;
      case 1:
        lines.splice(i, 1 + int(rnd, 5));
        break;
      case 2:
        lines.splice(i, 0, '');
        break;
      case 3:
        lines[i] = pick(rnd, [`${line}\r`, ` ${line}`, line.replace(':', ''), line.repeat(1 + int(rnd, 40))]);
        break;
      case 4:
        lines[i] = `${line}${pick(rnd, ['\u0000', '\ufffd', '\ud800', '\t', ' -', '-----BEGIN PGP SIGNATURE-----'])}`;
        break;
      case 5:
        lines.splice(
          i,
          0,
          pick(rnd, [
            '-----BEGIN PGP SIGNED MESSAGE-----',
            '-----BEGIN PGP SIGNATURE-----',
            'Hash: SHA256',
            '- -x',
            ' .',
            ' ',
            '#c',
            ':',
            'A:',
            'Files:',
            'SHA256:',
            ` ${'f'.repeat(64)} 99999999999999999999 x`,
            ` ${'f'.repeat(64)} 12 ../x`,
          ]),
        );
        break;
      case 6:
        lines[i] = line.replace(/\d+/, pick(rnd, BAD_NUMBERS));
        break;
      default: {
        const b = byteMutation(rnd, Buffer.from(line, 'latin1'));
        lines[i] = Buffer.from(b).toString(rnd() < 0.5 ? 'latin1' : 'utf8');
      }
    }
  }
  return lines.join(rnd() < 0.05 ? '\r\n' : '\n');
}

// ---------------------------------------------------------------- outcomes

const src = 'mutated.deb';

describe('mutated .debs, tar streams, .dsc and apt indexes: a result or a coded PkgtrackError, in time', () => {
  it(`.deb readers, 500 mutations (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const failures: string[] = [];
    for (let step = 0; step < 500; step++) {
      const b = debMutation(rnd, pick(rnd, debs));
      failures.push(
        ...(await failuresOf(step, [
          badOutcome('readAr', () => readAr(b, src)),
          badOutcome('debMembers', () => debMembers(b, src)),
          badOutcome('readDebControl', () => readDebControl(b, src)),
          badOutcome('checkDebData', () => checkDebData(b, src)),
          badOutcome('debDataFiles', () => debDataFiles(b, src)),
          badOutcome('readCheckedDeb', () => readCheckedDeb(b, src)),
        ])),
      );
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`tar readers and decompressors, 1000 mutations (seed ${SEED + 1})`, async () => {
    const rnd = seededRandom(SEED + 1);
    const failures: string[] = [];
    for (let step = 0; step < 1000; step++) {
      if (step % 2 === 0) {
        let t = pick(rnd, tars);
        for (let r = 1 + int(rnd, 3); r > 0; r--) t = rnd() < 0.7 ? tarMutation(rnd, t) : byteMutation(rnd, t);
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('readTar', () => readTar(t, 'mutated.tar')),
            badOutcome('tarHasFile', () => tarHasFile(t, 'control')),
            badOutcome('tarDataFiles', () => tarDataFiles(t, 'mutated.tar')),
          ])),
        );
      } else {
        const m = pick(rnd, members);
        const kind = rnd() < 0.2 ? pick(rnd, ['gz', 'xz', 'zst', 'none'] as const) : m.kind;
        const b = byteMutation(rnd, m.bytes);
        failures.push(
          ...(await failuresOf(step, [
            badOutcome('decompress', () => decompress(b, kind, 'mutated.tar.x')),
            badOutcome('decompressChunks', () => decompressChunks(b, kind, 'mutated.tar.x', () => undefined)),
          ])),
        );
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`.dsc, Packages, Release, InRelease, Contents and compressed index readers, 1000 mutations (seed ${SEED + 2})`, async () => {
    const rnd = seededRandom(SEED + 2);
    const failures: string[] = [];
    for (let step = 0; step < 1000; step++) {
      const kind = pick(rnd, ['dsc', 'packages', 'release', 'inrelease', 'contents', 'gz', 'xz'] as const);
      if (kind === 'gz' || kind === 'xz') {
        const b = byteMutation(rnd, pick(rnd, indexes[kind]));
        failures.push(
          ...(await failuresOf(step, [
            badOutcome(kind === 'gz' ? 'gzipSegments' : 'xzBlocks', () => (kind === 'gz' ? gzipSegments(b) : xzBlocks(b))),
            badOutcome('decompress', () => decompress(b, kind, `Packages.${kind}`)),
          ])),
        );
        continue;
      }
      let t = pick(rnd, texts[kind]);
      for (let r = 1 + int(rnd, 2); r > 0; r--) t = textMutation(rnd, t);
      const readers: Record<typeof kind, Array<[string, () => unknown]>> = {
        dsc: [
          ['parseDsc', () => parseDsc(t, 'mutated.dsc')],
          ['cleartextBody', () => cleartextBody(t, 'mutated.dsc')],
          ['parseSingleStanza', () => parseSingleStanza(t, { source: 'control', comments: true })],
        ],
        packages: [
          ['parseDeb822', () => parseDeb822(t, { source: 'Packages' })],
          ['readPackages', () => readPackages(t, 'Packages').map((e) => e.fields)],
        ],
        release: [['parseRelease', () => parseRelease(t, 'Release')]],
        inrelease: [['parseRelease(cleartextBody)', () => parseRelease(cleartextBody(t, 'InRelease'), 'InRelease')]],
        contents: [['parseContents', () => parseContents(t)]],
      };
      failures.push(
        ...(await failuresOf(
          step,
          readers[kind].map(([what, fn]) => badOutcome(what, fn)),
        )),
      );
    }
    expect(failures).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------- what the campaign found

/** A tar stream: a pax header whose `size` is `size`, then a GNU long-name record, then ./control. */
function paxSizeTar(size: string): Uint8Array {
  return Buffer.concat([
    record('x', paxRecord('size', size)),
    record('L', './control', '././@LongLink'),
    writeTar([{ name: './control', type: '0', data: Buffer.from('Package: x\nVersion: 1\nArchitecture: all\n') }]),
  ]);
}

const debWith = (control: { name: string; data: Uint8Array }, data = { name: 'data.tar', data: writeTar([]) }) =>
  writeAr([{ name: 'debian-binary', data: Buffer.from('2.0\n') }, control, data]);

/** A zstd frame of one raw block (`tar`) and `n` RLE blocks of 128 KiB of `byte`: 8 bytes each. */
function zstdRle(n: number, byte: number, tar: Uint8Array = new Uint8Array()): Uint8Array {
  const header = (size: number, type: number, last: boolean) => {
    const h = (size << 3) | (type << 1) | (last ? 1 : 0);
    return [h & 0xff, (h >> 8) & 0xff, h >> 16];
  };
  const blocks = Array.from({ length: n }, (_, i) => [...header(131_072, 1, i === n - 1), byte]).flat();
  return Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x70, ...header(tar.length, 0, false)]), tar, Buffer.from(blocks)]);
}

describe('minimized repros', () => {
  it('a negative pax size before a GNU long-name record: TAR_BAD_HEADER, not an endless loop (readTar, tarHasFile, readDebControl)', async () => {
    // In a child process: before the fix the walk went back to the same header forever, and a test cannot interrupt it.
    const at = (file: string) => JSON.stringify(join(import.meta.dirname, '..', '..', 'src', 'formats', file));
    const code = `import { readTar, tarHasFile } from ${at('tar.ts')};
import { readDebControl } from ${at('deb-control.ts')};
import { writeAr } from ${at('ar.ts')};
import { gzipSync } from 'node:zlib';
const tar = Buffer.from(${JSON.stringify(Buffer.from(paxSizeTar('-512')).toString('base64'))}, 'base64');
const deb = writeAr([{ name: 'debian-binary', data: Buffer.from('2.0\\n') }, { name: 'control.tar.gz', data: gzipSync(tar) }, { name: 'data.tar', data: new Uint8Array(1024) }]);
for (const f of [() => readTar(tar, 'x.tar'), () => readDebControl(deb, 'x.deb')]) {
  try { f(); console.log('read'); } catch (e) { console.log(e.code, e.message); }
}
console.log(tarHasFile(tar, 'control'));`;
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      timeoutMs: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim().split('\n')).toEqual([
      'TAR_BAD_HEADER x.tar: corrupt tar header at byte 1024 (pax size "-512" is not a byte count)',
      'TAR_BAD_HEADER x.deb:control.tar.gz: corrupt tar header at byte 1024 (pax size "-512" is not a byte count)',
      'false',
    ]);
  });

  it('a negative pax size before a long-name record in a data.tar: TAR_BAD_HEADER, not a RangeError (tarDataFiles, debDataFiles)', async () => {
    const tar = paxSizeTar('-1');
    const e = await thrown(() => tarDataFiles(tar, 'x.deb:data.tar'));
    expect([e.code, e.message]).toEqual([
      'TAR_BAD_HEADER',
      'x.deb:data.tar: corrupt tar header at byte 1024 (pax size "-1" is not a byte count)',
    ]);
    const deb = debWith({ name: 'control.tar', data: writeTar([]) }, { name: 'data.tar.gz', data: gzipSync(tar) });
    expect((await thrown(() => debDataFiles(deb, 'x.deb'))).message).toMatch(/^x\.deb:data\.tar\.gz: corrupt tar header at byte 1024/);
  });

  it('a 12-byte zstd frame claiming 2 GB: DECOMPRESS_FAILED without allocating it (was a 2 GB buffer)', async () => {
    // Single segment, 4-byte content size 2,000,000,000, one empty last raw block.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x00, 0x94, 0x35, 0x77, 0x01, 0x00, 0x00]);
    const before = process.memoryUsage().arrayBuffers;
    const e = await thrown(() => readDebControl(debWith({ name: 'control.tar.zst', data: frame }), 'x.deb'));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    expect([e.code, e.message]).toEqual([
      'DECOMPRESS_FAILED',
      'x.deb:control.tar.zst: cannot decompress zst data: Frame requires too much memory for decoding',
    ]);
    expect((await thrown(() => decompressChunks(frame, 'zst', 'x.deb:data.tar.zst', () => undefined))).code).toBe('DECOMPRESS_FAILED');
    // A frame claiming 100 bytes and holding none: refused (fzstd answered 100 zero bytes).
    const short = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0x64, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    expect((await thrown(() => decompress(short, 'zst', 'x.tar.zst'))).code).toBe('DECOMPRESS_FAILED');
  });

  it('a zstd bomb as control.tar.zst stops at the output cap (was decoded whole first: 1 GB from 64 KB)', async () => {
    const bomb = zstdRle(8192, 0x20);
    const t0 = performance.now();
    const e = await thrown(() => readDebControl(debWith({ name: 'control.tar.zst', data: bomb }), 'x.deb'));
    expect(performance.now() - t0).toBeLessThan(SLOW_MS);
    expect(e.code).toBe('DECOMPRESS_FAILED');
    expect(e.message).toMatch(/^x\.deb:control\.tar\.zst: cannot decompress zst data/);
  });

  it('listing a data.tar.zst stops at the end of the archive (1.3 GB of RLE blocks after it took seconds to decode)', async () => {
    const tar = writeTar([{ name: './usr/bin/x', type: '0', data: Buffer.from('x') }]);
    const deb = debWith({ name: 'control.tar.gz', data: gzipSync(writeTar([])) }, { name: 'data.tar.zst', data: zstdRle(10_000, 0, tar) });
    const t0 = performance.now();
    expect(await debDataFiles(deb, 'x.deb')).toEqual(['usr/bin/x']);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('seeds', () => {
  it('every seed reads whole before it is mutated', async () => {
    for (const d of debs) expect((await readCheckedDeb(d, 'seed.deb')).control.fields.length).toBeGreaterThan(5);
    expect(readdirSync(work).filter((f) => f.endsWith('.deb'))).toHaveLength(4);
    expect(parseDsc(texts.dsc[1]!, 'fz_1.0.dsc').files.map((f) => f.name)).toEqual(['fz_1.0.tar.xz']);
    expect(readPackages(texts.packages[0]!, 'Packages')).toHaveLength(4);
    expect(parseRelease(cleartextBody(texts.inrelease[0]!, 'InRelease'), 'InRelease').files.size).toBe(4);
    expect(gzipSegments(indexes.gz[0]!)?.length).toBeGreaterThan(0);
    expect(xzBlocks(indexes.xz[0]!)?.blocks.length).toBeGreaterThan(1);
    expect(parseContents(texts.contents[0]!).size).toBeGreaterThan(1);
  });
});
