/** The shared RPM corpus (built by scripts/make-rpm-corpus.mjs, cached under .cache/). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');
export const CORPUS_DIR = join(REPO_ROOT, '.cache', 'rpm-corpus', 'rpms');

/**
 * Build the corpus if missing (no-op when cached) and list its files, sorted. Test files run in
 * parallel: flock makes the first one build it while the others wait, instead of colliding.
 */
export function corpusRpms(): string[] {
  mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
  execFileSync('flock', [join(REPO_ROOT, '.cache', 'rpm-corpus.lock'), 'node', join(REPO_ROOT, 'scripts', 'make-rpm-corpus.mjs')], {
    stdio: 'inherit',
  });
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.rpm'))
    .sort()
    .map((f) => join(CORPUS_DIR, f));
}
