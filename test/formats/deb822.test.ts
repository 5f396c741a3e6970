/** deb822 strictness: hostile control data is refused with the line and field named. */
import { describe, expect, it } from 'vitest';
import { getField, multiline, parseDeb822, parseSingleStanza, writeStanza } from '../../src/formats/deb822.js';

describe('parseDeb822', () => {
  it('round-trips continuation lines and extra leading blanks', () => {
    const text = 'Package: a\nUploaders:  X <x@y>\nDescription: s\n long\n .\n more\nFiles:\n abc 1 f\n';
    const [s] = parseDeb822(text);
    expect(writeStanza(s!.fields)).toBe(text);
    expect(getField(s!, 'uploaders')).toBe('X <x@y>');
  });
  it('refuses duplicate fields with the line', () => {
    expect(() => parseDeb822('Package: a\nVersion: 1\npackage: b\n', { source: 'c' })).toThrowError(
      expect.objectContaining({ code: 'DEB822_SYNTAX', details: expect.objectContaining({ file: 'c', line: 3, field: 'package' }) }),
    );
  });
  it('refuses a second stanza where one is expected', () => {
    expect(() => parseSingleStanza('Package: a\n\nPackage: b\n', { source: 'control' })).toThrowError(
      expect.objectContaining({ details: expect.objectContaining({ line: 3 }) }),
    );
  });
  it('refuses a continuation line first and garbage lines', () => {
    expect(() => parseDeb822(' x\n')).toThrow(/continuation/);
    expect(() => parseDeb822('Package a\n')).toThrow(/Field: value/);
    expect(() => parseDeb822('P: a\u0000\n')).toThrow(/NUL/);
  });
});

describe('writeStanza', () => {
  it('refuses a value that would inject a new field or stanza', () => {
    expect(() => writeStanza([['Description', 'x\n\nPackage: evil']])).toThrowError(
      expect.objectContaining({ details: expect.objectContaining({ field: 'Description' }) }),
    );
    expect(() => writeStanza([['Description', 'x\nPackage: evil']])).toThrow(/new field/);
    expect(() => writeStanza([['Bad:Name', 'x']])).toThrow(/invalid field name/);
  });
  it('escapes free text with multiline()', () => {
    const v = multiline('summary\nPackage: evil', ['para one', '', 'Package: evil']);
    const out = writeStanza([['Description', v]]);
    expect(parseDeb822(out)).toHaveLength(1);
    expect(out).toBe('Description: summary Package: evil\n para one\n .\n Package: evil\n');
  });
});
