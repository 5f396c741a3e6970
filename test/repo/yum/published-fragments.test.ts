/** Reading a package's fragments back from the metadata pkgtrack published (object-storage publishes). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRpm } from '../../../src/formats/rpm/package.js';
import { filelistsDocument, otherDocument, packageXml, primaryDocument } from '../../../src/repo/yum/package-xml.js';
import { DEFAULT_MAX_OUTPUT } from '../../../src/formats/compress.js';
import { fragmentsByChecksum, packageBlocks, readPublishedFragments } from '../../../src/repo/yum/published-fragments.js';
import { sha256 } from '../../../src/repo/yum/pool-files.js';
import { tempDir } from '../../helpers/cli.js';
import { buildVersions } from './harness.js';

/** Two real packages' fragments (their .rpms built with rpmbuild) and their documents. */
function twoPackages() {
  const files = buildVersions(join(tempDir('pkgtrack-frag-'), 'b'), ['1.0-1', '2.0-1'], 'a & <b> "c"', 'frag-test');
  const xmls = files.map((f, i) => {
    const bytes = readFileSync(f);
    const sha = sha256(bytes);
    const href = `Packages/f/frag-test-${i + 1}.0-1.noarch.rpm`;
    return { sha, href, xml: packageXml(readRpm(bytes, f), { sha256: sha, size: bytes.length, mtime: 1, href }) };
  });
  const docs = {
    primary: primaryDocument(xmls.map((x) => x.xml.primary)),
    filelists: filelistsDocument(xmls.map((x) => x.xml.filelists)),
    other: otherDocument(xmls.map((x) => x.xml.other)),
  };
  return { xmls, docs };
}

describe('published fragments', () => {
  it('reads back documents bigger than the default decompression cap (a filelists of ~200,000 packages)', async () => {
    const { xmls, docs } = twoPackages();
    // Past DEFAULT_MAX_OUTPUT once inflated: readPublishedFragments used that cap and failed with
    // DECOMPRESS_FAILED on big repositories' metadata.
    const pad = `<!--${' '.repeat(DEFAULT_MAX_OUTPUT + 1024)}-->\n`;
    const big = { ...docs, filelists: docs.filelists.replace('<package ', `${pad}<package `) };
    const root = tempDir('pkgtrack-frag-big-');
    mkdirSync(join(root, 's', 'repodata'), { recursive: true });
    const data = (['primary', 'filelists', 'other'] as const).map((type) => {
      const gz = gzipSync(big[type], { level: 1 });
      const href = `repodata/${sha256(gz)}-${type}.xml.gz`;
      writeFileSync(join(root, 's', href), gz);
      return `<data type="${type}"><location href="${href}"/><open-size>${Buffer.byteLength(big[type])}</open-size></data>`;
    });
    writeFileSync(join(root, 's', 'repodata', 'repomd.xml'), `<repomd>${data.join('')}</repomd>`);
    const got = await readPublishedFragments(root, 's');
    expect(got?.size).toBe(2);
    for (const x of xmls) expect(got?.get(x.sha)).toEqual({ href: x.href, ...x.xml });
  });

  it('gives back exactly the fragments the documents were made of, keyed by checksum, with the href', () => {
    const { xmls, docs } = twoPackages();
    expect(packageBlocks(docs.primary)).toEqual(xmls.map((x) => x.xml.primary));
    const got = fragmentsByChecksum(docs);
    expect(got.size).toBe(2);
    for (const x of xmls) expect(got.get(x.sha)).toEqual({ href: x.href, ...x.xml });
    // A package missing from filelists is not half-returned.
    const partial = fragmentsByChecksum({ ...docs, filelists: filelistsDocument([xmls[0]!.xml.filelists]) });
    expect([...partial.keys()]).toEqual([xmls[0]!.sha]);
  });
});
