/**
 * The same .debs published into a second suite: the pool already holds them. Nothing is copied
 * again (no temporary written beside each pool file), and past the first few the pool files are
 * not read either: the other suite's Packages vouches for their bytes (transaction.ts
 * PoolRecord). Other bytes at a pool path are still refused.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debFile, debName, makeDeb } from '../../bench/scale/make-debs.js';
import { pkgtrack, tempDir } from '../helpers/cli.js';
import { keyedRecipesRepo } from './apt-helpers.js';

const N = 40; // past DebReadPool.forMany's threshold: read on worker threads, as big publishes are

/** pool path → SHA256 from a suite's Packages. */
function packages(repo: string, suite: string): Map<string, string> {
  const text = readFileSync(join(repo, 'public/apt/dists', suite, 'main/binary-amd64/Packages'), 'utf8');
  return new Map(
    text
      .split('\n\n')
      .filter(Boolean)
      .map((s) => [/^Filename: (.*)$/m.exec(s)![1]!, /^SHA256: (.*)$/m.exec(s)![1]!]),
  );
}

function poolFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** A recipes repository with N .debs (in `debs`) published into bookworm. */
async function publishedInBookworm(): Promise<{ repo: string; debs: string }> {
  const dir = tempDir('pkgtrack-second-suite-');
  const repo = keyedRecipesRepo(dir, 'second');
  const debs = join(dir, 'debs');
  mkdirSync(debs);
  for (let i = 0; i < N; i++) writeFileSync(join(debs, debFile(debName(i))), makeDeb(debName(i)));
  const first = await pkgtrack(['publish', '--suite', 'bookworm', debs], { cwd: repo });
  expect(first.code, first.stderr).toBe(0);
  return { repo, debs };
}

describe('the same .debs into a second suite', () => {
  it('are taken from the pool as they are: same index entries, pool files not rewritten, no temporaries', async () => {
    const { repo, debs } = await publishedInBookworm();
    const pool = join(repo, 'public/apt/pool');
    const before = new Map(poolFiles(pool).map((f) => [f, statSync(f)]));
    expect(before.size).toBe(N);

    const second = await pkgtrack(['publish', '--suite', 'trixie', '--json', debs], { cwd: repo });
    expect(second.code, second.stderr).toBe(0);
    expect(second.json().reports[0].added).toHaveLength(N);
    expect(packages(repo, 'trixie')).toEqual(packages(repo, 'bookworm'));
    const after = poolFiles(pool);
    expect(after.sort()).toEqual([...before.keys()].sort()); // no temporaries left
    for (const f of after) {
      const st = statSync(f);
      expect([st.ino, st.mtimeMs]).toEqual([before.get(f)!.ino, before.get(f)!.mtimeMs]);
    }
    const verify = await pkgtrack(['repo', 'verify', 'public', '--json'], { cwd: repo });
    expect(verify.code, verify.stdout).toBe(0);
  });

  it('other bytes under a pooled name are refused (POOL_IMMUTABLE), and the pool keeps its file', async () => {
    const { repo, debs } = await publishedInBookworm();
    // The last one read differs from the pooled file of the same name (past the first 16 met).
    const changed = join(debs, debFile(debName(N - 1)));
    writeFileSync(changed, makeDeb(debName(N - 1), '1.0-1', undefined, { note: 'rebuilt with other bytes' }));
    const pooled = poolFiles(join(repo, 'public/apt/pool')).find((f) => f.endsWith(debFile(debName(N - 1))))!;
    const bytes = readFileSync(pooled);
    const r = await pkgtrack(['publish', '--suite', 'trixie', '--json', debs], { cwd: repo });
    expect(r.code).not.toBe(0);
    expect(r.json().error.code).toBe('POOL_IMMUTABLE');
    expect(r.json().error.message).toContain(debFile(debName(N - 1)));
    expect(readFileSync(pooled)).toEqual(bytes);
    expect(readdirSync(join(repo, 'public/apt/dists'))).not.toContain('trixie');
  });
});
