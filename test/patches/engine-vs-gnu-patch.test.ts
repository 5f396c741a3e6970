/**
 * Differential test: the engine against GNU patch (what dpkg-source and quilt run) on generated
 * files. Patches come from real `diff -u`; the file they are applied to is then moved around
 * (lines inserted above, context lines changed) so that offsets, fuzz and failures all occur.
 * Outcome (applies or not) and resulting bytes must match GNU patch at -F0 and -F2.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/core/exec.js';
import { applyPatch } from '../../src/patches/engine.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pkgtrack-gnupatch-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Small deterministic PRNG so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', '}', '{', '', 'return x;', 'int i;', 'end'];

function makeCase(seed: number): { base: string[]; edited: string[]; moved: string[] } {
  const r = rng(seed);
  const base = Array.from({ length: 20 + r(60) }, (_, i) => (r(4) === 0 ? WORDS[r(WORDS.length)]! : `line ${i} ${WORDS[r(WORDS.length)]}`));
  const edited = [...base];
  for (let k = 0, n = 1 + r(4); k < n; k++) {
    const at = r(edited.length);
    const what = r(3);
    if (what === 0) edited.splice(at, 1);
    else if (what === 1) edited.splice(at, 0, `added ${seed}.${k}`);
    else edited[at] = `changed ${seed}.${k}`;
  }
  const moved = [...base];
  for (let k = 0, n = r(4); k < n; k++) {
    const what = r(3);
    const at = r(moved.length);
    if (what === 0) moved.splice(at, 0, ...Array.from({ length: 1 + r(5) }, (_, j) => `inserted ${k}.${j}`));
    else if (what === 1) moved[at] = `drift ${k}`;
    else moved.splice(at, 1);
  }
  return { base, edited, moved };
}

const text = (lines: string[], eol: boolean) => lines.join('\n') + (eol && lines.length ? '\n' : '');

async function gnuPatch(dir: string, patch: string, fuzz: number): Promise<{ ok: boolean; content?: string }> {
  const r = await run('patch', ['-p1', '-F', String(fuzz), '-N', '-t', '--no-backup-if-mismatch', '-r', '-', '-s'], {
    cwd: dir,
    input: patch,
    check: false,
  });
  return r.code === 0 ? { ok: true, content: await readFile(join(dir, 'f.txt'), 'latin1') } : { ok: false };
}

describe('patch engine vs GNU patch', () => {
  for (const fuzz of [0, 2]) {
    it(`matches GNU patch -F${fuzz} on 80 generated cases`, async () => {
      let applied = 0;
      let offsets = 0;
      let failed = 0;
      for (let seed = 1; seed <= 80; seed++) {
        const { base, edited, moved } = makeCase(seed * 7919 + fuzz);
        const eol = seed % 9 !== 0;
        const d = join(work, `c${fuzz}-${seed}`);
        await mkdir(join(d, 'a'), { recursive: true });
        await mkdir(join(d, 'b'), { recursive: true });
        await writeFile(join(d, 'a', 'f.txt'), text(base, eol));
        await writeFile(join(d, 'b', 'f.txt'), text(edited, eol));
        const diff = await run('diff', ['-u', 'a/f.txt', 'b/f.txt'], { cwd: d, check: false });
        if (!diff.stdout) continue;
        const gnuDir = join(d, 'gnu');
        const ourDir = join(d, 'ours');
        for (const x of [gnuDir, ourDir]) {
          await mkdir(x, { recursive: true });
          await writeFile(join(x, 'f.txt'), text(moved, eol));
        }
        const gnu = await gnuPatch(gnuDir, diff.stdout, fuzz);
        const ours = await applyPatch(ourDir, Buffer.from(diff.stdout, 'latin1'), { strip: 1, fuzz, detectApplied: false });
        expect({ seed, ok: ours.status === 'applied' }).toEqual({ seed, ok: gnu.ok });
        if (gnu.ok) {
          expect({ seed, content: await readFile(join(ourDir, 'f.txt'), 'latin1') }).toEqual({ seed, content: gnu.content });
          applied++;
          if (ours.worst !== 'clean') offsets++;
        } else failed++;
      }
      // The generator must exercise all three outcomes, or the comparison proves little.
      expect(applied).toBeGreaterThan(10);
      expect(offsets).toBeGreaterThan(3);
      expect(failed).toBeGreaterThan(3);
    });
  }

  it('reports already-applied exactly when GNU patch -R applies cleanly', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { base, edited } = makeCase(seed * 104729);
      const d = join(work, `rev-${seed}`);
      await mkdir(join(d, 'a'), { recursive: true });
      await mkdir(join(d, 'b'), { recursive: true });
      await writeFile(join(d, 'a', 'f.txt'), text(base, true));
      await writeFile(join(d, 'b', 'f.txt'), text(edited, true));
      const diff = await run('diff', ['-u', 'a/f.txt', 'b/f.txt'], { cwd: d, check: false });
      if (!diff.stdout) continue;
      await mkdir(join(d, 't'), { recursive: true });
      await writeFile(join(d, 't', 'f.txt'), text(edited, true));
      const gnuReverse = await run('patch', ['-p1', '-R', '-F0', '--dry-run', '-t', '-s'], {
        cwd: join(d, 't'),
        input: diff.stdout,
        check: false,
      });
      const ours = await applyPatch(join(d, 't'), Buffer.from(diff.stdout, 'latin1'), { strip: 1, fuzz: 0, dryRun: true });
      expect({ seed, already: ours.status === 'already-applied' }).toEqual({ seed, already: gnuReverse.code === 0 });
    }
  });
});
