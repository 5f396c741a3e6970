/**
 * Mutation fuzzing of the readers that take untrusted .rpm bytes and yum metadata: real packages
 * (rpmbuild) and real repodata (createrepo_c, and pkgtrack's own documents) with bytes flipped,
 * zeroed, cut, duplicated or removed, header index counts, types, offsets and data sizes rewritten
 * (digests recomputed so the damage reaches the tag readers), and XML with broken entities,
 * unterminated tags, huge attributes and deep nesting. Every outcome must be a result or a
 * PkgtrackError with a code, within 2 s: never a raw TypeError/RangeError, a hang or an unbounded
 * allocation. Then each bug such a campaign found, minimized.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { rpmDigestProblems } from '../../src/formats/rpm/digests.js';
import { readRpm, readRpmHeaders } from '../../src/formats/rpm/package.js';
import { addHeaderSignature, headerSignature, signedHeaderBytes } from '../../src/formats/rpm/signature.js';
import { RpmType, SigTag } from '../../src/formats/rpm/tags.js';
import { nativeKeys } from '../../src/repo/yum/fast-verify.js';
import { filelistsDocument, otherDocument, primaryDocument } from '../../src/repo/yum/package-xml.js';
import { primarySummariesOf, readPrimarySummariesFast } from '../../src/repo/yum/primary-summary.js';
import { fragmentsByChecksum, readPublishedFragments } from '../../src/repo/yum/published-fragments.js';
import { adoptRestoredRepodata } from '../../src/repo/yum/restored-repodata.js';
import { readRpmFile } from '../../src/repo/yum/rpm-read.js';
import { signedByOneOf } from '../../src/repo/yum/rpm-signing.js';
import { verifyYumRepo } from '../../src/repo/yum/verify.js';
import { decodeEntities, parseXml } from '../../src/repo/yum/xml-read.js';
import { tempDir } from '../helpers/cli.js';
import { spawnAsync } from '../helpers/process.js';
import { badOutcome } from '../helpers/outcome.js';
import { randomInt as int, randomPick as pick, type Rnd, seededRandom } from '../helpers/random.js';

const SEED = 0x5eed_2024;

let work: string;
let repo: string;
const seeds: Uint8Array[] = [];
let packet: Uint8Array;
let privateKey: openpgp.PrivateKey;
let publicKey: openpgp.PublicKey;
let native: ReturnType<typeof nativeKeys>;
const docs: Record<'repomd' | 'primary' | 'filelists' | 'other', string[]> = { repomd: [], primary: [], filelists: [], other: [] };

const SPEC = `Name: fuzzme
Epoch: 2
Version: 1.4.2
Release: 3
Summary: fuzz seed & <friends>
License: MIT
URL: https://example.org/fuzzme
Requires: /bin/sh, libfoo >= 1.2-3, bar < 2:4
Provides: fuzzme-api = 1.4
Conflicts: oldfuzz <= 0.9
Obsoletes: fuzzme-legacy < 1.0
Recommends: helper
%description
A package with many tags: dependencies, files, a ghost, a changelog.
%package extra
Summary: second package
Requires: fuzzme = %{epoch}:%{version}-%{release}
%description extra
extra
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/fuzzme %{buildroot}/usr/share/fuzzme/d
echo '#!/bin/sh' > %{buildroot}/usr/bin/fuzzme && chmod 755 %{buildroot}/usr/bin/fuzzme
echo conf > %{buildroot}/etc/fuzzme/fuzz.conf
for i in 1 2 3 4 5; do echo $i > %{buildroot}/usr/share/fuzzme/d/f$i; done
echo x > %{buildroot}/usr/share/fuzzme/extra
%files
/usr/bin/fuzzme
%config(noreplace) /etc/fuzzme/fuzz.conf
%dir /usr/share/fuzzme
/usr/share/fuzzme/d
%ghost /var/log/fuzzme.log
%files extra
/usr/share/fuzzme/extra
%changelog
* Tue Oct 21 2025 Fuzz Tester <fuzz@example.org> - 2:1.4.2-3
- third: "quoted" & <angled> — ünïcode
* Mon Oct 20 2025 Fuzz Tester <fuzz@example.org> - 2:1.4.2-2
- second
* Mon Oct 20 2025 Fuzz Tester <fuzz@example.org> - 2:1.4.2-1
- first
`;

async function signHeader(rpm: Uint8Array): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: signedHeaderBytes(rpm) });
  const sig = await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'binary' });
  return addHeaderSignature(rpm, sig as Uint8Array).bytes;
}

beforeAll(async () => {
  work = tempDir('pkgtrack-fuzz-rpm-');
  repo = join(work, 'repo');
  mkdirSync(repo, { recursive: true });
  writeFileSync(join(work, 'fuzzme.spec'), SPEC);
  execFileSync('rpmbuild', [
    '-bb',
    '--quiet',
    '--define',
    `_topdir ${join(work, 'top')}`,
    '--define',
    `_rpmdir ${repo}`,
    '--define',
    '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
    join(work, 'fuzzme.spec'),
  ]);
  for (const f of readdirSync(repo).sort()) seeds.push(new Uint8Array(readFileSync(join(repo, f))));
  execFileSync('createrepo_c', ['-q', '--no-database', repo]);

  ({ privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'fuzz', email: 'fuzz@example.org' }],
    format: 'object',
  }));
  native = nativeKeys([publicKey]);
  seeds.push(await signHeader(seeds[0]!));
  packet = headerSignature(seeds.at(-1)!)!.packet;

  const rd = join(repo, 'repodata');
  docs.repomd.push(readFileSync(join(rd, 'repomd.xml'), 'utf8'));
  for (const f of readdirSync(rd)) {
    const m = /-(primary|filelists|other)\.xml\.gz$/.exec(f);
    if (m) docs[m[1] as 'primary'].push(gunzipSync(readFileSync(join(rd, f))).toString('utf8'));
  }
  const ours = seeds.map((b, i) => readRpmFile(b, `seed${i}.rpm`, { href: `Packages/s${i}.rpm`, time: 1_700_000_000 }).xml);
  docs.primary.push(primaryDocument(ours.map((x) => x.primary)));
  docs.filelists.push(filelistsDocument(ours.map((x) => x.filelists)));
  docs.other.push(otherDocument(ours.map((x) => x.other)));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- mutations

const EDGE32 = [
  0, 1, 7, 8, 15, 16, 17, 0x7f, 0x80, 0xff, 0xffff, 0x10000, 0x0fffffff, 0x10000000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff,
];

function byteMutation(rnd: Rnd, src: Uint8Array): Uint8Array {
  const b = Uint8Array.from(src);
  const n = 1 + int(rnd, 8);
  const a = int(rnd, b.length);
  const len = int(rnd, Math.min(512, b.length - a));
  switch (int(rnd, 6)) {
    case 0:
      for (let i = 0; i < n; i++) b[int(rnd, b.length)]! ^= 1 << int(rnd, 8);
      return b;
    case 1:
      for (let i = 0; i < n; i++) b[int(rnd, b.length)] = pick(rnd, [0x00, 0xff, 0x7f, 0x80]);
      return b;
    case 2:
      return b.subarray(0, a);
    case 3: {
      const at = int(rnd, b.length);
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(a, a + len), ...b.subarray(at)]);
    }
    case 4:
      return Uint8Array.from([...b.subarray(0, a), ...b.subarray(a + len)]);
    default:
      for (let i = 0; i < 1 + int(rnd, 64) && a + i < b.length; i++) b[a + i] = int(rnd, 256);
      return b;
  }
}

/** Rewrite one header field: the index count or data size, or an entry's tag, type, offset or count. */
function headerMutation(rnd: Rnd, src: Uint8Array): Uint8Array {
  const b = Uint8Array.from(src);
  let h: ReturnType<typeof readRpmHeaders>;
  try {
    h = readRpmHeaders(b);
  } catch {
    return byteMutation(rnd, b);
  }
  const hdr = pick(rnd, [h.signature, h.main]);
  const dv = new DataView(b.buffer);
  const v32 = () => (rnd() < 0.7 ? pick(rnd, EDGE32) : rnd() < 0.5 ? int(rnd, hdr.data.length + 64) : int(rnd, 2 ** 32));
  const k = int(rnd, 10);
  if (k === 0) dv.setUint32(hdr.start + 8, rnd() < 0.5 ? v32() : hdr.entries.length + int(rnd, 5) - 2);
  else if (k === 1) dv.setUint32(hdr.start + 12, rnd() < 0.5 ? v32() : hdr.data.length + int(rnd, 33) - 16);
  else if (k < 9) {
    const field = int(rnd, 4);
    const value = field === 1 && rnd() < 0.8 ? int(rnd, 10) : v32();
    dv.setUint32(hdr.start + 16 + int(rnd, hdr.entries.length) * 16 + field * 4, value);
  } else {
    const at = hdr.start + 16 + hdr.entries.length * 16 + int(rnd, hdr.data.length);
    for (let i = 0; i < 1 + int(rnd, 4); i++) b[Math.min(b.length - 1, at + int(rnd, 32))] = pick(rnd, [0, 0xff, int(rnd, 256)]);
  }
  return b;
}

