/**
 * Golden test on real Debian packages: for every .deb of the corpus (>= 1,000 from bookworm,
 * fetched by scripts/fetch-deb-corpus.ts into .cache/), our Packages stanza must equal the one
 * `apt-ftparchive packages` writes, byte for byte (hashes limited to the SHA256 we publish);
 * same for Sources stanzas from the corpus's .dsc files vs `apt-ftparchive sources`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packagesStanza, parseDsc, readDebControl, sourcesStanza } from '../../src/formats/deb-control.js';
import { writeStanza } from '../../src/formats/deb822.js';
import { ensureCorpus, FTPARCHIVE_SHA256_ONLY } from '../repo/apt-helpers.js';

const CORPUS = join(process.cwd(), '.cache', 'deb-corpus');
let corpus: { debs: string[]; dscs: string[] };

beforeAll(async () => {
  corpus = await ensureCorpus();
}, 900_000);

const stanzasByField = (text: string, field: string) =>
  new Map(
    text
      .split('\n\n')
      .filter((s) => s.trim())
      .map((s) => [new RegExp(`^${field}: (.*)$`, 'm').exec(s)![1]!, `${s.trimEnd()}\n`]),
  );

describe('Packages stanzas == apt-ftparchive on the real corpus', () => {
  it('matches every .deb', () => {
    expect(corpus.debs.length).toBeGreaterThanOrEqual(1000);
    const ref = execFileSync('apt-ftparchive', [...FTPARCHIVE_SHA256_ONLY, 'packages', 'debs'], {
      cwd: CORPUS,
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    const theirs = stanzasByField(ref, 'Filename');
    const mismatches: string[] = [];
    for (const name of corpus.debs) {
      const bytes = readFileSync(join(CORPUS, 'debs', name));
      const { control } = readDebControl(bytes, name);
      const filename = `debs/${name}`;
      const ours = writeStanza(
        packagesStanza(control, { filename, size: bytes.length, hashes: { SHA256: createHash('sha256').update(bytes).digest('hex') } }),
      );
      if (ours !== theirs.get(filename)) mismatches.push(`${name}\n--- apt-ftparchive\n${theirs.get(filename)}--- pkgtrack\n${ours}`);
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(theirs.size).toBe(corpus.debs.length);
  });
});

describe('Sources stanzas == apt-ftparchive sources', () => {
  it('matches every .dsc', () => {
    expect(corpus.dscs.length).toBeGreaterThanOrEqual(10);
    const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-sources-'));
    mkdirSync(join(dir, 'pool'));
    const ours = new Map<string, string>();
    for (const d of corpus.dscs) {
      const text = readFileSync(join(CORPUS, 'sources', d));
      const dsc = parseDsc(text.toString('utf8'), d);
      for (const f of [d, ...dsc.files.map((x) => x.name)]) copyFileSync(join(CORPUS, 'sources', f), join(dir, 'pool', f));
      const h = (a: string) => createHash(a).update(text).digest('hex');
      ours.set(
        dsc.source,
        writeStanza(sourcesStanza(dsc, { name: d, size: text.length, hashes: { MD5sum: h('md5'), SHA256: h('sha256') } }, 'pool')),
      );
    }
    const ref = execFileSync(
      'apt-ftparchive',
      ['-o', 'APT::FTPArchive::SHA1=false', '-o', 'APT::FTPArchive::SHA512=false', 'sources', 'pool'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).toString();
    const theirs = stanzasByField(ref, 'Package');
    expect(theirs.size).toBe(corpus.dscs.length);
    for (const [name, stanza] of theirs) expect(ours.get(name), name).toBe(stanza);
  });
});
