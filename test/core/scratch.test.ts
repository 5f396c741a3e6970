/** core/fsutil markScratch and linkIfUnchanged: an S3 publish's scratch copy (no fsync; pool copies as hard links of the input). */
import { existsSync, mkdtempSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDurable, linkIfUnchanged, markScratch, readFileWithStat } from '../../src/core/fsutil.js';

describe('markScratch', () => {
  it('makes the folder and everything under it non-durable until released, and nothing beside it', () => {
    const base = mkdtempSync(join(tmpdir(), 'pkgtrack-scratch-'));
    const dir = join(base, 'work');
    expect(isDurable(join(dir, 'a/b'))).toBe(true);
    const release = markScratch(dir);
    expect(isDurable(dir)).toBe(false);
    expect(isDurable(join(dir, 'apt/dists/bookworm/InRelease'))).toBe(false);
    expect(isDurable(join(dir, 'x/../y'))).toBe(false);
    // A sibling whose name starts the same is not inside.
    expect(isDurable(`${dir}2/file`)).toBe(true);
    expect(isDurable(join(dir, '..', 'other'))).toBe(true);
    expect(isDurable(base)).toBe(true);
    release();
    expect(isDurable(join(dir, 'a'))).toBe(true);
  });
});

describe('linkIfUnchanged', () => {
  it('links the file read; a file rewritten or replaced since is not linked and nothing is left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-link-'));
    const src = join(dir, 'a.deb');
    writeFileSync(src, 'first');
    const read = readFileWithStat(src);
    const seen = { ino: read.ino, size: read.bytes.length, mtimeMs: read.mtimeMs };
    expect(linkIfUnchanged(src, join(dir, 'linked'), seen)).toBe(true);
    expect(statSync(join(dir, 'linked')).ino).toBe(read.ino);
    // Rewritten in place after the read (a later mtime).
    writeFileSync(src, 'other');
    utimesSync(src, new Date(), new Date(Date.now() + 5000));
    expect(linkIfUnchanged(src, join(dir, 'rewritten'), seen)).toBe(false);
    expect(existsSync(join(dir, 'rewritten'))).toBe(false);
    // Replaced by another file under the same name.
    writeFileSync(join(dir, 'new'), 'first');
    renameSync(join(dir, 'new'), src);
    expect(linkIfUnchanged(src, join(dir, 'replaced'), seen)).toBe(false);
    expect(existsSync(join(dir, 'replaced'))).toBe(false);
    // Nothing to link.
    expect(linkIfUnchanged(join(dir, 'absent'), join(dir, 'x'), seen)).toBe(false);
  });
});