/** Put the right header digests back, so readRpmFile gets past its digest check to the tag readers. */
function withDigests(b: Uint8Array): Uint8Array {
  try {
    const h = readRpmHeaders(b);
    const header = b.subarray(h.layout.headerStart, h.layout.headerEnd);
    const put = (tag: number, value: Uint8Array) => {
      const e = h.signature.byTag.get(tag);
      if (e && e.offset + value.length <= h.signature.data.length) h.signature.data.set(value, e.offset);
    };
    put(SigTag.SHA256, Buffer.from(createHash('sha256').update(header).digest('hex')));
    put(SigTag.SHA1, Buffer.from(createHash('sha1').update(header).digest('hex')));
    put(SigTag.MD5, createHash('md5').update(b.subarray(h.layout.headerStart)).digest());
  } catch {
    /* unreadable: stays as it is */
  }
  return b;
}

function xmlMutation(rnd: Rnd, t: string): string {
  const at = int(rnd, t.length + 1);
  const insert = (x: string) => t.slice(0, at) + x + t.slice(at);
  const a = int(rnd, t.length);
  const len = int(rnd, Math.min(400, t.length - a));
  switch (int(rnd, 13)) {
    case 0:
      return t.slice(0, at);
    case 1:
      return insert(
        pick(rnd, ['&', '&#', '&#x', '&#x110000;', '&#99999999999;', '&#xD800;', '&#0;', '&bogus;', '&amp', `&#${'9'.repeat(400)};`]),
      );
    case 2:
      return insert(pick(rnd, ['<', '</', '<a', '<!--', '<?', '<![CDATA[', '>', '"', "'", '/>', '</package', '<package ', '</metadata>']));
    case 3:
      return insert('<a>'.repeat(1 + int(rnd, 2000)));
    case 4:
      return insert(` x="${'y'.repeat(int(rnd, 20_000))}"`);
    case 5:
      return t.slice(0, a) + t.slice(a + len);
    case 6:
      return insert(t.slice(a, a + len));
    case 7:
      return insert(` ${'a'.repeat(int(rnd, 8_000))}`);
    case 8:
      return t.replace(/[0-9a-f]{64}/, createHash('sha256').update(String(rnd())).digest('hex'));
    case 9:
      return t.replace(/>(\d+)</, `>${pick(rnd, ['-1', '99999999999999999999', 'NaN', '', '1e400'])}<`);
    case 10:
      return t.replace(/packages="\d+"/, `packages="${pick(rnd, [0, 1, 9_999_999_999, -1])}"`);
    case 11:
      return insert(`<package ${'x'.repeat(int(rnd, 8_000))}`);
    default:
      return insert(String.fromCharCode(...Array.from({ length: 1 + int(rnd, 20) }, () => int(rnd, 0x3000))));
  }
}

