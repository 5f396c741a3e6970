/** Reading a package's fragments back from the metadata pkgtrack published (object-storage publishes). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRpm } from '../../../src/formats/rpm/package.js';
import { filelistsDocument, otherDocument, packageXml, primaryDocument } from '../../../src/repo/yum/package-xml.js';
import { fragmentsByChecksum, packageBlocks } from '../../../src/repo/yum/published-fragments.js';
import { sha256 } from '../../../src/repo/yum/pool-files.js';
import { tempDir } from '../../helpers/cli.js';
import { buildVersions } from './harness.js';

describe('published fragments', () => {
  it('gives back exactly the fragments the documents were made of, keyed by checksum, with the href', () => {
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
    expect(packageBlocks(docs.primary)).toEqual(xmls.map((x) => x.xml.primary));
    const got = fragmentsByChecksum(docs);
    expect(got.size).toBe(2);
    for (const x of xmls) expect(got.get(x.sha)).toEqual({ href: x.href, ...x.xml });
    // A package missing from filelists is not half-returned.
    const partial = fragmentsByChecksum({ ...docs, filelists: filelistsDocument([xmls[0]!.xml.filelists]) });
    expect([...partial.keys()]).toEqual([xmls[0]!.sha]);
  });
});
