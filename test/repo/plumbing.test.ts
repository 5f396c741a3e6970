/**
 * The shared publish plumbing (repo/format.ts exports) on its own: lock, transaction,
 * generations, retention. The end-to-end proofs with real apt are in apt-*.test.ts.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareDebVersions } from '../../src/formats/version-deb.js';
import {
  acquireRepoLock,
  applyRetention,
  keptGenerations,
  PublishTransaction,
  readGenerations,
  unreferencedFiles,
} from '../../src/repo/format.js';
import { TMP_SUFFIX } from '../../src/repo/lock.js';
import { poolTemp } from '../../src/repo/temp-names.js';
import { tempDir } from '../helpers/cli.js';

describe('repository lock', () => {
  it('makes a second publisher wait until the first releases', async () => {
    const root = tempDir('pkgtrack-lock-');
    const first = await acquireRepoLock(root);
    let got = false;
    const second = acquireRepoLock(root, { pollMs: 20 }).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(false);
    await first.release();
    await (await second).release();
    expect(got).toBe(true);
  });

  it('fails with REPO_LOCKED naming the holder after the timeout', async () => {
    const root = tempDir('pkgtrack-lock-');
    const held = await acquireRepoLock(root, { what: 'publish bookworm' });
    await expect(acquireRepoLock(root, { timeoutMs: 100, pollMs: 20 })).rejects.toMatchObject({
      code: 'REPO_LOCKED',
      kind: 'conflict',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    await held.release();
  });

  it('is not blocked by the record a killed holder left behind', async () => {
    const root = tempDir('pkgtrack-lock-');
    const child = spawn('sleep', ['0']);
    await new Promise((r) => child.on('close', r));
    mkdirSync(join(root, '.pkgtrack'), { recursive: true });
    writeFileSync(
      join(root, '.pkgtrack/publish.lock'),
      JSON.stringify({ pid: child.pid, host: hostname(), since: new Date().toISOString(), what: 'publish' }),
    );
    const lock = await acquireRepoLock(root, { timeoutMs: 1000 });
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });
});

describe('PublishTransaction', () => {
  it('dry-run plans and writes nothing', async () => {
    const root = tempDir('pkgtrack-tx-');
    const src = join(root, 'in.deb');
    writeFileSync(src, 'x');
    const tx = new PublishTransaction(join(root, 'repo'), true);
    await tx.placePoolFile('pool/a/in.deb', src);
    await tx.writeContentAddressed('dists/s/by-hash/SHA256/ab', Buffer.from('i'));
    await tx.stage('dists/s/Packages', 'p');
    await tx.stageLast('dists/s/InRelease', 'r');
    const sum = await tx.commit();
    expect(sum.changes.map((c) => c.op)).toEqual(['add-pool', 'write', 'replace', 'replace']);
    expect(existsSync(join(root, 'repo'))).toBe(false);
  });

  it('refuses different bytes at an existing pool path and leaves no temporaries', async () => {
    const root = tempDir('pkgtrack-tx-');
    const a = join(root, 'a');
    const b = join(root, 'b');
    writeFileSync(a, 'one');
    writeFileSync(b, 'two');
    const tx = new PublishTransaction(join(root, 'repo'), false);
    await tx.placePoolFile('pool/x.deb', a);
    await tx.commit();
    const tx2 = new PublishTransaction(join(root, 'repo'), false);
    expect(await tx2.placePoolFile('pool/x.deb', a)).toBe('present');
    await expect(tx2.placePoolFile('pool/x.deb', b)).rejects.toMatchObject({ code: 'POOL_IMMUTABLE', kind: 'conflict' });
    await tx2.abort();
    expect(readdirSync(join(root, 'repo/pool'))).toEqual(['x.deb']);
    expect(readFileSync(join(root, 'repo/pool/x.deb'), 'utf8')).toBe('one');
  });

  it('asks the pool record (other suites’ word) for pool files met again, past the first 16, and hashes the file when the record disagrees', async () => {
    const root = tempDir('pkgtrack-tx-');
    const repo = join(root, 'repo');
    const names = Array.from({ length: 20 }, (_, i) => `r-${i}_1_all.deb`);
    const rel = (n: string) => `pool/main/r/r/${n}`;
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    for (const n of names) writeFileSync(join(root, n), n);
    const tx = new PublishTransaction(repo, false);
    for (const n of names) await tx.placePoolFile(rel(n), join(root, n));
    await tx.commit();
    // Record: right for every file but the last, which it gives another hash.
    const asked: string[] = [];
    const record = new Map(names.map((n) => [rel(n), sha(n)]));
    record.set(rel(names[19]!), sha('something else'));
    const tx2 = new PublishTransaction(repo, false);
    tx2.useRecord({
      sha256Of: async (r) => {
        asked.push(r);
        return record.get(r);
      },
    });
    for (const n of names) expect(await tx2.placePoolFile(rel(n), join(root, n))).toBe('present');
    expect(asked).toEqual(names.slice(16).map(rel)); // the first 16 were hashed, unasked
    // The record's word is taken past the first 16: a pool file whose bytes it vouches for is not read.
    writeFileSync(join(repo, rel(names[18]!)), 'damaged on disk');
    const other = join(root, 'other');
    writeFileSync(other, 'other bytes');
    record.set(rel('late_1_all.deb'), sha('late'));
    writeFileSync(join(repo, rel('late_1_all.deb')), 'late');
    expect(await tx2.placePoolFile(rel(names[18]!), join(root, names[18]!))).toBe('present');
    // Where it disagrees with the input, the file decides: other bytes are still refused.
    await expect(tx2.placePoolFile(rel('late_1_all.deb'), other)).rejects.toMatchObject({ code: 'POOL_IMMUTABLE' });
    await tx2.abort();
  });

  it('places many files into one new directory at once: the leftover sweep never takes a fresh temporary', async () => {
    const root = tempDir('pkgtrack-tx-');
    const repo = join(root, 'repo');
    // A temporary left by a killed publisher: swept; the 60 new ones must all survive.
    mkdirSync(join(repo, 'pool/main/t/tasksel'), { recursive: true });
    writeFileSync(join(repo, 'pool/main/t/tasksel', `.old.deb.dead${TMP_SUFFIX}`), 'stale');
    const names = Array.from({ length: 60 }, (_, i) => `task-${i}_1_all.deb`);
    for (const n of names) writeFileSync(join(root, n), n);
    const tx = new PublishTransaction(repo, false);
    await Promise.all(names.map((n) => tx.placePoolFile(`pool/main/t/tasksel/${n}`, join(root, n))));
    await tx.commit();
    expect(readdirSync(join(repo, 'pool/main/t/tasksel')).sort()).toEqual([...names].sort());
    for (const n of names) expect(readFileSync(join(repo, 'pool/main/t/tasksel', n), 'utf8')).toBe(n);
  });

  it('places the pool ahead of commit (placePool): files named once, later ones at commit; an abort after keeps the named ones only', async () => {
    const root = tempDir('pkgtrack-tx-');
    const repo = join(root, 'repo');
    const src = (n: string) => {
      writeFileSync(join(root, n), n);
      return join(root, n);
    };
    // 70 files: past the fsync-each threshold, so the bytes and names are synced with one `sync -f` each.
    const early = Array.from({ length: 70 }, (_, i) => `pool/main/e/early/early-${i}_1_all.deb`);
    const tx = new PublishTransaction(repo, false);
    for (const rel of early) await tx.placePoolFile(rel, src(rel.split('/').pop()!));
    tx.startDataSync();
    await tx.placePool();
    const listed = () => readdirSync(join(repo, 'pool/main/e/early')).sort();
    expect(listed()).toEqual(early.map((r) => r.split('/').pop()!).sort()); // named, no temporaries
    await tx.placePool(); // nothing new: nothing happens
    await tx.placePoolFile('pool/main/l/late/late_1_all.deb', src('late_1_all.deb'));
    await tx.commit();
    expect(listed()).toHaveLength(70);
    expect(readdirSync(join(repo, 'pool/main/l/late'))).toEqual(['late_1_all.deb']);

    // A change that fails after its pool went in place: those files stay (unreferenced, as after
    // a failed commit), the temporaries of the rest go.
    const tx2 = new PublishTransaction(repo, false);
    await tx2.placePoolFile('pool/main/f/failed/placed_1_all.deb', src('placed_1_all.deb'));
    await tx2.placePool();
    await tx2.placePoolFile('pool/main/f/failed/pending_1_all.deb', src('pending_1_all.deb'));
    await tx2.abort();
    expect(readdirSync(join(repo, 'pool/main/f/failed'))).toEqual(['placed_1_all.deb']);
  });

  it('spares temporaries its own workers wrote beside pool paths before the sweep, adopts them, sweeps a dead one', async () => {
    const root = tempDir('pkgtrack-tx-');
    const repo = join(root, 'repo');
    const dir = join(repo, 'pool/main/h/hello');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `.hello_0.9_all.deb.0badc0de-00000000${TMP_SUFFIX}`), 'stale'); // a dead publisher's
    const tx = new PublishTransaction(repo, false);
    // As a DebReadPool worker does: the copy is written under the transaction's tag first.
    const staged = poolTemp(join(dir, 'hello_1.0_all.deb'), tx.tag);
    writeFileSync(staged, 'hello 1.0');
    const other = join(root, 'hello-doc.deb');
    writeFileSync(other, 'doc');
    // placePoolFile prepares (and sweeps) the directory: the tagged copy must survive it.
    await tx.placePoolFile('pool/main/h/hello/hello-doc_1.0_all.deb', other);
    expect(existsSync(staged)).toBe(true);
    expect(
      await tx.adoptPoolFile('pool/main/h/hello/hello_1.0_all.deb', staged, createHash('sha256').update('hello 1.0').digest('hex'), other),
    ).toBe('added');
    await tx.commit();
    expect(readdirSync(dir).sort()).toEqual(['hello-doc_1.0_all.deb', 'hello_1.0_all.deb']);
    expect(readFileSync(join(dir, 'hello_1.0_all.deb'), 'utf8')).toBe('hello 1.0');
  });

  it("removes generation directories no kept generation uses: pruned ones and a killed publisher's", async () => {
    const root = join(tempDir('pkgtrack-tx-'), 'repo');
    const day = 86_400_000;
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    mkdirSync(join(root, 's/.repodata/dead'), { recursive: true });
    writeFileSync(join(root, 's/.repodata/dead', `.repomd.xml.x-y${TMP_SUFFIX}`), 'killed before its switch');
    for (let g = 0; g < 5; g++) {
      const tx = new PublishTransaction(root, false, { keep: 3, minAgeDays: 3 });
      await tx.writeContentAddressed(`s/.repodata/g${g}/repomd.xml`, Buffer.from(String(g)));
      tx.keepGeneration('yum/s', [`s/.repodata/g${g}/repomd.xml`], ['s/.repodata']);
      await tx.commit(new Date(t0 + g * 10 * day));
    }
    expect(readdirSync(join(root, 's/.repodata')).sort()).toEqual(['g2', 'g3', 'g4']);
  });

  it('records generations and prunes only files no kept generation uses', async () => {
    const root = join(tempDir('pkgtrack-tx-'), 'repo');
    const day = 86_400_000;
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let g = 0; g < 5; g++) {
      const tx = new PublishTransaction(root, false, { keep: 3, minAgeDays: 3 });
      const rel = `d/by-hash/g${g}`;
      await tx.writeContentAddressed(rel, Buffer.from(String(g)));
      tx.keepGeneration('d', [rel, 'd/by-hash/shared'], ['d/by-hash']);
      if (g === 0) await tx.writeContentAddressed('d/by-hash/shared', Buffer.from('s'));
      await tx.commit(new Date(t0 + g * 10 * day));
    }
    // Newest 3 kept (all older than 3 days); g0 and g1 pruned, the shared file stays.
    expect(readdirSync(join(root, 'd/by-hash')).sort()).toEqual(['g2', 'g3', 'g4', 'shared']);
    expect((await readGenerations(root, 'd')).length).toBe(3);
  });
});

describe('retention and generations (pure)', () => {
  it('keeps the newest N per name and arch in dpkg order', () => {
    const e = (name: string, version: string, arch = 'amd64') => ({ name, version, arch, files: [`${name}_${version}_${arch}`] });
    const entries = [e('a', '1.0'), e('a', '1.0~rc1'), e('a', '1:0.1'), e('a', '1.0', 'arm64'), e('b', '2')];
    const r = applyRetention(entries, 2, compareDebVersions);
    expect(r.drop.map((x) => x.version)).toEqual(['1.0~rc1']);
    expect(applyRetention(entries, 0, compareDebVersions).drop).toEqual([]);
    expect(unreferencedFiles(['p/a', 'p/b', 'p/a'], ['p/b'])).toEqual(['p/a']);
  });

  it('keeps generations that are among the newest N or younger than the minimum age', () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const g = (daysAgo: number) => ({ at: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(), files: [String(daysAgo)] });
    const kept = keptGenerations([g(9), g(8), g(2.5), g(2), g(1), g(0)], { keep: 3, minAgeDays: 3 }, now);
    expect(kept.map((k) => k.files[0])).toEqual(['2.5', '2', '1', '0']);
  });
});
