/**
 * shared/reference/hostile-inputs.md, "Upstream archives": each hostile tar (gz/xz/bz2/zst)
 * and zip is refused with an error naming the entry, and nothing is written: not outside the
 * work dir, not even a partial destination. Good archives extract to what `tar -x` gives.
 * Hostile archives are built with Python's tarfile/zipfile, which write any entry we ask for.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkgtrackError } from '../../src/core/errors.js';
import { run } from '../../src/core/exec.js';
import { extractArchive } from '../../src/patches/extract.js';
import { diffSnapshots, treeSnapshot } from './helpers/tree.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-hostile-tar-'));
  await mkdir(join(work, 'outside'));
  await writeFile(join(work, 'outside', 'victim'), 'precious\n');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Entries: [name, type, extra] with type file|dir|symlink|hardlink|chr|fifo|setuid. */
type Entry = [string, 'file' | 'dir' | 'symlink' | 'hardlink' | 'chr' | 'fifo' | 'setuid', string?];

const MAKE_TAR = `
import io, json, sys, tarfile
out, mode, entries = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with tarfile.open(out, mode, format=tarfile.GNU_FORMAT) as t:
    for name, kind, extra in entries:
        i = tarfile.TarInfo(name)
        data = b''
        if kind in ('file', 'setuid'):
            data = (extra or 'x').encode() * (int(sys.argv[4]) if extra == 'BOMB' else 1)
            i.size = len(data)
            i.mode = 0o4755 if kind == 'setuid' else 0o644
        elif kind == 'dir': i.type = tarfile.DIRTYPE; i.mode = 0o755
        elif kind == 'symlink': i.type = tarfile.SYMTYPE; i.linkname = extra
        elif kind == 'hardlink': i.type = tarfile.LNKTYPE; i.linkname = extra
        elif kind == 'chr': i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3
        elif kind == 'fifo': i.type = tarfile.FIFOTYPE
        t.addfile(i, io.BytesIO(data) if data else None)
`;

async function makeTar(name: string, entries: Entry[], bombBytes = 0): Promise<string> {
  const out = join(work, name);
  const mode = name.endsWith('.gz') ? 'w:gz' : name.endsWith('.xz') ? 'w:xz' : name.endsWith('.bz2') ? 'w:bz2' : 'w';
  const plain = name.endsWith('.zst') ? `${out}.tmp.tar` : out;
  await run('python3', [
    '-c',
    MAKE_TAR,
    plain,
    name.endsWith('.zst') ? 'w' : mode,
    JSON.stringify(entries.map((e) => [e[0], e[1], e[2] ?? null])),
    String(bombBytes),
  ]);
  if (name.endsWith('.zst')) await run('zstd', ['-q', '-f', '--rm', plain, '-o', out]);
  return out;
}

async function refused(archive: string, code: string, entry: string, limits = {}): Promise<void> {
  const before = await treeSnapshot(work);
  const dest = join(work, 'dest');
  let err: unknown;
  try {
    await extractArchive(archive, dest, limits);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PkgtrackError);
  const e = err as PkgtrackError;
  expect({ code: e.code, entry: e.details.entry }).toEqual({ code, entry });
  expect(e.message).toContain(JSON.stringify(entry));
  expect(diffSnapshots(before, await treeSnapshot(work))).toEqual([]);
}

