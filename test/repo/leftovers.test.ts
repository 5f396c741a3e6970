import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLeftovers } from '../../src/repo/leftovers.js';
import { TMP_SUFFIX } from '../../src/repo/lock.js';
import { tempDir } from '../helpers/cli.js';

describe('findLeftovers (temporaries of interrupted publishes, anywhere in the tree)', () => {
  it('finds them at every depth and across many folders, sorted, with their bytes; not through symlinks', async () => {
    const root = tempDir('pkgtrack-leftovers-');
    const want: string[] = [];
    const put = (rel: string, bytes: number) => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), 'x'.repeat(bytes));
    };
    // A pool of 300 source folders (listed many at once), a few with a leftover, at several depths.
    for (let i = 0; i < 300; i++) put(`pool/main/p/pkg-${i}/pkg-${i}_1.0_amd64.deb`, 10);
    for (const rel of [
      `pool/main/p/pkg-7/pkg-7_1.0_amd64.deb.abc${TMP_SUFFIX}`,
      `pool/main/p/pkg-299/x${TMP_SUFFIX}`,
      `dists/bookworm/Release${TMP_SUFFIX}`,
      `top${TMP_SUFFIX}`,
    ]) {
      put(rel, 100);
      want.push(join(root, rel));
    }
    // Not leftovers: the suffix inside a name, a folder named like one, and one behind a symlink.
    put(`pool/main/p/pkg-8/a${TMP_SUFFIX}.deb`, 1);
    mkdirSync(join(root, `pool/main/p/dir${TMP_SUFFIX}`));
    const outside = tempDir('pkgtrack-leftovers-outside-');
    writeFileSync(join(outside, `hidden${TMP_SUFFIX}`), 'x');
    symlinkSync(outside, join(root, 'pool/main/p/link'));

    const found = await findLeftovers(root);
    expect(found.files).toEqual([...want].sort());
    expect(found.bytes).toBe(400);
    expect(await findLeftovers(join(root, 'missing'))).toEqual({ files: [], bytes: 0 });
  });
});