// ---------------------------------------------------------------- outcomes

async function rpmReaders(b: Uint8Array): Promise<string[]> {
  const src = 'mutated.rpm';
  const out = await Promise.all([
    badOutcome('readRpmHeaders', () => readRpmHeaders(b, src)),
    badOutcome('readRpm', () => readRpm(b, src)),
    badOutcome('rpmDigestProblems', () => rpmDigestProblems(b, readRpmHeaders(b, src))),
    badOutcome('readRpmFile', () => readRpmFile(b, src, { href: 'Packages/m.rpm', time: 1, keys: native })),
    badOutcome('addHeaderSignature', () => addHeaderSignature(b, packet, src)),
    badOutcome('signedByOneOf', () => signedByOneOf(b, [publicKey], src)),
  ]);
  return out.filter((x) => x !== undefined);
}

async function xmlReaders(type: string, t: string): Promise<string[]> {
  const file = `${type}.xml`;
  const out = [await badOutcome('parseXml', () => parseXml(t, file)), await badOutcome('decodeEntities', () => decodeEntities(t))];
  if (type === 'primary') {
    out.push(await badOutcome('readPrimarySummariesFast', () => readPrimarySummariesFast(t)));
    out.push(await badOutcome('primarySummariesOf', () => primarySummariesOf(parseXml(t, file))));
  }
  if (type !== 'repomd')
    out.push(await badOutcome('fragmentsByChecksum', () => fragmentsByChecksum({ primary: t, filelists: t, other: t })));
  return out.filter((x) => x !== undefined);
}