describe('hostile tar archives', () => {
  for (const ext of ['tar.gz', 'tar.xz', 'tar.bz2', 'tar.zst']) {
    it(`refuses ../ in a .${ext}`, async () => {
      await refused(
        await makeTar(`dotdot.${ext}`, [
          ['pkg-1/', 'dir'],
          ['pkg-1/../../outside/evil', 'file'],
        ]),
        'PATH_ESCAPES',
        'pkg-1/../../outside/evil',
      );
    });
  }
  it('refuses absolute names', async () => {
    await refused(await makeTar('abs.tar.gz', [[`${work}/outside/evil`, 'file']]), 'PATH_ABSOLUTE', `${work}/outside/evil`);
  });
  it('refuses a symlink followed by a file written through it', async () => {
    await refused(
      await makeTar('symlink.tar.xz', [
        ['pkg/link', 'symlink', `${work}/outside`],
        ['pkg/link/victim', 'file', 'pwned'],
      ]),
      'PATH_THROUGH_SYMLINK',
      'pkg/link/victim',
    );
  });
  it('refuses hardlinks to paths outside the archive', async () => {
    await refused(await makeTar('hard1.tar.gz', [['pkg/h', 'hardlink', `${work}/outside/victim`]]), 'ARCHIVE_HARDLINK_OUTSIDE', 'pkg/h');
    await refused(await makeTar('hard2.tar.gz', [['pkg/h', 'hardlink', '../outside/victim']]), 'ARCHIVE_HARDLINK_OUTSIDE', 'pkg/h');
    await refused(await makeTar('hard3.tar.gz', [['pkg/h', 'hardlink', 'pkg/not-yet']]), 'ARCHIVE_HARDLINK_OUTSIDE', 'pkg/h');
  });
  it('refuses devices, fifos and setuid files', async () => {
    await refused(await makeTar('dev.tar.gz', [['pkg/null', 'chr']]), 'ARCHIVE_SPECIAL_FILE', 'pkg/null');
    await refused(await makeTar('fifo.tar.bz2', [['pkg/fifo', 'fifo']]), 'ARCHIVE_SPECIAL_FILE', 'pkg/fifo');
    await refused(await makeTar('suid.tar.zst', [['pkg/su', 'setuid']]), 'ARCHIVE_SETUID', 'pkg/su');
  });
  it('drops setgid on directories instead of refusing (real Debian tarballs carry it)', async () => {
    const MAKE = `
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz') as t:
    d = tarfile.TarInfo('pkg'); d.type = tarfile.DIRTYPE; d.mode = 0o2775; t.addfile(d)
    f = tarfile.TarInfo('pkg/a'); f.size = 1; t.addfile(f, io.BytesIO(b'a'))
`;
    const archive = join(work, 'sgid-dir.tar.gz');
    await run('python3', ['-c', MAKE, archive]);
    const dest = join(work, 'sgid-dest');
    await extractArchive(archive, dest);
    const { stat } = await import('node:fs/promises');
    expect((await stat(join(dest, 'pkg'))).mode & 0o7000).toBe(0);
    await rm(dest, { recursive: true, force: true });
  });
  it('refuses duplicate names', async () => {
    await refused(
      await makeTar('dup.tar.gz', [
        ['pkg/a', 'file', 'one'],
        ['pkg/a', 'file', 'two'],
      ]),
      'ARCHIVE_DUPLICATE',
      'pkg/a',
    );
  });
  it('refuses names with newlines', async () => {
    await refused(await makeTar('nl.tar.gz', [['pkg/a\nb', 'file']]), 'PATH_CONTROL_CHAR', 'pkg/a\nb');
  });
  it('refuses a decompression bomb past the size bound', async () => {
    const bomb = await makeTar('bomb.tar.xz', [['pkg/zeros', 'file', 'BOMB']], 8 * 1024 * 1024);
    await refused(bomb, 'ARCHIVE_TOO_LARGE', 'pkg/zeros', { maxBytes: 4 * 1024 * 1024 });
  });
  it('refuses a decompression bomb past the ratio bound', async () => {
    const bomb = await makeTar('ratio.tar.gz', [['pkg/zeros', 'file', 'BOMB']], 6 * 1024 * 1024);
    await refused(bomb, 'ARCHIVE_BOMB', 'pkg/zeros', { ratioAfterBytes: 1024 * 1024, maxRatio: 100 });
  });
});

