/**
 * The rows of a few named binaries, found by their Package lines (what a publish that changed
 * them asks of a big suite), are the rows reading the whole suite gives for those names: names
 * that begin other names, the first stanza of the file, several versions, a name mentioned in
 * another stanza's text, an architecture without plain Packages (then: undefined, read it whole).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAptNames, readAptSuite } from '../../src/services/site/read.js';
import { tempDir } from '../helpers/cli.js';

const stanza = (name: string, version: string, extra = '') =>
  `Package: ${name}\n${extra}Version: ${version}\nArchitecture: amd64\nDescription: the ${name} package\n more text, Package: ${name}-not-a-field\n`;

function suiteDir(packages: string): string {
  const out = tempDir('pkgtrack-read-names-');
  const dir = join(out, 'apt', 'dists', 'bookworm');
  mkdirSync(join(dir, 'main', 'binary-amd64'), { recursive: true });
  writeFileSync(join(dir, 'Release'), 'Suite: bookworm\nComponents: main\nArchitectures: amd64\nDate: Sat, 05 Dec 2026 10:00:00 UTC\n');
  writeFileSync(join(dir, 'main', 'binary-amd64', 'Packages'), packages);
  return out;
}

describe('reading named binaries of a suite', () => {
  const text = [
    stanza('foo', '1.0-1'),
    stanza('foo-data', '1.0-1', 'Source: foo\n'),
    stanza('bar', '2.0-1'),
    stanza('foo', '1.1-1'),
    stanza('xfoo', '1.0-1'),
  ].join('\n');

  it('gives the rows the whole read gives for those names', async () => {
    const out = suiteDir(text);
    const header = (await readAptSuite(out, 'apt', 'bookworm', true))!;
    const whole = (await readAptSuite(out, 'apt', 'bookworm'))!.binaries;
    for (const names of [['foo'], ['foo-data'], ['bar', 'xfoo'], ['missing'], ['foo', 'foo-data', 'bar', 'xfoo']]) {
      // Same rows; the order is the names' (the page orders each source's rows itself).
      const key = (b: { name: string; version: string }) => `${b.name} ${b.version}`;
      const got = (await readAptNames(out, header, names))!.sort((a, b) => key(a).localeCompare(key(b)));
      expect(got, names.join()).toEqual(whole.filter((b) => names.includes(b.name)).sort((a, b) => key(a).localeCompare(key(b))));
    }
  });

  it('says it cannot when an index is there only compressed', async () => {
    const out = suiteDir(text);
    const dir = join(out, 'apt', 'dists', 'bookworm', 'main', 'binary-amd64');
    writeFileSync(join(dir, 'Packages'), '');
    const header = (await readAptSuite(out, 'apt', 'bookworm', true))!;
    expect(await readAptNames(out, header, ['foo'])).toEqual([]);
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'Packages'));
    writeFileSync(join(dir, 'Packages.xz'), 'x');
    expect(await readAptNames(out, header, ['foo'])).toBeUndefined();
  });
});
