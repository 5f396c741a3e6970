import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ifExists, readTextIfExists } from '../../src/core/fsutil.js';

describe('ifExists: "the file may be absent", and nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pkgtrack-ifexists-'));
  writeFileSync(join(dir, 'a.txt'), 'hello');

  it('gives the value when the file is there and undefined when it is not (or a parent is a file)', async () => {
    expect(await ifExists(readFile(join(dir, 'a.txt'), 'utf8'))).toBe('hello');
    expect(await ifExists(readFile(join(dir, 'missing.txt'), 'utf8'))).toBeUndefined();
    expect(await ifExists(stat(join(dir, 'a.txt', 'below')))).toBeUndefined();
    expect(await readTextIfExists(join(dir, 'missing.txt'))).toBeUndefined();
  });

  it('throws every other failure instead of calling it absent (a directory read as a file: EISDIR)', async () => {
    await expect(ifExists(readFile(dir))).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(ifExists(Promise.reject(Object.assign(new Error('io'), { code: 'EIO' })))).rejects.toMatchObject({ code: 'EIO' });
  });
});
