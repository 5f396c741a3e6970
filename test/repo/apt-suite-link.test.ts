/**
 * Adoption of a plain suite directory where no atomic exchange is available (no perl, another
 * kernel): two renames, with the link parked in the store in between; a run killed between
 * them is finished by the next one, before anything reads the suite.
 */
import { lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptPlainSuite, aptGenerationName, linkTarget, suiteGenerations } from '../../src/repo/apt/suite-link.js';
import { readSuite } from '../../src/repo/apt/suite-contents.js';
import { tempDir } from '../helpers/cli.js';

const RELEASE = 'Origin: t\nSuite: bookworm\nCodename: bookworm\nArchitectures: amd64\nComponents: main\nSHA256:\n';
const path = process.env.PATH;

function plainSuite(): string {
  const root = tempDir('pkgtrack-suitelink-');
  mkdirSync(join(root, 'dists/bookworm/main/binary-amd64'), { recursive: true });
  writeFileSync(join(root, 'dists/bookworm/Release'), RELEASE);
  writeFileSync(join(root, 'dists/bookworm/main/binary-amd64/Packages'), '');
  return root;
}

afterEach(() => {
  process.env.PATH = path;
});

describe('adopting a plain suite directory without renameat2', () => {
  it('falls back to two renames and ends with the link to the adopted generation', async () => {
    const root = plainSuite();
    process.env.PATH = '/nonexistent'; // no perl: no exchange
    const gen = await adoptPlainSuite(root, 'bookworm', undefined, false);
    expect(gen).toBe(aptGenerationName(RELEASE));
    expect(readlinkSync(join(root, 'dists/bookworm'))).toBe(linkTarget('bookworm', gen!));
    expect(readFileSync(join(root, 'dists/bookworm/Release'), 'utf8')).toBe(RELEASE);
    expect((await readSuite(root, 'bookworm')).releaseText).toBe(RELEASE);
  });

  it('a run killed between the two renames is finished by the next one', async () => {
    const root = plainSuite();
    const gen = aptGenerationName(RELEASE);
    const store = join(root, suiteGenerations('bookworm'));
    // The state after the first rename: the directory in the store, the link parked beside it.
    mkdirSync(store, { recursive: true });
    symlinkSync(linkTarget('bookworm', gen), join(store, '.adopting'));
    renameSync(join(root, 'dists/bookworm'), join(store, gen));
    expect(await adoptPlainSuite(root, 'bookworm', undefined, false)).toBeUndefined();
    expect(lstatSync(join(root, 'dists/bookworm')).isSymbolicLink()).toBe(true);
    expect((await readSuite(root, 'bookworm')).releaseText).toBe(RELEASE);
  });

  it('refuses a signed suite when there is no key to check it with, changing nothing', async () => {
    const root = plainSuite();
    writeFileSync(join(root, 'dists/bookworm/InRelease'), `-----BEGIN PGP SIGNED MESSAGE-----\n\n${RELEASE}`);
    await expect(adoptPlainSuite(root, 'bookworm', undefined, false)).rejects.toMatchObject({ code: 'APT_FOREIGN_SUITE' });
    expect(lstatSync(join(root, 'dists/bookworm')).isDirectory()).toBe(true);
  });
});
