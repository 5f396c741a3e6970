/**
 * Reading back a published Packages index: the fast reader picks the fields a publish needs and
 * keeps each stanza's text; it must agree with the strict deb822 parse on every entry, render
 * the index back byte for byte, and hand anything unusual to the strict parser.
 */
import { describe, expect, it } from 'vitest';
import type { PkgtrackError } from '../../src/core/errors.js';
import { parseDeb822, writeStanza } from '../../src/formats/deb822.js';
import { binaryFromFields, emptyComponent, fieldOf, readPackages, renderPackages } from '../../src/repo/apt/suite-contents.js';
import { getField } from '../../src/formats/deb822.js';

const stanza = (i: number, arch = 'amd64') =>
  writeStanza([
    ['Package', `pkg-${i}`],
    ['Source', `src-${i % 3} (1.${i})`],
    ['Version', `1:${i}.0-1`],
    ['Installed-Size', String(i * 3)],
    ['Maintainer', 'A <a@example.org>'],
    ['Architecture', arch],
    ['Depends', `libc6 (>= 2.36), pkg-${i + 1} | other`],
    ['Description', `package ${i}\n long text: line one\n .\n  indented line`],
    ['Multi-Arch', 'same'],
    ['Filename', `pool/main/p/pkg-${i}/pkg-${i}_${i}.0-1_${arch}.deb`],
    ['Size', String(1000 + i)],
    ['SHA256', (i * 2654435761).toString(16).padStart(64, '0')],
  ]);

const packages = (n: number) => Array.from({ length: n }, (_, i) => stanza(i, i % 4 ? 'amd64' : 'all')).join('\n');

describe('reading a published Packages index back', () => {
  it('agrees with the strict parse on every entry and renders the index back byte for byte', () => {
    const text = packages(50);
    const fast = readPackages(text, 'Packages');
    const strict = parseDeb822(text).map((s) => binaryFromFields(s.fields, ''));
    expect(fast.length).toBe(50);
    for (let i = 0; i < fast.length; i++) {
      const { fields: _f, text: t, ...seen } = fast[i]!;
      const { fields, ...want } = strict[i]!;
      expect(seen).toEqual(want);
      expect(fast[i]!.fields).toEqual(fields); // parsed when asked for
      expect(t).toBe(`${writeStanza(fields)}`);
    }
    const c = emptyComponent();
    for (const e of fast) c.binaries.set(e.filename, e);
    // Rendered from the kept text = rendered from the parsed fields.
    const reparsed = emptyComponent();
    for (const e of strict) reparsed.binaries.set(e.filename, e);
    expect(renderPackages(c, 'amd64')).toBe(renderPackages(reparsed, 'amd64'));
    expect(renderPackages(c, 'arm64')).toBe(renderPackages(reparsed, 'arm64'));
  });

  it('hands unusual text to the strict parser (CRLF, duplicate fields, bad lines, missing fields)', () => {
    const ok = packages(3);
    expect(readPackages(ok.replaceAll('\n', '\r\n'), 'P').map((e) => e.name)).toEqual(['pkg-0', 'pkg-1', 'pkg-2']);
    const dup = (() => {
      try {
        readPackages(ok.replace('Size: 1001', 'Size: 1001\nSize: 7'), 'P');
      } catch (e) {
        return e as PkgtrackError;
      }
    })();
    expect(dup?.message).toMatch(/duplicate field Size/);
    expect(dup?.details).toMatchObject({ file: 'P', line: 31, field: 'Size' });
    expect(() => readPackages(ok.replace('Multi-Arch: same', 'not a field line'), 'P')).toThrow(/not a "Field: value" line/);
    // Without a Filename: the strict reading (an entry with an empty pool path), not a made-up one.
    const noFile = readPackages(ok.replace(/^Filename: .*\n/m, ''), 'P');
    expect(noFile[0]!.filename).toBe('');
    expect(noFile[0]!.text).toBeUndefined();
    // A line of blanks ends a stanza, as in the strict parse.
    expect(readPackages(ok.replace('\n\n', '\n  \n'), 'P').length).toBe(3);
  });

  it('fieldOf reads a field from the text as the strict parse would, for every field and case', () => {
    const text = `${packages(12)}\nPackage: odd\nVersion: 1\nArchitecture: all\nsection: lower-case\nFilename: pool/o/odd_1_all.deb\nSize: 1\nSHA256: ${'0'.repeat(64)}\nX-Multi: first\n second line\n`;
    const entries = readPackages(text, 'Packages');
    const strict = parseDeb822(text, { source: 'Packages' });
    expect(entries).toHaveLength(13);
    for (const [i, e] of entries.entries()) {
      for (const name of ['Package', 'Source', 'Description', 'Multi-Arch', 'SHA256', 'Section', 'X-Multi', 'Missing'])
        expect(fieldOf(e, name), `${e.name} ${name}`).toBe(getField(strict[i]!, name));
    }
    expect(fieldOf(entries[12]!, 'Section')).toBe('lower-case');
    expect(fieldOf(entries[12]!, 'X-Multi')).toBe('first\n second line');
    // An entry made from fields (a package read from its .deb) answers from them.
    expect(
      fieldOf(
        binaryFromFields(
          [
            ['Package', 'x'],
            ['Section', 'net'],
          ],
          'x',
        ),
        'Section',
      ),
    ).toBe('net');
  });
});