describe('hostile zip archives', () => {
  const MAKE_ZIP = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, kind, extra in json.loads(sys.argv[2]):
        i = zipfile.ZipInfo(name)
        i.create_system = 3
        i.compress_type = zipfile.ZIP_DEFLATED
        i.external_attr = ((0o120777 if kind == 'symlink' else 0o100644) << 16)
        z.writestr(i, extra or 'x')
`;
  const makeZip = async (name: string, entries: Entry[]) => {
    const out = join(work, name);
    await run('python3', ['-c', MAKE_ZIP, out, JSON.stringify(entries.map((e) => [e[0], e[1], e[2] ?? null]))]);
    return out;
  };
  it('refuses ../ and absolute names', async () => {
    await refused(await makeZip('dotdot.zip', [['pkg/../../outside/evil', 'file']]), 'PATH_ESCAPES', 'pkg/../../outside/evil');
    await refused(await makeZip('abs.zip', [['/tmp/evil', 'file']]), 'PATH_ABSOLUTE', '/tmp/evil');
  });
  it('refuses writing through a symlink', async () => {
    await refused(
      await makeZip('link.zip', [
        ['pkg/l', 'symlink', `${work}/outside`],
        ['pkg/l/victim', 'file', 'pwned'],
      ]),
      'PATH_THROUGH_SYMLINK',
      'pkg/l/victim',
    );
  });
  it('refuses an entry that inflates past its declared size', async () => {
    const z = await makeZip('liar.zip', [['pkg/big', 'file', 'A'.repeat(100_000)]]);
    // Patch the central directory's uncompressed size down to 10 bytes.
    await run('python3', [
      '-c',
      `import sys
b = bytearray(open(sys.argv[1],'rb').read())
i = b.rfind(b'PK\\x01\\x02')
b[i+24:i+28] = (10).to_bytes(4,'little')
open(sys.argv[1],'wb').write(b)`,
      z,
    ]);
    await refused(z, 'ARCHIVE_BOMB', 'pkg/big');
  });
  it('refuses a stored entry whose sizes disagree', async () => {
    const out = join(work, 'stored.zip');
    await run('python3', [
      '-c',
      `import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_STORED) as z:
    z.writestr('pkg/big', 'A' * 1000)
b = bytearray(open(sys.argv[1],'rb').read())
i = b.rfind(b'PK\\x01\\x02')
b[i+24:i+28] = (10).to_bytes(4,'little')
open(sys.argv[1],'wb').write(b)`,
      out,
    ]);
    await refused(out, 'ARCHIVE_BOMB', 'pkg/big');
  });
});

describe('good archives', () => {
  for (const ext of ['tar.gz', 'tar.xz', 'tar.bz2', 'tar.zst', 'zip']) {
    it(`extracts a .${ext} exactly as the reference tool`, async () => {
      const src = join(work, `good-src-${ext}`);
      await mkdir(join(src, 'pkg-1.0', 'sub'), { recursive: true });
      await writeFile(join(src, 'pkg-1.0', 'sub', 'a.txt'), 'hello\n');
      await writeFile(join(src, 'pkg-1.0', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
      await run('ln', ['-s', 'sub/a.txt', join(src, 'pkg-1.0', 'link')]);
      const archive = join(work, `good.${ext}`);
      if (ext === 'zip') await run('zip', ['-qry', archive, 'pkg-1.0'], { cwd: src });
      else await run('tar', ['-caf', archive, '-C', src, 'pkg-1.0']);
      const ref = join(work, `good-ref-${ext}`);
      await mkdir(ref);
      if (ext === 'zip') await run('unzip', ['-q', archive, '-d', ref]);
      else await run('tar', ['-xf', archive, '-C', ref]);
      const r = await extractArchive(archive, join(work, `good-ours-${ext}`));
      expect(r.topDir).toBe('pkg-1.0');
      expect(diffSnapshots(await treeSnapshot(ref), await treeSnapshot(join(work, `good-ours-${ext}`)))).toEqual([]);
    });
  }
});