/** A copy of the createrepo_c repository with `repomd` as its repomd.xml (and one metadata file damaged). */
function repoWith(rnd: Rnd, repomd: string | Uint8Array, n: number): string {
  const dir = join(work, `live-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'repodata'), { recursive: true });
  for (const f of readdirSync(repo)) if (f.endsWith('.rpm')) writeFileSync(join(dir, f), readFileSync(join(repo, f)));
  for (const f of readdirSync(join(repo, 'repodata'))) {
    const bytes = readFileSync(join(repo, 'repodata', f));
    writeFileSync(join(dir, 'repodata', f), f.endsWith('.gz') && rnd() < 0.3 ? byteMutation(rnd, bytes) : bytes);
  }
  writeFileSync(join(dir, 'repodata', 'repomd.xml'), repomd);
  return dir;
}

describe('mutated rpms and yum metadata: a result or a coded PkgtrackError, in time', () => {
  it(`rpm readers, 500 mutations (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const failures: string[] = [];
    for (let step = 0; step < 500; step++) {
      let b = pick(rnd, seeds);
      const structural = rnd() < 0.6;
      for (let r = 0, rounds = 1 + int(rnd, 3); r < rounds; r++) b = structural ? headerMutation(rnd, b) : byteMutation(rnd, b);
      if (structural && rnd() < 0.6) b = withDigests(b);
      for (const f of await rpmReaders(b)) failures.push(`step ${step}: ${f}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`XML readers, 500 mutations (seed ${SEED + 1})`, async () => {
    const rnd = seededRandom(SEED + 1);
    const failures: string[] = [];
    for (let step = 0; step < 500; step++) {
      const type = pick(rnd, ['repomd', 'primary', 'primary', 'filelists', 'other'] as const);
      let t = pick(rnd, docs[type]);
      for (let r = 0, rounds = 1 + int(rnd, 3); r < rounds; r++) t = xmlMutation(rnd, t);
      for (const f of await xmlReaders(type, t)) failures.push(`step ${step}: ${f}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`repository readers over a mutated repomd.xml, 20 mutations (seed ${SEED + 2})`, async () => {
    const rnd = seededRandom(SEED + 2);
    const failures: string[] = [];
    for (let step = 0; step < 20; step++) {
      let t = docs.repomd[0]!;
      for (let r = 0, rounds = 1 + int(rnd, 2); r < rounds; r++) t = xmlMutation(rnd, t);
      const dir = repoWith(rnd, t, step);
      for (const f of [
        await badOutcome('readPublishedFragments', () => readPublishedFragments(work, `live-${step}`)),
        await badOutcome('verifyYumRepo', () => verifyYumRepo(dir, {})),
      ])
        if (f) failures.push(`step ${step}: ${f}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it(`a restored repodata directory with a damaged signature or repomd.xml, 10 mutations (seed ${SEED + 3})`, async () => {
    const rnd = seededRandom(SEED + 3);
    const repomd = readFileSync(join(repo, 'repodata', 'repomd.xml'));
    const asc = await openpgp.sign({ message: await openpgp.createMessage({ binary: repomd }), signingKeys: privateKey, detached: true });
    const failures: string[] = [];
    for (let step = 0; step < 10; step++) {
      const dir = join(work, `adopt-${step}`);
      mkdirSync(join(dir, 's', 'repodata'), { recursive: true });
      const damageRepomd = step % 2 === 0;
      writeFileSync(join(dir, 's', 'repodata', 'repomd.xml'), damageRepomd ? byteMutation(rnd, repomd) : repomd);
      writeFileSync(join(dir, 's', 'repodata', 'repomd.xml.asc'), damageRepomd ? asc : xmlMutation(rnd, asc));
      const f = await badOutcome('adoptRestoredRepodata', () => adoptRestoredRepodata(dir, 's', publicKey.armor(), true));
      if (f) failures.push(`step ${step}: ${f}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});

// ---------------------------------------------------------------- what the campaign found

/** `fn`'s error; fails when it returns. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const elapsed = async (fn: () => unknown) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

describe('minimized repros', () => {
  it('a signature-header entry retyped INT64 with a count past the data store: RPM_MALFORMED, not a RangeError', () => {
    const b = Uint8Array.from(seeds[0]!);
    const { signature } = readRpmHeaders(b);
    const i = signature.entries.findIndex((e) => e.tag === SigTag.SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(signature.start + 16 + i * 16 + 4, RpmType.INT64);
    dv.setUint32(signature.start + 16 + i * 16 + 12, 0x10000000);
    const e = thrown(() => addHeaderSignature(b, packet, 'int64.rpm'));
    expect(e).toBeInstanceOf(PkgtrackError);
    expect((e as PkgtrackError).code).toBe('RPM_MALFORMED');
    expect((e as PkgtrackError).message).toMatch(/^int64\.rpm: tag 1000 runs past the header/);
  });

  it('a character reference past U+10FFFF is kept as written, not a RangeError', () => {
    expect(decodeEntities('a&#x110000;b&#99999999999;c&#x41;')).toBe('a&#x110000;b&#99999999999;cA');
    const doc = parseXml('<metadata><name a="&#x7fffffff;">&#1114112;</name></metadata>', 'primary.xml');
    expect(doc.children[0]!.attrs.a).toBe('&#x7fffffff;');
    expect(doc.children[0]!.text).toBe('&#1114112;');
  });

  it('an end tag without its `>` at the end of the text: XML_MALFORMED, not an endless loop', async () => {
    // In a child process: before the fix the parse never returned, and a test cannot interrupt it.
    const src = join(import.meta.dirname, '..', '..', 'src', 'repo', 'yum', 'xml-read.ts');
    const code = `import { parseXml } from ${JSON.stringify(src)};
try { parseXml('<metadata packages="0">\\n</metadata\\n', 'primary.xml'); console.log('parsed'); }
catch (e) { console.log(e.code, e.message); }`;
    const r = await spawnAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      timeoutMs: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe('XML_MALFORMED primary.xml: unterminated end tag at character 24');
  });

  it('a long run of attribute-name characters with no `=` parses in linear time', async () => {
    const doc = `<metadata><package ${'x'.repeat(100_000)}/></metadata>`;
    expect(await elapsed(() => parseXml(doc, 'primary.xml'))).toBeLessThan(1000);
    expect(parseXml(`<a b='1' c = "2"  d="&amp;"/>`, 'x').attrs).toEqual({ b: '1', c: '2', d: '&' });
  });

  it("readPublishedFragments: many <data> openings without a location read in linear time; hrefs other than pkgtrack's names are not read", async () => {
    const root = join(work, 'published');
    const write = (suite: string, repomd: string) => {
      mkdirSync(join(root, suite, 'repodata'), { recursive: true });
      writeFileSync(join(root, suite, 'repodata', 'repomd.xml'), repomd);
    };
    write('many', '<repomd>'.concat('<data type="primary">'.repeat(40_000), '</repomd>'));
    let got: unknown = 'not read';
    expect(await elapsed(async () => (got = await readPublishedFragments(root, 'many')))).toBeLessThan(1000);
    expect(got).toBeUndefined();

    // A name too long to open (was a raw ENAMETOOLONG), and documents outside repodata/ (were read).
    const data = (type: string, href: string) => `<data type="${type}"><location href="${href}"/></data>`;
    write('long', `<repomd>${data('primary', `repodata/${'a'.repeat(300)}-primary.xml.gz`)}</repomd>`);
    expect(await readPublishedFragments(root, 'long')).toBeUndefined();
    for (const [type, doc] of [
      ['primary', docs.primary[1]!],
      ['filelists', docs.filelists[1]!],
      ['other', docs.other[1]!],
    ] as const)
      writeFileSync(join(root, `${type}.xml.gz`), gzipSync(doc));
    write('outside', `<repomd>${['primary', 'filelists', 'other'].map((t) => data(t, `../../${t}.xml.gz`)).join('')}</repomd>`);
    expect(await readPublishedFragments(root, 'outside')).toBeUndefined();
  });

  it('verifyYumRepo: an href naming a directory, leaving the repository or holding a NUL, and a zstd bomb, are problems in the report', async () => {
    const dir = join(work, 'verify');
    mkdirSync(join(dir, 'repodata'), { recursive: true });
    writeFileSync(join(work, 'outside.xml'), '<x/>');
    // 64 MiB of spaces in 2 kB: a zstd frame of 512 RLE blocks of 128 KiB each.
    const rle = (last: boolean) => {
      const h = (131_072 << 3) | (1 << 1) | (last ? 1 : 0);
      return [h & 0xff, (h >> 8) & 0xff, h >> 16, 0x20];
    };
    const bomb = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38, ...Array.from({ length: 512 }, (_, i) => rle(i === 511)).flat()]);
    writeFileSync(join(dir, 'repodata', 'bomb-other.xml.zst'), bomb);
    const sum = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const entry = (type: string, href: string, more = '') => `<data type="${type}"><location href="${href}"/>${more}</data>`;
    writeFileSync(
      join(dir, 'repodata', 'repomd.xml'),
      `<repomd>${entry('filelists', 'repodata')}${entry('updateinfo', '../outside.xml')}${entry('group', 'repodata/comps&#0;.xml')}${entry(
        'other',
        'repodata/bomb-other.xml.zst',
        `<checksum type="sha256">${sum(bomb)}</checksum><size>${bomb.length}</size><open-size>100</open-size>`,
      )}</repomd>`,
    );
    const report = await verifyYumRepo(dir, {});
    const problems = Object.fromEntries(report.problems.map((p) => [relative(dir, p.file), p.problem]));
    expect(problems).toMatchObject({
      repodata: 'listed in repomd.xml but missing',
      '../outside.xml': 'repomd.xml names it by no href inside the repository ("../outside.xml")',
      'repodata/comps\0.xml': 'repomd.xml names it by no href inside the repository ("repodata/comps\\u0000.xml")',
      'repodata/bomb-other.xml.zst': 'decompresses past the open-size repomd.xml states (100 bytes)',
    });
  });
});
