/** The one .dsc parser (formats/deb-control.ts parseDsc): what repo, fetch, import and patches read. */
import { describe, expect, it } from 'vitest';
import { isPkgtrackError } from '../../src/core/errors.js';
import { parseDsc } from '../../src/formats/deb-control.js';
import { firstStanzaRecord } from '../../src/formats/deb822.js';

const SHA = 'a'.repeat(64);
const dsc = (extra: string) =>
  `Format: 3.0 (quilt)\nSource: hello\nVersion: 2.10-3\n${extra}Checksums-Sha256:\n ${SHA} 10 hello_2.10.orig.tar.gz\n ${SHA} 20 hello_2.10-3.debian.tar.xz\n`;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPkgtrackError(e) ? e.code : 'not-a-pkgtrack-error';
  }
  return undefined;
}

describe('parseDsc', () => {
  it('reads source, version, format and every listed file with its hashes', () => {
    const d = parseDsc(dsc(''), 'hello_2.10-3.dsc');
    expect(d.source).toBe('hello');
    expect(d.version).toBe('2.10-3');
    expect(d.format).toBe('3.0 (quilt)');
    expect(d.files.map((f) => [f.name, f.size, f.hashes.SHA256])).toEqual([
      ['hello_2.10.orig.tar.gz', 10, SHA],
      ['hello_2.10-3.debian.tar.xz', 20, SHA],
    ]);
  });

  it('reads a clearsigned .dsc and takes format 1.0 when none is given', () => {
    const body = dsc('').replace('Format: 3.0 (quilt)\n', '');
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${body}\n-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n`;
    expect(parseDsc(signed).format).toBe('1.0');
  });

  it('refuses a missing Version, a file with a path and a malformed line, by code', () => {
    expect(codeOf(() => parseDsc(dsc('').replace('Version: 2.10-3\n', '')))).toBe('DSC_MISSING_FIELD');
    expect(codeOf(() => parseDsc(dsc('').replace('hello_2.10.orig.tar.gz', '../etc/passwd')))).toBe('DSC_BAD_FILE_LINE');
    expect(codeOf(() => parseDsc(dsc('').replace(` ${SHA} 10`, ' zz 10')))).toBe('DSC_BAD_FILE_LINE');
  });
});

describe('firstStanzaRecord', () => {
  it('gives the first paragraph as a record, comments skipped', () => {
    expect(firstStanzaRecord('# c\nSource: x\nSection: misc\n\nPackage: x\n', 'debian/control')).toEqual({ Source: 'x', Section: 'misc' });
    expect(firstStanzaRecord('', 'empty')).toEqual({});
  });
});
